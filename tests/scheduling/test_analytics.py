from datetime import datetime, timezone as dt_timezone

import pytest

from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=dt_timezone.utc)


@pytest.fixture
def history(org, owner, sandbox, other_sandbox):
    second = SocialAccount.objects.create(organization=org, platform="sandbox", handle="@b")
    rows = [
        (sandbox, S.POSTED, at(1)), (sandbox, S.POSTED, at(1, 20)), (sandbox, S.FAILED, at(1)),
        (second, S.POSTED, at(2)), (second, S.CANCELLED, at(2)), (sandbox, S.SCHEDULED, at(3)),
        (sandbox, S.POSTED, at(20)),  # outside the range below
        (other_sandbox, S.POSTED, at(1)),  # another organization: never counted
    ]
    for account, status, when in rows:
        ScheduledPost.objects.create(
            organization_id=account.organization_id, social_account=account, platform="sandbox",
            caption="x", scheduled_time=when, next_attempt_at=when, status=status, created_by=owner,
        )


def test_figures_over_a_range(owner_client, history):
    response = owner_client.get("/api/schedule/analytics/", {"date_from": "2026-10-01", "date_to": "2026-10-03"})

    assert response.status_code == 200
    data = response.data
    assert data["total_posts"] == 6
    assert data["by_status"] == {"draft": 0, "pending": 0, "scheduled": 1, "publishing": 0, "posted": 3, "failed": 1, "cancelled": 1}
    assert data["by_platform"] == {"sandbox": {"total": 6, "posted": 3, "failed": 1}}
    assert data["success_rate"] == 0.75
    assert data["failure_rate"] == 0.25
    assert [dict(day) for day in data["daily"]] == [
        {"date": "2026-10-01", "posted": 2, "failed": 1},
        {"date": "2026-10-02", "posted": 1, "failed": 0},
        {"date": "2026-10-03", "posted": 0, "failed": 0},
    ]


def test_filters_and_validation(owner_client, history, other_org):
    empty = owner_client.get("/api/schedule/analytics/", {"date_from": "2026-10-01", "date_to": "2026-10-03", "platform": "instagram"})
    assert empty.data["total_posts"] == 0
    assert empty.data["success_rate"] == 0.0
    assert owner_client.get("/api/schedule/analytics/", {"date_from": "2026-10-05", "date_to": "2026-10-01"}).status_code == 400
    assert owner_client.get("/api/schedule/analytics/", {"date_from": "soon"}).status_code == 400
    assert owner_client.get("/api/schedule/analytics/", {"date_from": "2020-01-01", "date_to": "2026-01-01"}).status_code == 400
    assert owner_client.get("/api/schedule/analytics/", {"organization": other_org.id}).status_code == 400
    default = owner_client.get("/api/schedule/analytics/")
    assert default.status_code == 200 and len(default.data["daily"]) == 30


def test_every_figure_set_comes_from_one_grouped_query(owner, history):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backend.scheduling.selectors import post_analytics

    with CaptureQueriesContext(connection) as queries:
        figures = post_analytics(user=owner, date_from=date(2026, 10, 1), date_to=date(2026, 10, 3))

    on_posts = [q["sql"] for q in queries.captured_queries if "scheduling_scheduledpost" in q["sql"]]
    assert len(on_posts) == 1 and "GROUP BY" in on_posts[0]
    # the same figures as counting each set on its own
    mine = ScheduledPost.objects.filter(organization__memberships__user=owner, scheduled_time__gte=at(1, 0), scheduled_time__lt=at(4, 0))
    assert figures["total_posts"] == mine.count()
    assert figures["by_status"]["posted"] == mine.filter(status=S.POSTED).count()
    assert figures["by_platform"]["sandbox"]["failed"] == mine.filter(status=S.FAILED).count()
