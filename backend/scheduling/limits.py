"""Publishing limits per account, checked before a platform is called.

A post that would exceed a limit is not failed: `publish_limit_check` raises a RATE_LIMITED
PublishError whose `retry_after` is when the window frees, so the publisher puts the post back to
`scheduled` for then, records the attempt as rate_limited, and uses up none of its retries.

The limits are the adapter's (`SocialMediaService.publish_allowances`): a rolling window per
account from SOCIAL_PUBLISH_WINDOWS (X: 100 posts per 15 minutes per user), Instagram's own 24 h
quota read from the platform. The ledger is the ScheduledPost table itself: posts of the account
with `posted_at` inside the window, plus posts being published right now (claimed in the window).

WhatsApp throughput (80 messages per second per number; a broadcast of N recipients is N
messages) is not pre-checked: the adapter sends recipient by recipient and a throughput or
pair-rate refusal makes only the remaining recipients wait (RATE_LIMITED, 1 s / 6 s).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from backend.core.statements import db_values, names, value_from_db
from backend.social.platforms.base import ErrorKind, PublishAllowance, PublishError
from backend.social.platforms.registry import get_service
from backend.social.tokens import credentials_for

from .models import ScheduledPost


def publish_limit_check(*, post: ScheduledPost) -> None:
    """Raise a RATE_LIMITED PublishError if publishing `post` now would exceed a limit of its account."""
    now = timezone.now()
    allowances = get_service(post.platform).publish_allowances(credentials=credentials_for(post.social_account))
    for allowance in allowances:
        _check(post=post, allowance=allowance, now=now)


def window_posts_sql(post: ScheduledPost, *, since: datetime, select: str = "COUNT(*)") -> tuple[str, tuple]:
    """The ledger, as SQL selecting `select` over them: the account's other posts published (or
    being published) since `since`. Written by hand: it runs before every publish on a platform
    with a window (X), and compiling a queryset would cost more than the count (the partial
    indexes of scheduling/0009 serve each branch)."""
    table, account, pk, status, posted_at, claimed_at = names(ScheduledPost, "social_account", "id", "status", "posted_at", "claimed_at")
    sql = (
        f"SELECT {select} FROM {table} WHERE {account} = %s AND {pk} <> %s "
        f"AND (({status} = %s AND {posted_at} >= %s) OR ({status} = %s AND {claimed_at} >= %s))"
    )
    S = ScheduledPost.Status
    (since,) = db_values(ScheduledPost, posted_at=since)
    return sql, (post.social_account_id, post.pk, S.POSTED, since, S.PUBLISHING, since)


def _window_read(post: ScheduledPost, *, since: datetime, select: str):
    sql, params = window_posts_sql(post, since=since, select=select)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _frees_at(post: ScheduledPost, *, since: datetime, seconds: int, now: datetime, fallback: float) -> float:
    """Seconds until the oldest publication in the window leaves it (`fallback` if none is known)."""
    _, posted_at = names(ScheduledPost, "posted_at")
    oldest = value_from_db(ScheduledPost, "posted_at", _window_read(post, since=since, select=f"MIN({posted_at})"))
    if oldest is None:
        return fallback
    return max((oldest + timedelta(seconds=seconds) - now).total_seconds(), 1.0)


def _check(*, post: ScheduledPost, allowance: PublishAllowance, now: datetime) -> None:
    window_start = now - timedelta(seconds=allowance.window_seconds)
    used = allowance.used + _window_read(post, since=allowance.read_at or window_start, select="COUNT(*)")
    if used < allowance.limit:
        return
    retry_after = _frees_at(
        post, since=window_start, seconds=allowance.window_seconds, now=now, fallback=allowance.retry_seconds
    )
    when = timezone.now() + timedelta(seconds=retry_after)
    raise PublishError(
        ErrorKind.RATE_LIMITED,
        f"{allowance.message.format(used=used)} The post waits until the window frees ({when:%Y-%m-%d %H:%M} UTC).",
        code="publish_limit",
        retry_after=retry_after,
    )
