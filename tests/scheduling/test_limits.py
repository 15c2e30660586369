"""Account publishing limits: a post over a limit waits for the window, without using a retry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from backend.scheduling.models import ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.scheduling.limits import publish_limit_check
from backend.social.models import SocialAccount
from backend.social.platforms.base import ErrorKind, PublishError

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status
IG_USER = "17841400000000000"
TWEET = {"data": {"id": "1859000000000000001", "text": "Fresh cotton kurtis"}}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ig_account(org):
    return SocialAccount.objects.create(organization=org, platform="instagram", handle="silkhouse", external_id=IG_USER, access_token="ig-token")


@pytest.fixture
def x_account(org):
    return SocialAccount.objects.create(organization=org, platform="twitter", handle="silkhouse", external_id="2244994945", access_token="x-token")


def already_posted(make_post, account, *, ago_list):
    for ago in ago_list:
        post = make_post(account=account, due_in=-ago)
        ScheduledPost.objects.filter(pk=post.pk).update(status=S.POSTED, posted_at=timezone.now() - ago, external_post_id=f"ext-{post.pk}")


def quota(platforms, used, total=25):
    platforms.reply("GET", f"/v23.0/{IG_USER}/content_publishing_limit", {"data": [{"quota_usage": used, "config": {"quota_total": total, "quota_duration": 86400}}]})


def assert_waits(post, *, until_about, code="publish_limit"):
    post.refresh_from_db()
    assert post.status == S.SCHEDULED
    assert post.retry_count == 0
    assert abs((post.next_attempt_at - until_about).total_seconds()) < 5
    attempt = post.attempts.get()
    assert attempt.outcome == "rate_limited" and attempt.error_code == code
    assert "waits until the window frees" in post.error_message


def test_instagram_quota_exhausted_post_waits_for_the_window(platforms, make_post, ig_account):
    quota(platforms, used=25)
    already_posted(make_post, ig_account, ago_list=[timedelta(hours=23), timedelta(hours=2)])
    post = make_post(account=ig_account, due_in=timedelta(seconds=-1))

    assert post_publish(post_id=post.pk) == S.SCHEDULED

    (call,) = platforms.requests
    assert call.path == f"/v23.0/{IG_USER}/content_publishing_limit"
    assert call.params() == {"fields": "quota_usage,config"} and call.headers["authorization"] == "Bearer ig-token"
    # the oldest publication in the 24 h window leaves it in an hour
    assert_waits(post, until_about=timezone.now() + timedelta(hours=1))
    assert "Instagram allows 25 posts per 24 hours" in post.error_message


def test_instagram_quota_reading_is_cached_and_counts_later_posts(platforms, make_post, ig_account):
    quota(platforms, used=24)
    first = make_post(account=ig_account)
    publish_limit_check(post=first)  # 24 of 25: under the limit
    already_posted(make_post, ig_account, ago_list=[timedelta(0)])  # published since the reading

    second = make_post(account=ig_account)
    with pytest.raises(PublishError) as caught:
        publish_limit_check(post=second)

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert len(platforms.requests) == 1  # the reading was reused


def test_unreadable_instagram_quota_does_not_block(platforms, make_post, ig_account):
    platforms.reply("GET", f"/v23.0/{IG_USER}/content_publishing_limit", {"error": {"message": "boom", "code": 2}}, status=500)
    publish_limit_check(post=make_post(account=ig_account))


def test_x_window_full_post_waits(platforms, make_post, x_account, settings):
    settings.SOCIAL_PUBLISH_WINDOWS = {"twitter": (3, 900)}
    already_posted(make_post, x_account, ago_list=[timedelta(minutes=10), timedelta(minutes=5), timedelta(minutes=1), timedelta(minutes=20)])
    post = make_post(account=x_account, due_in=timedelta(seconds=-1))

    assert post_publish(post_id=post.pk) == S.SCHEDULED

    assert platforms.requests == []
    assert_waits(post, until_about=timezone.now() + timedelta(minutes=5))
    assert "X allows 3 posts per 15 minutes" in post.error_message


def test_x_default_window_is_100_posts_per_15_minutes(platforms, make_post, x_account):
    already_posted(make_post, x_account, ago_list=[timedelta(seconds=5 * n + 10) for n in range(100)])
    post = make_post(account=x_account, due_in=timedelta(seconds=-1))
    assert post_publish(post_id=post.pk) == S.SCHEDULED
    assert platforms.requests == []


def test_x_under_the_limit_publishes(platforms, make_post, x_account):
    platforms.reply("POST", "/2/tweets", TWEET, status=201)
    already_posted(make_post, x_account, ago_list=[timedelta(seconds=5 * n + 10) for n in range(99)] + [timedelta(minutes=16)])
    post = make_post(account=x_account, due_in=timedelta(seconds=-1))

    assert post_publish(post_id=post.pk) == S.POSTED
    assert [r.path for r in platforms.requests] == ["/2/tweets"]


def test_a_waiting_post_publishes_once_the_window_frees(platforms, make_post, x_account, settings):
    settings.SOCIAL_PUBLISH_WINDOWS = {"twitter": (1, 900)}
    platforms.reply("POST", "/2/tweets", TWEET, status=201)
    already_posted(make_post, x_account, ago_list=[timedelta(minutes=14)])
    post = make_post(account=x_account, due_in=timedelta(seconds=-1))
    assert post_publish(post_id=post.pk) == S.SCHEDULED

    ScheduledPost.objects.exclude(pk=post.pk).update(posted_at=timezone.now() - timedelta(minutes=16))
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now())
    assert post_publish(post_id=post.pk) == S.POSTED
    post.refresh_from_db()
    assert post.retry_count == 0
    assert list(post.attempts.values_list("outcome", flat=True)) == ["rate_limited", "success"]
