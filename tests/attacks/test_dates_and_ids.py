"""Dates at the ends of what a datetime can hold, and ids no integer column holds: 400/404, never 500."""
from __future__ import annotations

import pytest

from backend.accounts.models import Role
from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount

pytestmark = pytest.mark.django_db

OVERFLOWING = [
    "9999-12-31T23:59:59-14:00",  # UTC is in year 10000
    "0001-01-01T00:00:00+14:00",  # UTC is in year 0
    "9999-12-31T23:59:59+00:00",  # representable, but a backoff added to it is not
    "0001-01-01T00:00:00Z",
]


@pytest.mark.parametrize("when", OVERFLOWING)
def test_scheduled_time_at_the_ends_of_the_calendar_is_400(owner_client, sandbox, when):
    response = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "x", "scheduled_time": when}, format="json")
    assert response.status_code == 400, response.content
    assert "scheduled_time" in response.json()
    assert not ScheduledPost.objects.exists()


def test_naive_scheduled_time_in_year_9999_with_a_timezone_is_400(owner_client, sandbox):
    body = {"social_account": sandbox.pk, "caption": "x", "scheduled_time": "9999-12-31T23:59:59", "timezone": "Pacific/Kiritimati"}
    response = owner_client.post("/api/schedule/", body, format="json")
    assert response.status_code == 400
    assert not ScheduledPost.objects.exists()


@pytest.mark.parametrize("param", ["scheduled_after", "scheduled_before"])
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59"])
def test_schedule_filter_at_the_ends_of_the_calendar_is_400(owner_client, sandbox, param, when):
    response = owner_client.get("/api/schedule/", {param: when})
    assert response.status_code == 400, response.content
    assert param in response.json()


def test_account_token_expiry_in_year_10000_utc_is_400(owner_client, org):
    body = {"organization": org.pk, "platform": "sandbox", "handle": "h", "expires_at": "9999-12-31T23:59:59-14:00"}
    response = owner_client.post("/api/social/accounts/", body, format="json")
    assert response.status_code == 400
    assert not SocialAccount.objects.exists()


def test_23_digit_member_id_is_404(owner_client, org, member):
    member(org, Role.EDITOR)
    big = "9" * 23
    assert owner_client.patch(f"/api/organizations/{org.pk}/members/{big}/", {"role": "admin"}, format="json").status_code == 404
    assert owner_client.delete(f"/api/organizations/{org.pk}/members/{big}/").status_code == 404


@pytest.mark.parametrize("path", [
    "/api/schedule/{big}/", "/api/media/{big}/", "/api/social/accounts/{big}/", "/api/organizations/{big}/",
    "/api/schedule/?social_account={big}", "/api/schedule/?organization={big}", "/api/media/?organization={big}",
    "/api/social/accounts/?organization={big}", "/api/textile/jobs/{big}/", "/api/usage/?organization={big}",
])
def test_23_digit_ids_in_paths_and_filters_are_4xx(owner_client, sandbox, path):
    response = owner_client.get(path.format(big="9" * 23))
    assert 400 <= response.status_code < 500, (path, response.status_code)
