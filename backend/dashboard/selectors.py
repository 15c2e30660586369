"""Reads for the dashboard pages. Scoping goes through the API's selectors (posts_visible_to,
organizations_of); nothing here decides a rule."""
from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from backend.accounts.models import Invite, Organization, User, invite_token_hash
from backend.accounts.selectors import member_scope
from backend.ai_services.usage import usage_summary
from backend.assets.models import MediaAsset
from backend.scheduling.models import ScheduledPost
from backend.scheduling.selectors import posts_visible_to
from backend.social.models import SocialAccount

Status = ScheduledPost.Status
SORTS = {
    "time": "scheduled_time", "-time": "-scheduled_time",
    "status": "status", "-status": "-status",
    "created": "created_at", "-created": "-created_at",
}
PAGE_SIZE = 10


def org_posts(*, user: User, organization: Organization) -> QuerySet[ScheduledPost]:
    return posts_visible_to(user).filter(organization=organization)


def week_bounds(*, organization: Organization, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the organization's timezone."""
    tz = zoneinfo.ZoneInfo(organization.timezone or "UTC")
    local = (now or timezone.now()).astimezone(tz)
    start = datetime.combine(local.date() - timedelta(days=local.weekday()), time.min, tzinfo=tz)
    return start, start + timedelta(days=7)


def dashboard_stats(*, user: User, organization: Organization) -> dict:
    posts = org_posts(user=user, organization=organization)
    counts = {row["status"]: row["n"] for row in posts.values("status").annotate(n=Count("id"))}
    start, end = week_bounds(organization=organization)
    usage = usage_summary(organization=organization)
    ai_left = [
        {"operation": op, "remaining": usage[op]["remaining"], "limit": usage[op]["limit"]}
        for op in ("poster", "caption") if isinstance(usage.get(op), dict)
    ]
    return {
        "scheduled": counts.get(Status.SCHEDULED, 0) + counts.get(Status.PENDING, 0),
        "posted": counts.get(Status.POSTED, 0),
        "failed": counts.get(Status.FAILED, 0),
        "this_week": posts.filter(scheduled_time__gte=start, scheduled_time__lt=end).count(),
        "ai_left": ai_left,
    }


def upcoming_posts(*, user: User, organization: Organization, limit: int = 5) -> QuerySet[ScheduledPost]:
    return (
        org_posts(user=user, organization=organization)
        .filter(status__in=(Status.SCHEDULED, Status.PENDING), scheduled_time__gte=timezone.now())
        .select_related("social_account").order_by("scheduled_time", "id")[:limit]
    )


def posts_table(
    *, user: User, organization: Organization, q: str = "", status: str = "", platform: str = "", account: str = "", sort: str = ""
) -> QuerySet[ScheduledPost]:
    posts = org_posts(user=user, organization=organization).select_related("social_account", "asset")
    if q:
        posts = posts.filter(caption__icontains=q)
    if status in Status.values:
        posts = posts.filter(status=status)
    if platform:
        posts = posts.filter(platform=platform)
    if account.isdigit():
        posts = posts.filter(social_account_id=int(account))
    order = SORTS.get(sort, "-scheduled_time")
    return posts.order_by(order, "-id" if order.startswith("-") else "id")


def org_accounts(*, user: User, organization: Organization) -> QuerySet[SocialAccount]:
    return member_scope(SocialAccount.objects.all(), user=user).filter(organization=organization).order_by("platform", "handle", "id")


def org_media(*, user: User, organization: Organization, limit: int = 24) -> QuerySet[MediaAsset]:
    return member_scope(MediaAsset.objects.all(), user=user).filter(organization=organization).order_by("-id")[:limit]


def org_asset(*, user: User, organization: Organization, pk: int) -> MediaAsset | None:
    return member_scope(MediaAsset.objects.all(), user=user).filter(organization=organization, pk=pk).first()


def week_calendar(*, user: User, organization: Organization) -> list[dict]:
    """This week's days (organization's timezone), each with its scheduled, pending and posted posts."""
    start, end = week_bounds(organization=organization)
    tz = start.tzinfo
    days = [{"date": (start + timedelta(days=i)).date(), "posts": []} for i in range(7)]
    posts = (
        org_posts(user=user, organization=organization)
        .filter(scheduled_time__gte=start, scheduled_time__lt=end, status__in=(Status.SCHEDULED, Status.PENDING, Status.POSTED, Status.PUBLISHING))
        .select_related("social_account").order_by("scheduled_time", "id")[:200]
    )
    for post in posts:
        days[(post.scheduled_time.astimezone(tz).date() - days[0]["date"]).days]["posts"].append(post)
    return days


def invite_for_token(*, token: str) -> Invite | None:
    """The invite a link names (for its page; accepting it is accounts.services.invite_accept)."""
    return Invite.objects.filter(token_hash=invite_token_hash(token)).select_related("organization").first()
