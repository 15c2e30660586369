"""Posting slots and the queue: slot arithmetic across DST, the API, and concurrent queueing on PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from backend.accounts.models import Role
from backend.scheduling.models import ScheduledPost
from backend.scheduling.slots import slot_times
from tests.conftest import Client

UTC = dt_timezone.utc
NEW_YORK = "America/New_York"


def take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_a_0900_slot_stays_0900_local_across_the_spring_change():
    # US clocks go forward on Sunday 2026-03-08: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
    after = datetime(2026, 3, 1, tzinfo=UTC)
    times = take(slot_times(timezone_name=NEW_YORK, slots=[{"weekday": 0, "time": "09:00"}], after=after), 3)
    assert times == [datetime(2026, 3, 2, 14, tzinfo=UTC), datetime(2026, 3, 9, 13, tzinfo=UTC), datetime(2026, 3, 16, 13, tzinfo=UTC)]
    assert {moment.astimezone(ZoneInfo(NEW_YORK)).strftime("%a %H:%M") for moment in times} == {"Mon 09:00"}


def test_a_0900_slot_stays_0900_local_across_the_autumn_change():
    # Clocks go back on Sunday 2026-11-01: 09:00 EDT is 13:00 UTC, 09:00 EST is 14:00 UTC.
    after = datetime(2026, 10, 30, tzinfo=UTC)
    times = take(slot_times(timezone_name=NEW_YORK, slots=[{"weekday": 5, "time": "09:00"}, {"weekday": 6, "time": "09:00"}], after=after), 3)
    assert times == [datetime(2026, 10, 31, 13, tzinfo=UTC), datetime(2026, 11, 1, 14, tzinfo=UTC), datetime(2026, 11, 7, 14, tzinfo=UTC)]


def test_a_slot_in_the_spring_forward_gap_is_skipped_that_day_only():
    after = datetime(2026, 3, 1, 12, tzinfo=UTC)
    times = take(slot_times(timezone_name=NEW_YORK, slots=[{"weekday": 6, "time": "02:30"}], after=after), 2)
    # Sunday 2026-03-08 02:30 never shows on a New York clock; the next Sunday it does (EDT).
    assert times == [datetime(2026, 3, 15, 6, 30, tzinfo=UTC), datetime(2026, 3, 22, 6, 30, tzinfo=UTC)]


def test_slots_are_in_order_and_strictly_after():
    after = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # Monday 09:00 in Kolkata
    slots = [{"weekday": 0, "time": "18:00"}, {"weekday": 0, "time": "09:00"}, {"weekday": 2, "time": "07:15"}]
    times = take(slot_times(timezone_name="Asia/Kolkata", slots=slots, after=after), 3)
    assert times == [datetime(2026, 11, 23, 12, 30, tzinfo=UTC), datetime(2026, 11, 25, 1, 45, tzinfo=UTC), datetime(2026, 11, 30, 3, 30, tzinfo=UTC)]


# --- API ------------------------------------------------------------------------------------

SLOTS_URL = "/api/social/accounts/{}/slots/"


def put_slots(client, account, slots, tz="Asia/Kolkata"):
    return client.put(SLOTS_URL.format(account.pk), {"timezone": tz, "slots": slots}, format="json")


def test_slots_round_trip_and_validation(owner_client, sandbox):
    assert owner_client.get(SLOTS_URL.format(sandbox.pk)).json() == {"timezone": "Asia/Kolkata", "slots": []}
    response = put_slots(owner_client, sandbox, [{"weekday": 4, "time": "18:30"}, {"weekday": 0, "time": "09:00"}, {"weekday": 0, "time": "09:00"}])
    assert response.status_code == 200
    assert response.json() == {"timezone": "Asia/Kolkata", "slots": [{"weekday": 0, "time": "09:00"}, {"weekday": 4, "time": "18:30"}]}
    assert owner_client.get(SLOTS_URL.format(sandbox.pk)).json()["slots"][1] == {"weekday": 4, "time": "18:30"}
    bad = put_slots(owner_client, sandbox, [{"weekday": 7, "time": "25:00"}], tz="Mars/Olympus")
    assert bad.status_code == 400
    assert set(bad.json()) == {"timezone", "slots"}


def test_slots_are_managed_by_owners_and_admins_and_hidden_from_others(org, member, client_for, sandbox, other_sandbox, owner_client):
    editor = client_for(member(org, Role.EDITOR))
    assert editor.get(SLOTS_URL.format(sandbox.pk)).status_code == 200
    assert put_slots(editor, sandbox, [{"weekday": 0, "time": "09:00"}]).status_code == 403
    assert owner_client.get(SLOTS_URL.format(other_sandbox.pk)).status_code == 404
    assert put_slots(owner_client, other_sandbox, []).status_code == 404


def test_next_slot_and_queued_posts_take_free_slots_in_turn(owner_client, sandbox):
    put_slots(owner_client, sandbox, [{"weekday": day, "time": "09:00"} for day in range(7)])
    first = owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk}).json()["scheduled_time"]
    created = []
    for n in range(3):
        response = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": f"New silk {n}", "queue": True}, format="json")
        assert response.status_code == 201, response.json()
        created.append(response.json())
    times = [datetime.fromisoformat(post["scheduled_time"]) for post in created]
    assert times[0] == datetime.fromisoformat(first)
    assert [(b - a).days for a, b in zip(times, times[1:])] == [1, 1]
    assert {t.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") for t in times} == {"09:00"}
    assert created[0]["timezone"] == "Asia/Kolkata" and created[0]["status"] == "scheduled"
    # The next free slot skips the taken ones; a cancelled post frees its slot again.
    after_three = owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk}).json()["scheduled_time"]
    assert datetime.fromisoformat(after_three) > times[-1]
    owner_client.delete(f"/api/schedule/{created[1]['id']}/")
    assert datetime.fromisoformat(owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk}).json()["scheduled_time"]) == times[1]
    # `after` moves the search.
    later = owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk, "after": "2027-01-01T00:00:00+00:00"}).json()
    assert datetime.fromisoformat(later["scheduled_time"]) == datetime(2027, 1, 1, 3, 30, tzinfo=UTC)


def test_queue_errors(owner_client, sandbox, other_sandbox):
    no_slots = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "x", "queue": True}, format="json")
    assert no_slots.status_code == 409 and no_slots.json()["code"] == "no_slots"
    assert owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk}).json()["code"] == "no_slots"
    both = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "x", "queue": True, "scheduled_time": "2030-01-01T00:00:00Z"}, format="json")
    assert both.status_code == 400 and "queue" in both.json()
    neither = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "x"}, format="json")
    assert neither.status_code == 400 and "scheduled_time" in neither.json()
    assert owner_client.get("/api/schedule/next_slot/", {"social_account": other_sandbox.pk}).status_code == 400
    assert owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk, "after": "2027-01-01T00:00:00"}).status_code == 400
    assert owner_client.get("/api/schedule/next_slot/", {"social_account": sandbox.pk, "after": "garbage"}).status_code == 400
    assert ScheduledPost.objects.count() == 0


def test_an_editor_may_queue_a_post_which_waits_for_approval(org, member, client_for, owner_client, sandbox):
    put_slots(owner_client, sandbox, [{"weekday": 2, "time": "10:00"}])
    editor = client_for(member(org, Role.EDITOR))
    response = editor.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "Queued", "queue": True}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"


@pytest.mark.realservices
@pytest.mark.django_db(transaction=True)
def test_concurrent_queued_posts_never_share_a_slot(org, owner, sandbox):
    if connection.vendor != "postgresql":
        reason = f"needs PostgreSQL (DATABASE_URL=postgres://...), the database is {connection.vendor}"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    put_slots(Client().as_user(owner), sandbox, [{"weekday": day, "time": at} for day in range(7) for at in ("09:00", "13:00", "18:00")])
    count = 16
    barrier = threading.Barrier(count)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            client = Client().as_user(owner)
            barrier.wait(timeout=30)
            response = client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": f"Race {n}", "queue": True}, format="json")
            with lock:
                results.append((response.status_code, response.json().get("scheduled_time", response.content.decode())))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [code for code, _ in results] == [201] * count, results
    times = sorted(datetime.fromisoformat(when) for _, when in results)
    assert len(set(times)) == count
    stored = list(ScheduledPost.objects.filter(social_account=sandbox).values_list("scheduled_time", flat=True))
    assert len(stored) == count and len(set(stored)) == count
