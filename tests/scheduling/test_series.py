"""Recurring series: RRULE occurrences in local time (DST), a rolling horizon materialised by beat
(never twice per occurrence, even with two beats), edits and cancellation of future occurrences."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.scheduling.models import PostSeries, ScheduledPost
from backend.scheduling.series import occurrences, series_materialise, series_materialise_due

UTC = dt_timezone.utc
KOLKATA = ZoneInfo("Asia/Kolkata")


def next_weekday_local(weekday: int, hour: int = 9, zone=KOLKATA) -> datetime:
    today = timezone.now().astimezone(zone).date() + timedelta(days=1)
    while today.weekday() != weekday:
        today += timedelta(days=1)
    return datetime(today.year, today.month, today.day, hour, tzinfo=zone)


def create(client, account, **fields):
    body = {"social_account": account.pk, "caption": "New arrivals every Friday", "timezone": "Asia/Kolkata", **fields}
    return client.post("/api/series/", body, format="json")


def posts_of(series_id):
    return list(ScheduledPost.objects.filter(series_id=series_id).order_by("scheduled_time"))


def test_weekly_series_materialises_within_the_horizon_and_never_twice(owner_client, sandbox):
    friday = next_weekday_local(4)
    response = create(owner_client, sandbox, rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=6", dtstart=friday.replace(tzinfo=None).isoformat())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and len(body["next_occurrences"]) == 5
    posts = posts_of(body["id"])
    assert len(posts) == 2  # 14-day horizon
    assert [p.scheduled_time.astimezone(KOLKATA) for p in posts] == [friday, friday + timedelta(days=7)]
    assert all(p.status == "scheduled" and p.caption == "New arrivals every Friday" and p.timezone == "Asia/Kolkata" for p in posts)
    assert all(p.occurrence_time == p.scheduled_time for p in posts)

    # Beat runs again and again (two beats, the same minute): nothing new within the same horizon.
    assert series_materialise_due() == 0 and series_materialise_due() == 0
    # As time passes the horizon rolls forward; COUNT bounds the series.
    for days in range(0, 60, 3):
        series_materialise_due(now=timezone.now() + timedelta(days=days))
    posts = posts_of(body["id"])
    assert len(posts) == 6
    assert [p.scheduled_time.astimezone(KOLKATA) for p in posts] == [friday + timedelta(weeks=n) for n in range(6)]
    listed = owner_client.get("/api/schedule/", {"series": body["id"]}).json()
    assert listed["count"] == 6 and {p["series"] for p in listed["results"]} == {body["id"]}


def test_a_daily_0900_series_stays_0900_local_across_dst(settings, owner_client, sandbox):
    settings.SERIES_HORIZON_DAYS = 400
    response = create(owner_client, sandbox, rrule="FREQ=DAILY;INTERVAL=2;COUNT=6", dtstart="2027-03-08T09:00:00", timezone="America/New_York")
    assert response.status_code == 201, response.json()
    posts = posts_of(response.json()["id"])
    new_york = ZoneInfo("America/New_York")
    assert {p.scheduled_time.astimezone(new_york).strftime("%H:%M") for p in posts} == {"09:00"}
    # 2027-03-14 is the spring change: 14:00 UTC before it, 13:00 UTC from it on.
    assert [p.scheduled_time.astimezone(UTC).hour for p in posts] == [14, 14, 14, 13, 13, 13]


def test_rule_features_until_byday_interval_monthly():
    def series(rule, start, tz="Asia/Kolkata"):
        return PostSeries(rrule=rule, dtstart=start, timezone=tz)

    start = datetime(2027, 1, 4, 9, tzinfo=KOLKATA)  # a Monday
    window = dict(after=datetime(2027, 1, 1, tzinfo=UTC), until=datetime(2028, 1, 1, tzinfo=UTC))
    weekly = occurrences(series=series("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270131", start), **window)
    assert [m.astimezone(KOLKATA).strftime("%a %d %H:%M") for m in weekly] == ["Mon 04 09:00", "Thu 07 09:00", "Mon 18 09:00", "Thu 21 09:00"]
    monthly = occurrences(series=series("RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", start), **window)
    assert [m.astimezone(KOLKATA).date().isoformat() for m in monthly] == ["2027-01-29", "2027-02-26", "2027-03-26"]
    until_utc = occurrences(series=series("FREQ=DAILY;UNTIL=20270106T033000Z", start), **window)
    assert len(until_utc) == 3  # 09:00 IST on the 6th is 03:30 UTC: included


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=MINUTELY;COUNT=5", "FREQ=WEEKLY;COUNT=2;UNTIL=20270101T000000Z", "BYDAY=MO",
                                  "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;COUNT=abc", "FREQ=DAILY;COUNT=100000", "DTSTART:20270101T000000\nRRULE:FREQ=DAILY",
                                  "FREQ=DAILY;FOO=1", ""])
def test_bad_rules_are_400(owner_client, sandbox, rule):
    response = create(owner_client, sandbox, rrule=rule, dtstart=next_weekday_local(4).isoformat())
    assert response.status_code == 400 and "rrule" in response.json(), response.json()
    assert PostSeries.objects.count() == 0


def test_series_validation_roles_and_scoping(org, member, client_for, owner_client, sandbox, other_sandbox):
    start = next_weekday_local(4).isoformat()
    assert create(owner_client, sandbox, rrule="FREQ=DAILY", dtstart=start, timezone="Mars/Base").status_code == 400
    assert create(owner_client, other_sandbox, rrule="FREQ=DAILY", dtstart=start).status_code == 400
    assert create(owner_client, sandbox, rrule="FREQ=DAILY", dtstart="3500-01-01T09:00:00").status_code == 400
    assert create(owner_client, sandbox, rrule="FREQ=DAILY", dtstart=start, caption="", hashtags=[]).status_code == 400
    viewer = client_for(member(org, Role.VIEWER))
    assert create(viewer, sandbox, rrule="FREQ=DAILY", dtstart=start).status_code == 403
    editor = client_for(member(org, Role.EDITOR))
    response = create(editor, sandbox, rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=2", dtstart=start)
    assert response.status_code == 201
    assert {p.status for p in posts_of(response.json()["id"])} == {"pending"}  # waits for approval like other posts
    stranger = client_for(member(org.__class__.objects.create(name="Elsewhere"), Role.OWNER))
    assert stranger.get(f"/api/series/{response.json()['id']}/").status_code == 404
    assert stranger.delete(f"/api/series/{response.json()['id']}/").status_code == 404


def test_create_is_idempotent(owner_client, sandbox):
    body = {"social_account": sandbox.pk, "caption": "x", "rrule": "FREQ=DAILY;COUNT=3", "dtstart": next_weekday_local(4).isoformat(), "timezone": "Asia/Kolkata"}
    first = owner_client.post("/api/series/", body, format="json", HTTP_IDEMPOTENCY_KEY="series-1")
    again = owner_client.post("/api/series/", body, format="json", HTTP_IDEMPOTENCY_KEY="series-1")
    assert first.json() == again.json() and PostSeries.objects.count() == 1 and ScheduledPost.objects.count() == 3


def test_patch_changes_future_occurrences_only(owner_client, sandbox):
    start = next_weekday_local(0)
    series_id = create(owner_client, sandbox, rrule="FREQ=DAILY;COUNT=10", dtstart=start.isoformat()).json()["id"]
    first, second, *rest = posts_of(series_id)
    # The first occurrence was published already (as if time had passed).
    ScheduledPost.objects.filter(pk=first.pk).update(status="posted", posted_at=timezone.now())
    response = owner_client.patch(f"/api/series/{series_id}/", {"caption": "Updated offer", "first_comment": "Shop at example.com"}, format="json")
    assert response.status_code == 200, response.json()
    first.refresh_from_db(), second.refresh_from_db()
    assert first.caption == "New arrivals every Friday" and first.status == "posted"
    assert second.caption == "Updated offer" and second.first_comment == "Shop at example.com"
    assert {p.caption for p in posts_of(series_id)[1:]} == {"Updated offer"}

    # A new rule: every other day. Occurrences not in it are cancelled, new ones created.
    response = owner_client.patch(f"/api/series/{series_id}/", {"rrule": "FREQ=DAILY;INTERVAL=2;COUNT=5"}, format="json")
    assert response.status_code == 200, response.json()
    live = [p for p in posts_of(series_id) if p.status != "cancelled"]
    assert [p.scheduled_time.astimezone(KOLKATA).date() for p in live] == [(start + timedelta(days=2 * n)).date() for n in range(5)]
    cancelled = [p for p in posts_of(series_id) if p.status == "cancelled"]
    assert cancelled and {p.error_code for p in cancelled} == {"series_changed"}
    assert owner_client.patch(f"/api/series/{series_id}/", {"rrule": "FREQ=SECONDLY"}, format="json").status_code == 400


def test_delete_cancels_future_occurrences_and_keeps_the_past(owner_client, sandbox):
    series_id = create(owner_client, sandbox, rrule="FREQ=DAILY;COUNT=5", dtstart=next_weekday_local(2).isoformat()).json()["id"]
    first = posts_of(series_id)[0]
    ScheduledPost.objects.filter(pk=first.pk).update(status="posted")
    assert owner_client.delete(f"/api/series/{series_id}/").status_code == 204
    statuses = [p.status for p in posts_of(series_id)]
    assert statuses == ["posted"] + ["cancelled"] * 4
    assert owner_client.get(f"/api/series/{series_id}/").json()["status"] == "cancelled"
    assert series_materialise_due(now=timezone.now() + timedelta(days=3)) == 0
    conflict = owner_client.patch(f"/api/series/{series_id}/", {"caption": "again"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "invalid_transition"


def test_the_database_refuses_a_second_post_for_one_occurrence(owner_client, sandbox):
    series_id = create(owner_client, sandbox, rrule="FREQ=DAILY;COUNT=2", dtstart=next_weekday_local(3).isoformat()).json()["id"]
    post = posts_of(series_id)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledPost.objects.create(
            organization=post.organization, social_account=post.social_account, platform="sandbox", caption="dup",
            scheduled_time=post.scheduled_time, series_id=series_id, occurrence_time=post.occurrence_time,
        )


def test_occurrences_publish_through_the_ordinary_path(owner_client, sandbox):
    series_id = create(owner_client, sandbox, rrule="FREQ=DAILY;COUNT=2", dtstart=next_weekday_local(1).isoformat()).json()["id"]
    post = posts_of(series_id)[0]
    ScheduledPost.objects.filter(pk=post.pk).update(scheduled_time=timezone.now() - timedelta(seconds=5), next_attempt_at=timezone.now() - timedelta(seconds=5))
    result = owner_client.post("/api/schedule/process_ready_posts/").json()
    assert result["posted"] == 1
    post.refresh_from_db()
    assert post.status == "posted" and post.external_post_id.startswith("sbx_")


@pytest.mark.realservices
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_create_each_occurrence_once(org, owner, sandbox, settings):
    if connection.vendor != "postgresql":
        reason = f"needs PostgreSQL (DATABASE_URL=postgres://...), the database is {connection.vendor}"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    settings.SERIES_HORIZON_DAYS = 60
    series = PostSeries.objects.create(
        organization=org, social_account=sandbox, caption="Daily", rrule="FREQ=DAILY;COUNT=40",
        dtstart=next_weekday_local(0), timezone="Asia/Kolkata", created_by=owner,
    )
    beats = 4
    barrier = threading.Barrier(beats)
    errors: list[str] = []

    def beat() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                series_materialise(series=PostSeries.objects.get(pk=series.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(beats)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    times = list(ScheduledPost.objects.filter(series=series).values_list("occurrence_time", flat=True))
    assert len(times) == 40 and len(set(times)) == 40
