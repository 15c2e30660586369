"""Token refresh: which accounts, what is stored, one refresher at a time, failures."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.social.models import SocialAccount
from backend.social.platforms.base import ErrorKind, PublishError
from backend.social.tasks import refresh_expiring_tokens
from backend.social.tokens import account_refresh_token, needs_refresh, refresh_lead

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "app-secret-abcdef123456"
X_TOKEN = {"token_type": "bearer", "expires_in": 7200, "access_token": "x-access-NEW", "scope": "tweet.write offline.access", "refresh_token": "x-refresh-NEW"}


def make_account(org, platform, *, expires_in, age, refresh_token="", access_token=None, **fields):
    now = timezone.now()
    return SocialAccount.objects.create(
        organization=org,
        platform=platform,
        handle=f"@{platform}",
        external_id=fields.pop("external_id", f"{platform}-id"),
        access_token=access_token or f"{platform}-access-OLD",
        refresh_token=refresh_token,
        expires_at=now + expires_in if expires_in is not None else None,
        tokens_updated_at=now - age,
        **fields,
    )


def test_refresh_lead_is_a_quarter_of_the_lifetime_within_bounds(org):
    short = make_account(org, "twitter", expires_in=timedelta(minutes=100), age=timedelta(minutes=20), refresh_token="r")
    long = make_account(org, "instagram", expires_in=timedelta(days=30), age=timedelta(days=30))
    assert refresh_lead(short) == timedelta(minutes=30)
    assert refresh_lead(long) == timedelta(days=7)


def test_periodic_task_refreshes_only_expiring_refreshable_accounts(org, platforms):
    platforms.reply("POST", "/2/oauth2/token", X_TOKEN)
    platforms.reply("GET", "/refresh_access_token", {"access_token": "ig-access-NEW", "token_type": "bearer", "expires_in": 5184000})
    platforms.reply("POST", "/oauth/v2/accessToken", {"access_token": "li-access-NEW", "expires_in": 5184000, "refresh_token": "li-refresh-NEW", "refresh_token_expires_in": 31536000})
    x_due = make_account(org, "twitter", expires_in=timedelta(minutes=20), age=timedelta(minutes=100), refresh_token="x-refresh-OLD")
    x_fresh = make_account(org, "twitter", expires_in=timedelta(minutes=90), age=timedelta(minutes=30), refresh_token="x-refresh-2")
    x_no_refresh = make_account(org, "twitter", expires_in=timedelta(minutes=5), age=timedelta(minutes=115))
    ig_due = make_account(org, "instagram", expires_in=timedelta(days=5), age=timedelta(days=55))
    ig_fresh = make_account(org, "instagram", expires_in=timedelta(days=30), age=timedelta(days=30))
    li_due = make_account(org, "linkedin", expires_in=timedelta(days=3), age=timedelta(days=57), refresh_token="li-refresh-OLD")
    fb = make_account(org, "facebook", expires_in=timedelta(days=1), age=timedelta(days=59))
    reconnect = make_account(org, "twitter", expires_in=timedelta(minutes=5), age=timedelta(minutes=115), refresh_token="r", status=SocialAccount.Status.NEEDS_RECONNECT)

    counts = refresh_expiring_tokens()

    assert counts["refreshed"] == 3 and counts["failed"] == 0
    # soonest expiry first
    assert [(r.method, r.path) for r in platforms.requests] == [
        ("POST", "/2/oauth2/token"), ("POST", "/oauth/v2/accessToken"), ("GET", "/refresh_access_token"),
    ]
    x_call = platforms.calls("POST", "/2/oauth2/token")[0]
    assert x_call.form() == {"grant_type": "refresh_token", "refresh_token": "x-refresh-OLD"}
    assert x_call.headers["authorization"] == "Basic " + base64.b64encode(f"app-client-id:{CLIENT_SECRET}".encode()).decode()
    assert platforms.calls("GET", "/refresh_access_token")[0].params() == {"grant_type": "ig_refresh_token", "access_token": "instagram-access-OLD"}

    x_due.refresh_from_db()
    assert (x_due.access_token, x_due.refresh_token, x_due.token_version) == ("x-access-NEW", "x-refresh-NEW", 1)  # rotated
    assert x_due.expires_at > timezone.now() + timedelta(minutes=119)
    assert x_due.refresh_claimed_until is None
    ig_due.refresh_from_db()
    assert ig_due.access_token == "ig-access-NEW" and ig_due.expires_at > timezone.now() + timedelta(days=59)
    li_due.refresh_from_db()
    assert (li_due.access_token, li_due.refresh_token) == ("li-access-NEW", "li-refresh-NEW")
    for untouched in (x_fresh, x_no_refresh, ig_fresh, fb, reconnect):
        before = untouched.access_token
        untouched.refresh_from_db()
        assert untouched.access_token == before and untouched.token_version == 0
    # refreshed accounts are not due again
    assert refresh_expiring_tokens()["refreshed"] == 0
    assert len(platforms.requests) == 3


def test_instagram_token_younger_than_a_day_is_not_refreshed(org):
    young = make_account(org, "instagram", expires_in=timedelta(hours=20), age=timedelta(hours=4))
    assert not needs_refresh(young)


def test_refused_refresh_marks_the_account_for_reconnection(org, platforms):
    platforms.reply("POST", "/2/oauth2/token", {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}, status=400)
    account = make_account(org, "twitter", expires_in=timedelta(minutes=10), age=timedelta(minutes=110), refresh_token="x-refresh-SPENT")

    assert refresh_expiring_tokens()["failed"] == 1

    account.refresh_from_db()
    assert account.status == SocialAccount.Status.NEEDS_RECONNECT
    assert "Value passed for the token was invalid" in account.status_reason
    assert "x-refresh-SPENT" not in account.status_reason
    assert account.refresh_token == "x-refresh-SPENT" and account.token_version == 0


def test_unreachable_token_endpoint_leaves_the_account_active_for_next_time(org, platforms):
    platforms.reply("POST", "/2/oauth2/token", {"title": "Service Unavailable"}, status=503)
    account = make_account(org, "twitter", expires_in=timedelta(minutes=10), age=timedelta(minutes=110), refresh_token="x-refresh-OLD")

    with pytest.raises(PublishError) as caught:
        account_refresh_token(account_id=account.pk)

    assert caught.value.kind == ErrorKind.TRANSIENT
    account.refresh_from_db()
    assert account.status == SocialAccount.Status.ACTIVE and account.refresh_claimed_until is None


def test_a_refresher_that_saw_an_old_version_uses_the_new_tokens(org, platforms):
    account = make_account(org, "twitter", expires_in=timedelta(minutes=10), age=timedelta(minutes=110), refresh_token="x-refresh-2", token_version=2)

    current = account_refresh_token(account_id=account.pk, seen_version=1)

    assert current.token_version == 2 and current.refresh_token == "x-refresh-2"
    assert platforms.requests == []


def test_a_second_refresher_does_not_spend_the_refresh_token_while_one_holds_the_claim(org, platforms):
    account = make_account(
        org, "twitter", expires_in=timedelta(minutes=10), age=timedelta(minutes=110), refresh_token="x-refresh-1",
        refresh_claimed_until=timezone.now() + timedelta(seconds=30),
    )

    with pytest.raises(PublishError) as caught:
        account_refresh_token(account_id=account.pk, seen_version=0)

    assert caught.value.kind == ErrorKind.TRANSIENT and caught.value.code == "refresh_in_progress"
    assert platforms.requests == []
    account.refresh_from_db()
    assert account.status == SocialAccount.Status.ACTIVE
