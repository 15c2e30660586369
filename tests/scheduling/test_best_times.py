"""Best times: ranked weekday/hour slots from the account's own metrics, one reading per post,
normalised by the account's typical post, with sample sizes; the documented fallback."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest

from backend.scheduling.best_times import FALLBACK_SLOTS
from backend.scheduling.models import PostingSchedule, PostMetrics, ScheduledPost

UTC = dt_timezone.utc
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def posted(sandbox, owner):
    def make(local: datetime, *, likes: int, comments: int = 0, shares: int = 0, account=None) -> ScheduledPost:
        account = account or sandbox
        post = ScheduledPost.objects.create(
            organization_id=account.organization_id, social_account=account, platform=account.platform, caption="c",
            scheduled_time=local, status="posted", posted_at=local, created_by=owner,
        )
        # An early reading (superseded), a failed one (ignored), and the latest one (counted).
        PostMetrics.objects.create(post=post, checkpoint="1h", likes=1000, fetched_at=local + timedelta(hours=1))
        PostMetrics.objects.create(post=post, checkpoint="24h", error_code="rate_limited", fetched_at=local + timedelta(hours=25))
        PostMetrics.objects.create(post=post, checkpoint="6h", likes=likes, comments=comments, shares=shares, fetched_at=local + timedelta(hours=6))
        return post

    return make


def test_slots_are_ranked_by_normalised_engagement_with_sample_sizes(owner_client, sandbox, posted):
    for week in range(6):  # Fridays 18:00: 30 engagement each
        posted(datetime(2026, 9, 4, 18, tzinfo=KOLKATA) + timedelta(weeks=week), likes=20, comments=6, shares=4)
    for week in range(4):  # Mondays 09:00: 5 each
        posted(datetime(2026, 9, 7, 9, 15, tzinfo=KOLKATA) + timedelta(weeks=week), likes=5)
    for week in range(2):  # Wednesdays 12:00: 15 each
        posted(datetime(2026, 9, 9, 12, 40, tzinfo=KOLKATA) + timedelta(weeks=week), likes=10, comments=5)
    response = owner_client.get("/api/schedule/best_times/", {"social_account": sandbox.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["social_account"] == sandbox.pk and body["based_on_posts"] == 12 and body["fallback"] is False
    assert body["timezone"] == "Asia/Kolkata"
    # Computed by hand: mean engagement (6*30 + 4*5 + 2*15) / 12; a slot's mean ratio shrunk by 2 typical posts.
    mean = (6 * 30 + 4 * 5 + 2 * 15) / 12
    expected = [
        {"weekday": 4, "hour": 18, "score": round((6 * 30 / mean + 2) / 8, 3), "posts": 6},
        {"weekday": 2, "hour": 12, "score": round((2 * 15 / mean + 2) / 4, 3), "posts": 2},
        {"weekday": 0, "hour": 9, "score": round((4 * 5 / mean + 2) / 6, 3), "posts": 4},
    ]
    assert body["slots"] == expected
    assert owner_client.get("/api/schedule/best_times/", {"social_account": sandbox.pk, "limit": 1}).json()["slots"] == expected[:1]


def test_hours_are_local_across_dst(owner_client, sandbox, posted):
    PostingSchedule.objects.create(social_account=sandbox, timezone="America/New_York", slots=[])
    new_york = ZoneInfo("America/New_York")
    for n in range(10):  # 09:00 New York in summer (13:00 UTC) and in winter (14:00 UTC)
        month = 7 if n % 2 else 12
        posted(datetime(2025, month, 1 + n, 9, tzinfo=new_york), likes=10)
    body = owner_client.get("/api/schedule/best_times/", {"social_account": sandbox.pk, "limit": 50}).json()
    assert body["timezone"] == "America/New_York" and body["fallback"] is False
    assert {slot["hour"] for slot in body["slots"]} == {9}
    assert sum(slot["posts"] for slot in body["slots"]) == 10


def test_too_few_posts_fall_back_to_documented_defaults(owner_client, sandbox, posted):
    for n in range(3):
        posted(datetime(2026, 10, 1 + n, 10, tzinfo=KOLKATA), likes=50)
    body = owner_client.get("/api/schedule/best_times/", {"social_account": sandbox.pk}).json()
    assert body["fallback"] is True and body["based_on_posts"] == 3
    assert [(slot["weekday"], slot["hour"]) for slot in body["slots"]] == FALLBACK_SLOTS[:5]
    assert {slot["posts"] for slot in body["slots"]} == {0}
    scores = [slot["score"] for slot in body["slots"]]
    assert scores == sorted(scores, reverse=True)


def test_query_validation_and_scoping(owner_client, sandbox, other_sandbox):
    assert owner_client.get("/api/schedule/best_times/", {"social_account": other_sandbox.pk}).status_code == 400
    assert owner_client.get("/api/schedule/best_times/").status_code == 400
    assert owner_client.get("/api/schedule/best_times/", {"social_account": sandbox.pk, "limit": 0}).status_code == 400
    assert owner_client.get("/api/schedule/best_times/", {"social_account": "x"}).status_code == 400
