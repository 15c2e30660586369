"""Engagement metrics of published posts: readings on demand and at checkpoints after posting.

A reading calls the adapter's `fetch_metrics` with the account's credentials (an expired token is
refreshed first, an AUTH answer refreshes once, as for publishing) and stores a `PostMetrics` row.
Errors are stored on the row and logged; they never change the post. Beat runs
`social.fetch_due_metrics` (the task kept its name), which hands each post whose next checkpoint (METRICS_CHECKPOINT_HOURS
after `posted_at`: 1 h, 6 h, 24 h, 72 h, 7 days) has come to `social.fetch_post_metrics`. A
checkpoint missed (e.g. the worker was down) is folded into the next one: only the latest due
checkpoint is read.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import WRITER_ROLES, User
from backend.accounts.permissions import require_role
from backend.core import task_names
from backend.core.exceptions import Conflict
from backend.core.queue import task_enqueue
from backend.social.accounts import account_publish_guard
from backend.social.platforms.base import PublishError
from backend.social.platforms.registry import get_service
from backend.social.tokens import with_fresh_credentials

from .models import PostMetrics, ScheduledPost

logger = logging.getLogger(__name__)

FIELDS = ("likes", "comments", "shares", "views", "reach", "impressions")


def post_metrics_latest(*, post) -> dict:
    """The newest successful reading as `{likes, ..., impressions, unavailable, fetched_at}` (all None
    before the first); `unavailable` says why figures the platform would not give are empty."""
    reading = PostMetrics.objects.filter(post=post, error_code="").order_by("-fetched_at", "-id").first()
    if reading is None:
        return {**{name: None for name in FIELDS}, "unavailable": "", "fetched_at": None}
    return {**{name: getattr(reading, name) for name in FIELDS}, "unavailable": reading.unavailable, "fetched_at": reading.fetched_at}


def _is_published(post) -> bool:
    return post.status == post.Status.POSTED and bool(post.external_post_id)


def post_metrics_refresh(*, post: ScheduledPost, by: User):
    """Ask for a fresh reading of a published post (fetched by a worker after commit); 409 otherwise."""
    require_role(by, post.organization_id, WRITER_ROLES, action="refresh metrics")
    if not _is_published(post):
        raise Conflict(detail=f"Only posted posts have metrics; this one is {post.status}.", code="post_not_posted")
    task_enqueue(task_names.FETCH_POST_METRICS, post.pk)
    return post


def post_metrics_fetch(*, post_id: int, checkpoint: str = "") -> PostMetrics | None:
    """Read a published post's metrics from its platform and store the reading (or the error)."""
    post = ScheduledPost.objects.select_related("social_account").filter(pk=post_id).first()
    if post is None or not _is_published(post):
        return None
    account = post.social_account
    reading = PostMetrics(post=post, checkpoint=checkpoint[:16])
    try:
        account_publish_guard(account=account)
        service = get_service(post.platform)
        metrics = with_fresh_credentials(
            account=account, call=lambda credentials: service.fetch_metrics(credentials=credentials, external_id=post.external_post_id)
        )
    except PublishError as error:
        reading.error_code, reading.error_message = (error.code or error.kind.value)[:64], error.message
    except Exception as exc:  # an unreadable answer: keep it off the post
        logger.exception("Unexpected error fetching metrics of post %s", post_id)
        reading.error_code, reading.error_message = "internal_error", f"Unexpected error ({type(exc).__name__})."
    else:
        for name in FIELDS:
            value = getattr(metrics, name)
            setattr(reading, name, int(value) if value is not None else None)
        reading.unavailable = metrics.unavailable
    if reading.error_code:
        logger.warning("Metrics of post %s not read: %s", post_id, reading.error_code)
    reading.fetched_at = timezone.now()
    reading.save()
    return reading


def checkpoint_label(hours: int) -> str:
    return f"{hours}h"


def posts_metrics_due(*, now: datetime | None = None, limit: int | None = None) -> list[tuple[int, str]]:
    """(post id, checkpoint) for each published post whose latest due checkpoint has not been read."""
    now = now or timezone.now()
    limit = limit or settings.METRICS_BATCH_SIZE
    hours = sorted(settings.METRICS_CHECKPOINT_HOURS)
    if not hours:
        return []
    oldest = now - timedelta(hours=hours[-1]) - timedelta(days=1)  # a last chance for the final checkpoint
    posts = list(
        ScheduledPost.objects.filter(
            status=ScheduledPost.Status.POSTED, posted_at__gte=oldest, posted_at__lte=now - timedelta(hours=hours[0])
        )
        .exclude(external_post_id="")
        .order_by("posted_at", "id")
        .values_list("pk", "posted_at")
    )
    done = set(
        PostMetrics.objects.filter(post_id__in=[pk for pk, _ in posts]).exclude(checkpoint="").values_list("post_id", "checkpoint")
    )
    due: list[tuple[int, str]] = []
    for pk, posted_at in posts:
        reached = [h for h in hours if posted_at + timedelta(hours=h) <= now]
        label = checkpoint_label(reached[-1])
        if (pk, label) not in done:
            due.append((pk, label))
            if len(due) >= limit:
                break
    return due


def posts_metrics_dispatch_due(*, now: datetime | None = None) -> int:
    due = posts_metrics_due(now=now)
    for post_id, checkpoint in due:
        task_enqueue(task_names.FETCH_POST_METRICS, post_id, checkpoint)
    return len(due)
