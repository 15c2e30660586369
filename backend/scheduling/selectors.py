from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from backend.accounts.models import Organization, User
from backend.accounts.selectors import member_scope

from .models import ScheduledPost

Status = ScheduledPost.Status


def posts_visible_to(user: User) -> QuerySet[ScheduledPost]:
    return member_scope(ScheduledPost.objects.all(), user=user)


def post_analytics(
    *, user: User, date_from: date, date_to: date, platform: str | None = None, organization: Organization | None = None
) -> dict:
    """Figures for the posts scheduled between two dates (UTC, both inclusive).

    Rates are over finished posts: success = posted / (posted + failed).
    """
    start = datetime.combine(date_from, time.min, tzinfo=dt_timezone.utc)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=dt_timezone.utc)
    posts = posts_visible_to(user).filter(scheduled_time__gte=start, scheduled_time__lt=end)
    if platform:
        posts = posts.filter(platform=platform)
    if organization is not None:
        posts = posts.filter(organization=organization)

    # One grouped query gives every figure set: a row per (day, platform, status) with its count
    # (at most days x platforms x statuses rows); the sets are folded from it here.
    rows = (
        posts.annotate(day=TruncDate("scheduled_time", tzinfo=dt_timezone.utc))
        .values_list("day", "platform", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    by_status = {status: 0 for status in Status.values}
    by_platform: dict[str, dict[str, int]] = {}
    per_day: dict[date, dict[str, int]] = {}
    for day, platform_name, status, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        figures = by_platform.setdefault(platform_name, {"total": 0, "posted": 0, "failed": 0})
        figures["total"] += n
        if status in (Status.POSTED, Status.FAILED):
            figures[status] += n
            per_day.setdefault(day, {"posted": 0, "failed": 0})[status] += n
    by_platform = dict(sorted(by_platform.items()))
    daily = []
    day = date_from
    while day <= date_to:
        row = per_day.get(day, {})
        daily.append({"date": day, "posted": row.get("posted", 0), "failed": row.get("failed", 0)})
        day += timedelta(days=1)

    posted, failed = by_status[Status.POSTED], by_status[Status.FAILED]
    finished = posted + failed
    return {
        "date_from": date_from,
        "date_to": date_to,
        "total_posts": sum(by_status.values()),
        "by_status": by_status,
        "by_platform": by_platform,
        "success_rate": round(posted / finished, 4) if finished else 0.0,
        "failure_rate": round(failed / finished, 4) if finished else 0.0,
        "daily": daily,
    }
