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

from django.db.models import Min, Q
from django.utils import timezone

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


def window_posts(post: ScheduledPost, *, since: datetime):
    """The account's other posts published (or being published) since `since`."""
    return ScheduledPost.objects.filter(social_account_id=post.social_account_id).exclude(pk=post.pk).filter(
        Q(status=ScheduledPost.Status.POSTED, posted_at__gte=since)
        | Q(status=ScheduledPost.Status.PUBLISHING, claimed_at__gte=since)
    )


def _frees_at(post: ScheduledPost, *, since: datetime, seconds: int, now: datetime, fallback: float) -> float:
    """Seconds until the oldest publication in the window leaves it (`fallback` if none is known)."""
    oldest = window_posts(post, since=since).filter(posted_at__isnull=False).aggregate(first=Min("posted_at"))["first"]
    if oldest is None:
        return fallback
    return max((oldest + timedelta(seconds=seconds) - now).total_seconds(), 1.0)


def _check(*, post: ScheduledPost, allowance: PublishAllowance, now: datetime) -> None:
    window_start = now - timedelta(seconds=allowance.window_seconds)
    used = allowance.used + window_posts(post, since=allowance.read_at or window_start).count()
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
