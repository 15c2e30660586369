"""First comments: published after their post, with their own outcome, retries and error.

When a post with a `first_comment` is recorded as posted, its comment becomes `pending`, due now
(`first_comment_queue`, called by the one function that records publish outcomes). Beat's
`scheduling.publish_first_comments` publishes due comments through the platform adapter's
`publish_comment` hook (Facebook, Instagram, LinkedIn: a comment; X: a reply; the sandbox records
it). Only the `first_comment_*` fields are ever written here: the post itself is never published
again, whatever happens to its comment.

- success → `posted` with the platform's comment id;
- TRANSIENT / RATE_LIMITED → retried with backoff (FIRST_COMMENT_RETRY_SECONDS doubling), at most
  FIRST_COMMENT_MAX_RETRIES times, then `failed`;
- UNCONFIRMED (no answer after sending) → `failed`, asking a person to check (the comment may
  exist: never repeated blindly); PERMANENT / AUTH / a platform without comments → `failed`.

A comment is claimed with a compare-and-swap on its due time (a lease), so two beats or a
redelivered task never send it twice at once.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from backend.social.platforms.base import CommentRequest, ErrorKind, PublishError
from backend.social.platforms.registry import get_service
from backend.social.tokens import credentials_for, with_fresh_credentials

from .events import post_event_emit
from .models import FirstCommentStatus, ScheduledPost

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
BATCH_SIZE = 100
Status = ScheduledPost.Status


def first_comment_queue(post: ScheduledPost, *, now: datetime) -> None:
    """On a post just recorded as posted: its first comment (if any) becomes due now."""
    if post.first_comment.strip() and post.first_comment_status == FirstCommentStatus.NONE:
        ScheduledPost.objects.filter(pk=post.pk, first_comment_status=FirstCommentStatus.NONE).update(
            first_comment_status=FirstCommentStatus.PENDING, first_comment_next_at=now
        )
        post.first_comment_status = FirstCommentStatus.PENDING
        post.first_comment_next_at = now


def due_first_comments(*, now: datetime | None = None):
    return ScheduledPost.objects.filter(
        status=Status.POSTED, first_comment_status=FirstCommentStatus.PENDING, first_comment_next_at__lte=now or timezone.now()
    )


def first_comments_publish_due(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> int:
    now = now or timezone.now()
    ids = list(due_first_comments(now=now).order_by("first_comment_next_at", "id").values_list("pk", flat=True)[:limit])
    done = 0
    for post_id in ids:
        try:
            if first_comment_publish(post_id=post_id, now=now) != "skipped":
                done += 1
        except Exception:  # one broken comment must not stop the others
            logger.exception("First comment of post %s crashed", post_id)
    return done


def first_comment_publish(*, post_id: int, now: datetime | None = None) -> str:
    """Claim and publish one post's first comment. Returns its new status, or "skipped"."""
    now = now or timezone.now()
    claimed = due_first_comments(now=now).filter(pk=post_id).update(first_comment_next_at=now + CLAIM_LEASE)
    if not claimed:
        return "skipped"
    post = ScheduledPost.objects.select_related("social_account").get(pk=post_id)
    service = get_service(post.platform)
    request = CommentRequest(post_id=post.pk, external_id=post.external_post_id, text=post.first_comment, credentials=credentials_for(post.social_account))
    try:
        if not service.supports_first_comment:
            raise PublishError(ErrorKind.PERMANENT, f"{service.name} does not support first comments.", code="comments_not_supported")
        result = with_fresh_credentials(account=post.social_account, call=lambda credentials: service.publish_comment(replace(request, credentials=credentials)))
    except PublishError as error:
        return _record_failure(post=post, error=error, now=now)
    except Exception as exc:  # a bug or an unexpected answer: the comment may exist
        logger.exception("Unexpected error publishing the first comment of post %s", post_id)
        return _record_failure(post=post, error=PublishError(ErrorKind.UNCONFIRMED, f"Unexpected error ({type(exc).__name__}).", code="internal_error"), now=now)
    ScheduledPost.objects.filter(pk=post_id, first_comment_status=FirstCommentStatus.PENDING).update(
        first_comment_status=FirstCommentStatus.POSTED, first_comment_id=result.external_id[:255], first_comment_error="",
        first_comment_attempts=F("first_comment_attempts") + 1, first_comment_next_at=None,
    )
    return FirstCommentStatus.POSTED


def retry_delay(attempts: int) -> float:
    return settings.FIRST_COMMENT_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


def _record_failure(*, post: ScheduledPost, error: PublishError, now: datetime) -> str:
    attempts = post.first_comment_attempts + 1
    retryable = error.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED) and attempts <= settings.FIRST_COMMENT_MAX_RETRIES
    fields = {"first_comment_attempts": attempts}
    if retryable:
        delay = max(error.retry_after or 0, retry_delay(attempts))
        fields.update(first_comment_next_at=now + timedelta(seconds=delay), first_comment_error=f"{error.message} Trying again.")
        status = FirstCommentStatus.PENDING
    else:
        message = error.message
        if error.kind == ErrorKind.UNCONFIRMED:
            message += " The platform may have the comment: check the post before adding it by hand."
        elif error.kind == ErrorKind.TRANSIENT:
            message += f" Gave up after {attempts} attempts."
        fields.update(first_comment_status=FirstCommentStatus.FAILED, first_comment_next_at=None, first_comment_error=message)
        status = FirstCommentStatus.FAILED
    with transaction.atomic():
        updated = ScheduledPost.objects.filter(pk=post.pk, first_comment_status=FirstCommentStatus.PENDING).update(**fields)
        if updated and status == FirstCommentStatus.FAILED:  # a person should add the comment by hand
            post.refresh_from_db()
            post_event_emit(post=post, event="post.needs_attention")
    return status
