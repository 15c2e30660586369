"""Monthly usage limits: reservation, release, the 429 and GET /api/usage/."""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.throttling import ScopedRateThrottle

from backend.accounts.models import Membership, Organization, Role
from backend.ai_services.models import UsageCounter, UsageEvent
from backend.ai_services.usage import (
    UsageLimitExceeded,
    period_end,
    period_start,
    usage_release,
    usage_reserve,
)

CAPTION = "/api/textile/caption/"
BODY = {"product_name": "Cotton Kurti", "language": "en", "variants": 1}


@pytest.fixture
def small_plans(settings):
    settings.AI_PLANS = {"free": {"caption": 2, "poster": 1}, "pro": {"caption": 5, "poster": None}}
    return settings.AI_PLANS


def test_periods_are_calendar_months_in_utc():
    assert period_start(datetime(2025, 1, 31, 23, 59, tzinfo=dt_timezone.utc)) == date(2025, 1, 1)
    assert period_end(date(2025, 1, 1)) == datetime(2025, 2, 1, tzinfo=dt_timezone.utc)
    assert period_end(date(2025, 12, 1)) == datetime(2026, 1, 1, tzinfo=dt_timezone.utc)


@pytest.mark.django_db
def test_reserve_until_the_limit_then_429(org, owner, small_plans):
    first = usage_reserve(organization=org, operation="caption", user=owner)
    usage_reserve(organization=org, operation="caption", user=owner)

    with pytest.raises(UsageLimitExceeded) as raised:
        usage_reserve(organization=org, operation="caption", user=owner)

    assert raised.value.quota.used == 2 and raised.value.quota.limit == 2
    assert first.outcome == UsageEvent.Outcome.RESERVED
    assert UsageCounter.objects.get(organization=org, operation="caption").used == 2
    assert UsageEvent.objects.filter(organization=org).count() == 2  # a refused reservation writes nothing


@pytest.mark.django_db
def test_release_gives_the_unit_back_once(org, owner, small_plans):
    event = usage_reserve(organization=org, operation="caption", user=owner)

    assert usage_release(event=event, error="boom") is True
    assert usage_release(event=event, error="again") is False

    assert UsageCounter.objects.get(organization=org, operation="caption").used == 0
    event.refresh_from_db()
    assert (event.outcome, event.error) == ("failed", "boom")


@pytest.mark.django_db
def test_last_months_usage_does_not_count(org, owner, small_plans):
    UsageCounter.objects.create(organization=org, operation="caption", period_start=date(2000, 1, 1), used=2)
    usage_reserve(organization=org, operation="caption", user=owner)
    assert UsageCounter.objects.get(organization=org, operation="caption", period_start=period_start()).used == 1


@pytest.mark.django_db
def test_plans_differ_and_null_is_unlimited(org, owner, small_plans):
    org.plan = "pro"
    org.save()
    for _ in range(20):
        usage_reserve(organization=org, operation="poster", user=owner)
    assert UsageCounter.objects.get(organization=org, operation="poster").used == 20


@pytest.mark.django_db
def test_limit_reached_is_a_429_with_the_exact_body_and_headers(owner_client, org, small_plans):
    for _ in range(2):
        assert owner_client.post(CAPTION, BODY, format="json").status_code == 200

    response = owner_client.post(CAPTION, BODY, format="json")

    assert response.status_code == 429
    assert set(response.data) == {"detail", "code", "operation", "limit", "used", "resets_at"}
    assert response.data["code"] == "usage_limit_exceeded"
    assert (response.data["operation"], response.data["limit"], response.data["used"]) == ("caption", 2, 2)
    resets_at = parse_datetime(response.data["resets_at"])
    assert resets_at == period_end(period_start())
    assert response.data["detail"]
    seconds = (resets_at - timezone.now()).total_seconds()
    assert abs(int(response["Retry-After"]) - seconds) <= 2
    assert response["RateLimit-Limit"] == "2"
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Reset"] == response["Retry-After"]
    assert UsageCounter.objects.get(organization=org, operation="caption").used == 2
    assert UsageEvent.objects.filter(organization=org, outcome="succeeded").count() == 2


@pytest.mark.django_db
def test_poster_limit_is_separate(owner_client, org, small_plans):
    from test_api import POSTER, poster_body

    assert owner_client.post(POSTER, poster_body(), format="multipart").status_code == 201
    refused = owner_client.post(POSTER, poster_body(), format="multipart")
    assert refused.status_code == 429 and refused.data["operation"] == "poster"
    assert owner_client.post(CAPTION, BODY, format="json").status_code == 200


@pytest.mark.django_db
def test_usage_endpoint(owner_client, org, small_plans):
    owner_client.post(CAPTION, BODY, format="json")

    response = owner_client.get("/api/usage/")

    assert response.status_code == 200
    assert response.data["organization"] == org.id and response.data["plan"] == "free"
    assert response.data["caption"]["limit"] == 2
    assert response.data["caption"]["used"] == 1
    assert response.data["caption"]["remaining"] == 1
    assert response.data["poster"] == {**response.data["poster"], "limit": 1, "used": 0, "remaining": 1}
    assert parse_datetime(response.data["caption"]["resets_at"]) == period_end(period_start())


@pytest.mark.django_db
def test_usage_endpoint_with_several_orgs(owner_client, owner, org, other_org, small_plans):
    Membership.objects.create(user=owner, organization=other_org, role=Role.VIEWER)
    assert owner_client.get("/api/usage/").status_code == 400
    response = owner_client.get("/api/usage/", {"organization": other_org.id})
    assert response.status_code == 200 and response.data["organization"] == other_org.id
    stranger = Organization.objects.create(name="Stranger")
    assert owner_client.get("/api/usage/", {"organization": stranger.id}).status_code == 400


@pytest.mark.django_db
def test_unknown_plan_is_a_503_not_a_500(owner_client, org, small_plans):
    org.plan = "enterprise"
    org.save()
    response = owner_client.post(CAPTION, BODY, format="json")
    assert response.status_code == 503 and response.data["code"] == "ai_plan_not_configured"


@pytest.mark.django_db
def test_burst_throttle(owner_client, org, monkeypatch):
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"ai_burst": "2/min"})
    try:
        statuses = [owner_client.post(CAPTION, BODY, format="json").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        throttled = owner_client.post(CAPTION, BODY, format="json")
        assert throttled.data["code"] == "throttled" and "Retry-After" in throttled
        assert UsageCounter.objects.get(organization=org, operation="caption").used == 2
    finally:
        cache.clear()


# --- concurrency on PostgreSQL --------------------------------------------------------------


@pytest.mark.realservices
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_exceed_the_limit(settings):
    if connection.vendor != "postgresql":
        reason = f"needs PostgreSQL (DATABASE_URL=postgres://...), the database is {connection.vendor}"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    settings.AI_PLANS = {"free": {"caption": 10, "poster": 10}}
    org = Organization.objects.create(name="Busy Shop")
    threads_count = 40
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            try:
                usage_reserve(organization=org, operation="caption", user=None)
                outcome = "ok"
            except UsageLimitExceeded:
                outcome = "limited"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome = f"error: {exc!r}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(set(outcomes)) == ["limited", "ok"], outcomes
    assert outcomes.count("ok") == 10 and outcomes.count("limited") == 30
    assert UsageCounter.objects.get(organization=org, operation="caption").used == 10
    assert UsageCounter.objects.filter(organization=org).count() == 1
    assert UsageEvent.objects.filter(organization=org, outcome="reserved").count() == 10
