"""Publishing limits per account, checked before a platform is called.

A post that would exceed a limit is not failed: `publish_limit_check` raises a RATE_LIMITED
PublishError whose `retry_after` is when the window frees, so the publisher puts the post back to
`scheduled` for then, records the attempt as rate_limited, and uses up none of its retries.

- Rolling windows per account from SOCIAL_PUBLISH_WINDOWS (X: 100 posts per 15 minutes per user).
  The ledger is the ScheduledPost table itself: posts of the account with `posted_at` inside the
  window, plus posts being published right now (claimed in the window).
- Instagram: the account's own rolling 24 h quota, read from `content_publishing_limit` and kept
  for INSTAGRAM_QUOTA_CACHE_SECONDS per account; posts Postloom published since the reading are
  added to its `quota_usage`. A reading that fails is skipped (the platform's own daily-cap error
  still makes the post wait).
- WhatsApp throughput (80 messages per second per number; a broadcast of N recipients is N
  messages) is not pre-checked: the adapter sends recipient by recipient and a throughput or
  pair-rate refusal makes only the remaining recipients wait (RATE_LIMITED, 1 s / 6 s).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min, Q
from django.utils import timezone

from .platforms.base import ErrorKind, PublishError
from .platforms.instagram import DAILY_CAP_RETRY_SECONDS, PublishingQuota
from .platforms.registry import get_service
from .tokens import credentials_for

logger = logging.getLogger(__name__)


def publish_limit_check(*, post) -> None:
    """Raise a RATE_LIMITED PublishError if publishing `post` now would exceed a limit of its account."""
    now = timezone.now()
    window = settings.SOCIAL_PUBLISH_WINDOWS.get(post.platform)
    if window:
        _check_window(post=post, limit=int(window[0]), seconds=int(window[1]), now=now)
    if post.platform == "instagram":
        _check_instagram_quota(post=post, now=now)


def _recent(post, *, since: datetime):
    """The account's other posts published (or being published) since `since`."""
    from backend.scheduling.models import ScheduledPost

    return ScheduledPost.objects.filter(social_account_id=post.social_account_id).exclude(pk=post.pk).filter(
        Q(status=ScheduledPost.Status.POSTED, posted_at__gte=since)
        | Q(status=ScheduledPost.Status.PUBLISHING, claimed_at__gte=since)
    )


def _frees_at(post, *, since: datetime, seconds: int, now: datetime, fallback: float) -> float:
    """Seconds until the oldest publication in the window leaves it (`fallback` if none is known)."""
    oldest = _recent(post, since=since).filter(posted_at__isnull=False).aggregate(first=Min("posted_at"))["first"]
    if oldest is None:
        return fallback
    return max((oldest + timedelta(seconds=seconds) - now).total_seconds(), 1.0)


def _wait(post, *, message: str, retry_after: float) -> PublishError:
    when = timezone.now() + timedelta(seconds=retry_after)
    return PublishError(
        ErrorKind.RATE_LIMITED,
        f"{message} The post waits until the window frees ({when:%Y-%m-%d %H:%M} UTC).",
        code="publish_limit",
        retry_after=retry_after,
    )


def _check_window(*, post, limit: int, seconds: int, now: datetime) -> None:
    since = now - timedelta(seconds=seconds)
    used = _recent(post, since=since).count()
    if used < limit:
        return
    name = get_service(post.platform).name
    retry_after = _frees_at(post, since=since, seconds=seconds, now=now, fallback=60.0)
    raise _wait(
        post,
        message=f"{name} allows {limit} posts per {seconds // 60} minutes per account; this account has used them.",
        retry_after=retry_after,
    )


def _quota_key(account_id: int) -> str:
    return f"social:instagram-quota:{account_id}"


def instagram_quota(*, account) -> tuple[PublishingQuota, datetime] | None:
    """The account's publishing quota and when it was read (cached briefly); None if it cannot be read."""
    cached = cache.get(_quota_key(account.pk))
    if cached is not None:
        return PublishingQuota(**cached["quota"]), datetime.fromisoformat(cached["read_at"])
    read_at = timezone.now()
    try:
        quota = get_service("instagram").publishing_quota(credentials=credentials_for(account))
    except PublishError as error:
        logger.info("Instagram quota of account %s not read: %s", account.pk, error.code)
        return None
    except Exception:  # an unreadable answer: do not let it stop publishing
        logger.exception("Instagram quota of account %s not read", account.pk)
        return None
    cache.set(
        _quota_key(account.pk),
        {"quota": {"used": quota.used, "limit": quota.limit, "window_seconds": quota.window_seconds}, "read_at": read_at.isoformat()},
        settings.INSTAGRAM_QUOTA_CACHE_SECONDS,
    )
    return quota, read_at


def _check_instagram_quota(*, post, now: datetime) -> None:
    reading = instagram_quota(account=post.social_account)
    if reading is None:
        return
    quota, read_at = reading
    if quota.limit <= 0:
        return
    used = quota.used + _recent(post, since=read_at).count()
    if used < quota.limit:
        return
    since = now - timedelta(seconds=quota.window_seconds)
    retry_after = _frees_at(post, since=since, seconds=quota.window_seconds, now=now, fallback=DAILY_CAP_RETRY_SECONDS)
    raise _wait(
        post,
        message=f"Instagram allows {quota.limit} posts per {quota.window_seconds // 3600} hours for this account; {used} are used.",
        retry_after=retry_after,
    )
