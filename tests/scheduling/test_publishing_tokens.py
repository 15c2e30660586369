"""Publishing with token refresh: an expired token is refreshed first; an AUTH error is refreshed once and retried once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.scheduling.models import ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.social.models import SocialAccount

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status

TWEET = {"data": {"id": "1859000000000000001", "text": "Fresh cotton kurtis"}}
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
NEW_TOKENS = {"token_type": "bearer", "expires_in": 7200, "access_token": "x-access-NEW", "scope": "tweet.write offline.access", "refresh_token": "x-refresh-NEW"}


@pytest.fixture
def x_account(org, owner):
    return SocialAccount.objects.create(
        organization=org, platform="twitter", handle="silkhouse", external_id="2244994945",
        access_token="x-access-OLD", refresh_token="x-refresh-OLD",
        expires_at=timezone.now() + timedelta(minutes=90), tokens_updated_at=timezone.now() - timedelta(minutes=30),
        connected_by=owner,
    )


@pytest.fixture
def due_tweet(make_post, x_account):
    return make_post(account=x_account, due_in=timedelta(seconds=-1))


def sent(platforms):
    return [(r.method, r.path, r.headers.get("authorization", "")) for r in platforms.requests]


def test_auth_error_refreshes_once_and_retries_once(platforms, due_tweet, x_account):
    platforms.reply("POST", "/2/tweets", {"title": "Unauthorized", "detail": "Unauthorized", "status": 401, "type": "about:blank"}, status=401)
    platforms.reply("POST", "/2/tweets", TWEET, status=201)
    platforms.reply("POST", "/2/oauth2/token", NEW_TOKENS)

    assert post_publish(post_id=due_tweet.pk) == S.POSTED

    requests = sent(platforms)
    assert [(m, p) for m, p, _ in requests] == [("POST", "/2/tweets"), ("POST", "/2/oauth2/token"), ("POST", "/2/tweets")]
    assert requests[0][2] == "Bearer x-access-OLD" and requests[2][2] == "Bearer x-access-NEW"
    assert platforms.requests[1].form() == {"grant_type": "refresh_token", "refresh_token": "x-refresh-OLD"}
    assert platforms.requests[2].json() == {"text": "Fresh cotton kurtis"}
    due_tweet.refresh_from_db()
    assert due_tweet.external_post_id == "1859000000000000001"
    assert list(due_tweet.attempts.values_list("outcome", flat=True)) == ["success"]
    assert due_tweet.retry_count == 0
    x_account.refresh_from_db()
    assert (x_account.access_token, x_account.refresh_token, x_account.token_version) == ("x-access-NEW", "x-refresh-NEW", 1)
    assert x_account.status == SocialAccount.Status.ACTIVE


def test_auth_error_again_after_refresh_fails_the_post_and_asks_for_reconnection(platforms, due_tweet, x_account):
    platforms.reply("POST", "/2/tweets", UNAUTHORIZED, status=401)
    platforms.reply("POST", "/2/oauth2/token", NEW_TOKENS)

    assert post_publish(post_id=due_tweet.pk) == S.FAILED

    assert [(m, p) for m, p, _ in sent(platforms)] == [("POST", "/2/tweets"), ("POST", "/2/oauth2/token"), ("POST", "/2/tweets")]
    due_tweet.refresh_from_db()
    assert "refused the token again after it was refreshed" in due_tweet.error_message
    assert "Reconnect the account" in due_tweet.error_message
    assert list(due_tweet.attempts.values_list("outcome", flat=True)) == ["auth"]
    x_account.refresh_from_db()
    assert x_account.status == SocialAccount.Status.NEEDS_RECONNECT
    assert "x-access" not in due_tweet.error_message + x_account.status_reason


def test_refused_refresh_fails_the_post_without_a_second_publish_call(platforms, due_tweet, x_account):
    platforms.reply("POST", "/2/tweets", UNAUTHORIZED, status=401)
    platforms.reply("POST", "/2/oauth2/token", {"error": "invalid_grant", "error_description": "Refresh token revoked."}, status=400)

    assert post_publish(post_id=due_tweet.pk) == S.FAILED

    assert [(m, p) for m, p, _ in sent(platforms)] == [("POST", "/2/tweets"), ("POST", "/2/oauth2/token")]
    due_tweet.refresh_from_db()
    assert "Refresh token revoked." in due_tweet.error_message
    x_account.refresh_from_db()
    assert x_account.status == SocialAccount.Status.NEEDS_RECONNECT


def test_expired_token_is_refreshed_before_publishing(platforms, due_tweet, x_account):
    SocialAccount.objects.filter(pk=x_account.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    platforms.reply("POST", "/2/oauth2/token", NEW_TOKENS)
    platforms.reply("POST", "/2/tweets", TWEET, status=201)

    assert post_publish(post_id=due_tweet.pk) == S.POSTED

    assert sent(platforms) == [("POST", "/2/oauth2/token", sent(platforms)[0][2]), ("POST", "/2/tweets", "Bearer x-access-NEW")]


def test_unreachable_token_endpoint_retries_the_post_later(platforms, due_tweet, x_account):
    platforms.reply("POST", "/2/tweets", UNAUTHORIZED, status=401)
    platforms.reply("POST", "/2/oauth2/token", {"title": "Service Unavailable"}, status=503)

    assert post_publish(post_id=due_tweet.pk) == S.SCHEDULED

    due_tweet.refresh_from_db()
    assert due_tweet.retry_count == 1 and due_tweet.next_attempt_at > timezone.now()
    x_account.refresh_from_db()
    assert x_account.status == SocialAccount.Status.ACTIVE
