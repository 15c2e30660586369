"""Engagement metrics: on demand through the API, and at checkpoints after posting."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.scheduling.models import ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.scheduling.models import PostMetrics
from backend.social.models import SocialAccount
from backend.scheduling.tasks import fetch_due_metrics

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status
TWEET_ID = "1859000000000000001"
PUBLIC_METRICS = {"data": {"id": TWEET_ID, "text": "x", "public_metrics": {"retweet_count": 3, "reply_count": 2, "like_count": 17, "quote_count": 1, "impression_count": 804}}}


@pytest.fixture
def posted_sandbox(make_post):
    post = make_post(due_in=timedelta(seconds=-1))
    assert post_publish(post_id=post.pk) == S.POSTED
    post.refresh_from_db()
    return post


@pytest.fixture
def x_account(org):
    return SocialAccount.objects.create(organization=org, platform="twitter", handle="silkhouse", external_id="2244994945", access_token="x-access-1")


def posted(make_post, account, *, ago, external_id=TWEET_ID):
    post = make_post(account=account, due_in=-ago)
    ScheduledPost.objects.filter(pk=post.pk).update(status=S.POSTED, posted_at=timezone.now() - ago, external_post_id=external_id)
    post.refresh_from_db()
    return post


def test_metrics_are_null_before_the_first_reading(owner_client, posted_sandbox):
    response = owner_client.get(f"/api/schedule/{posted_sandbox.pk}/metrics/")
    assert response.status_code == 200
    assert response.data == {"likes": None, "comments": None, "shares": None, "views": None, "reach": None, "impressions": None, "unavailable": "", "fetched_at": None}


def test_refresh_metrics_of_a_posted_sandbox_post(owner_client, posted_sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_client.post(f"/api/schedule/{posted_sandbox.pk}/refresh_metrics/")
    assert response.status_code == 202
    assert len(callbacks) == 1

    latest = owner_client.get(f"/api/schedule/{posted_sandbox.pk}/metrics/").data
    reading = PostMetrics.objects.get(post=posted_sandbox)
    assert latest["fetched_at"] is not None and latest["likes"] == reading.likes is not None
    assert latest["impressions"] == reading.impressions > 0
    assert reading.checkpoint == ""
    posted_sandbox.refresh_from_db()
    assert posted_sandbox.status == S.POSTED


def test_refresh_metrics_of_an_x_post_reads_the_platform(platforms, owner_client, make_post, x_account, django_capture_on_commit_callbacks):
    post = posted(make_post, x_account, ago=timedelta(hours=2))
    platforms.reply("GET", f"/2/tweets/{TWEET_ID}", PUBLIC_METRICS)

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/api/schedule/{post.pk}/refresh_metrics/").status_code == 202

    (call,) = platforms.requests
    assert call.params() == {"tweet.fields": "public_metrics"} and call.headers["authorization"] == "Bearer x-access-1"
    data = owner_client.get(f"/api/schedule/{post.pk}/metrics/").data
    assert (data["likes"], data["comments"], data["shares"], data["impressions"], data["views"]) == (17, 2, 4, 804, None)


def test_platform_errors_are_kept_off_the_post(platforms, owner_client, make_post, x_account, django_capture_on_commit_callbacks):
    post = posted(make_post, x_account, ago=timedelta(hours=2))
    platforms.reply("GET", f"/2/tweets/{TWEET_ID}", {"title": "Service Unavailable"}, status=503)

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/api/schedule/{post.pk}/refresh_metrics/").status_code == 202

    reading = PostMetrics.objects.get(post=post)
    assert reading.error_code and reading.likes is None
    assert owner_client.get(f"/api/schedule/{post.pk}/metrics/").data["fetched_at"] is None
    post.refresh_from_db()
    assert post.status == S.POSTED and post.error_message == ""


@pytest.mark.parametrize("status", [S.SCHEDULED, S.FAILED, S.DRAFT])
def test_refresh_metrics_of_an_unposted_post_is_a_conflict(owner_client, make_post, status):
    post = make_post(status=status)
    response = owner_client.post(f"/api/schedule/{post.pk}/refresh_metrics/")
    assert response.status_code == 409 and response.data["code"] == "post_not_posted"


def test_metrics_of_other_organizations_posts_are_not_found(client_for, member, other_org, posted_sandbox):
    outsider = client_for(member(other_org))
    assert outsider.get(f"/api/schedule/{posted_sandbox.pk}/metrics/").status_code == 404
    assert outsider.post(f"/api/schedule/{posted_sandbox.pk}/refresh_metrics/").status_code == 404


def test_periodic_task_reads_each_checkpoint_once(platforms, make_post, x_account, django_capture_on_commit_callbacks):
    platforms.reply("GET", f"/2/tweets/{TWEET_ID}", PUBLIC_METRICS)
    too_new = posted(make_post, x_account, ago=timedelta(minutes=30))
    one_hour = posted(make_post, x_account, ago=timedelta(minutes=90))
    two_days = posted(make_post, x_account, ago=timedelta(hours=50))
    week = posted(make_post, x_account, ago=timedelta(days=7, hours=2))
    too_old = posted(make_post, x_account, ago=timedelta(days=9))
    PostMetrics.objects.create(post=two_days, checkpoint="24h", likes=1, fetched_at=timezone.now() - timedelta(hours=26))

    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_due_metrics() == 2

    # missed checkpoints fold into the latest due one (the week-old post: 168h only)
    assert set(PostMetrics.objects.filter(likes=17).values_list("post_id", "checkpoint")) == {(one_hour.pk, "1h"), (week.pk, "168h")}
    assert PostMetrics.objects.filter(post=two_days).count() == 1  # 24h already read; 72h not reached
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_due_metrics() == 0
    assert not PostMetrics.objects.filter(post__in=[too_new, too_old]).exists()
    assert len(platforms.requests) == 2
