"""Publishing due posts: hand them to workers, claim one, call its platform, record the outcome.

Exactly once rests on three things:
- a worker publishes a post only after winning the compare-and-swap `scheduled → publishing`
  (duplicate task messages and racing workers lose it and do nothing);
- an attempt row is committed *before* the platform is called, so a crash mid-call is visible;
- a post whose outcome is unknown (the platform may have received it) is never retried
  automatically: it fails with a message asking a person to check.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.social.limits import publish_limit_check
from backend.social.models import SocialAccount
from backend.social.platforms.base import ErrorKind, MediaItem, PublishError, PublishRequest, PublishResult
from backend.social.platforms.registry import get_service
from backend.social.services import credentials_for
from backend.social.text import compose
from backend.social.tokens import with_fresh_credentials

from .first_comments import first_comment_queue
from .models import PublishAttempt, SchedulerHeartbeat, ScheduledPost
from .transitions import Status, transition, transition_where

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = "publisher"
# Rate-limit waits do not use up retries, but are bounded so a post cannot wait forever.
MAX_RATE_LIMIT_WAITS = 20


def due_posts(*, now: datetime | None = None):
    now = now or timezone.now()
    return ScheduledPost.objects.filter(status=Status.SCHEDULED, next_attempt_at__lte=now)


def posts_dispatch_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Hand due posts to the workers (beat runs this every PUBLISH_INTERVAL_SECONDS).

    First settles posts stuck past their lease and fails posts missed beyond the tolerance.

    A post handed out but not claimed within PUBLISH_REDISPATCH_SECONDS is handed out again, so a
    lost broker message never loses a post; the claim makes a duplicate message harmless.
    """
    from .recovery import posts_fail_missed, posts_recover_stuck
    now = now or timezone.now()
    limit = limit or settings.PUBLISH_BATCH_SIZE
    posts_recover_stuck(now=now)  # workers that died mid-publish (see recovery.py)
    posts_fail_missed(now=now)  # due too long ago to publish now (after an outage)
    stale = now - timedelta(seconds=settings.PUBLISH_REDISPATCH_SECONDS)
    with transaction.atomic():
        ids = list(
            due_posts(now=now)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            ScheduledPost.objects.filter(pk__in=ids).update(dispatched_at=now)
            transaction.on_commit(lambda: _enqueue(ids))
        SchedulerHeartbeat.objects.update_or_create(
            name=HEARTBEAT_NAME, defaults={"last_drained_at": now, "last_processed": len(ids)}
        )
    return ids


def chunk_size(count: int) -> int:
    """One post per task while there are few (every worker process gets one), small chunks for a
    backlog (fewer broker messages, so more posts a second): 1 up to 63 posts, then up to 10."""
    return max(1, min(settings.PUBLISH_CHUNK_MAX, count // 32))


def _enqueue(ids: list[int]) -> None:
    from .tasks import publish_post, publish_posts

    size = chunk_size(len(ids))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        if len(chunk) == 1:
            publish_post.delay(chunk[0])
        else:
            publish_posts.delay(chunk)


@dataclass
class DrainResult:
    processed: int = 0
    posted: int = 0
    failed: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


def posts_publish_due_now(*, organization_ids: list[int], limit: int = 100) -> DrainResult:
    """Publish the due posts of some organizations in this process, now (no broker involved)."""
    result = DrainResult()
    ids = list(
        due_posts().filter(organization_id__in=organization_ids).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
    )
    for post_id in ids:
        outcome = post_publish(post_id=post_id)
        if outcome == "skipped":
            continue
        result.processed += 1
        result.outcomes[post_id] = outcome
        if outcome == Status.POSTED:
            result.posted += 1
        elif outcome == Status.FAILED:
            result.failed += 1
    return result


def post_publish(*, post_id: int) -> str:
    """Claim one due post and publish it. Returns the post's new status, or "skipped"."""
    now = timezone.now()
    if not transition_where(
        post_id=post_id,
        current=Status.SCHEDULED,
        to=Status.PUBLISHING,
        where={"next_attempt_at__lte": now},
        claimed_at=now,
    ):
        return "skipped"  # another worker has it, or it was cancelled, edited or already done
    post = ScheduledPost.objects.select_related("social_account", "asset").get(pk=post_id)
    attempt = PublishAttempt.objects.create(post=post, started_at=now)
    account = post.social_account
    if account.status != SocialAccount.Status.ACTIVE:
        error = PublishError(
            ErrorKind.PERMANENT,
            f"The {account.platform} account {account.handle} needs to be reconnected before it can publish.",
            code="account_" + account.status,
        )
        return _record_failure(post_id=post_id, attempt=attempt, error=error)
    try:
        publish_limit_check(post=post)  # over an account limit: waits (rate_limited) for the window
        result = _call_platform(post)
    except PublishError as error:
        return _record_failure(post_id=post_id, attempt=attempt, error=error)
    except Exception as exc:  # a bug or an unexpected reply: the platform may have the post
        logger.exception("Unexpected error publishing post %s", post_id)
        error = PublishError(ErrorKind.UNCONFIRMED, f"Unexpected error while publishing ({type(exc).__name__}).", code="internal_error")
        return _record_failure(post_id=post_id, attempt=attempt, error=error)
    return _record_success(post_id=post_id, attempt=attempt, result=result)


def _call_platform(post: ScheduledPost) -> PublishResult:
    service = get_service(post.platform)

    def save_state(state: dict) -> None:
        ScheduledPost.objects.filter(pk=post.pk).update(publish_state=state)

    request = PublishRequest(
        post_id=post.pk,
        text=compose(post.caption, post.hashtags),
        credentials=credentials_for(post.social_account),
        media=[media_item_for(post.asset)] if post.asset else [],
        state=dict(post.publish_state),
        save_state=save_state,
    )

    def publish(credentials):  # expired token refreshed first; on AUTH one refresh and one retry
        request.credentials = credentials
        return service.publish(request)

    return with_fresh_credentials(account=post.social_account, call=publish)


def media_item_for(asset) -> MediaItem:
    return MediaItem(
        url=asset.url,
        path=asset.file.path,
        content_type=asset.content_type,
        width=asset.width,
        height=asset.height,
        size=asset.size,
    )


def _finish_attempt(attempt: PublishAttempt, *, outcome: str, error: PublishError | None = None) -> None:
    attempt.finished_at = timezone.now()
    attempt.outcome = outcome
    if error is not None:
        attempt.error_code = error.code[:64]
        attempt.error_message = error.message
    attempt.save(update_fields=["finished_at", "outcome", "error_code", "error_message"])


@transaction.atomic
def _record_success(*, post_id: int, attempt: PublishAttempt, result: PublishResult) -> str:
    post = ScheduledPost.objects.select_for_update().get(pk=post_id)
    _finish_attempt(attempt, outcome=PublishAttempt.Outcome.SUCCESS)
    if post.status != Status.PUBLISHING:  # recovered elsewhere meanwhile: keep the facts, say so
        logger.warning("Post %s was published but is now %s", post_id, post.status)
    else:
        transition(post, to=Status.POSTED)
    post.external_post_id = result.external_id
    post.permalink = result.permalink[:500]
    post.posted_at = attempt.finished_at
    post.error_code = ""
    post.error_message = ""
    first_comment_queue(post, now=attempt.finished_at)
    post.save()
    return post.status


def retry_delay(*, post: ScheduledPost, error: PublishError) -> float:
    if error.retry_after is not None:
        return max(error.retry_after, 1.0)
    delay = settings.PUBLISH_RETRY_BACKOFF_SECONDS * (2 ** max(post.retry_count - 1, 0))
    return min(delay, settings.PUBLISH_RETRY_BACKOFF_MAX_SECONDS)


@transaction.atomic
def _record_failure(*, post_id: int, attempt: PublishAttempt, error: PublishError) -> str:
    post = ScheduledPost.objects.select_for_update().select_related("social_account").get(pk=post_id)
    _finish_attempt(attempt, outcome=error.kind.value, error=error)
    if post.status != Status.PUBLISHING:
        logger.warning("Post %s failed an attempt but is now %s", post_id, post.status)
        return post.status
    now = timezone.now()
    post.error_code = error.code[:64] or error.kind.value
    waits = post.metadata.get("rate_limit_waits", 0)
    retryable = error.kind == ErrorKind.TRANSIENT and post.retry_count < post.max_retries
    waitable = error.kind == ErrorKind.RATE_LIMITED and waits < MAX_RATE_LIMIT_WAITS
    if retryable or waitable:
        if retryable:
            post.retry_count += 1
        else:
            post.metadata = {**post.metadata, "rate_limit_waits": waits + 1}
        delay = retry_delay(post=post, error=error)
        post.next_attempt_at = now + timedelta(seconds=delay)
        post.dispatched_at = None
        post.error_message = f"{error.message} Trying again at {post.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC."
        transition(post, to=Status.SCHEDULED)
    else:
        post.error_message = _final_message(post, error)
        transition(post, to=Status.FAILED)
        if error.kind == ErrorKind.AUTH:
            SocialAccount.objects.filter(pk=post.social_account_id).update(
                status=SocialAccount.Status.NEEDS_RECONNECT, status_reason=error.message, updated_at=now
            )
    post.save()
    return post.status


def _final_message(post: ScheduledPost, error: PublishError) -> str:
    if error.kind == ErrorKind.UNCONFIRMED:
        return (
            f"{error.message} The platform may have received this post: check the account before "
            "retrying, so it is not published twice."
        )
    if error.kind == ErrorKind.TRANSIENT:
        return f"{error.message} Gave up after {post.retry_count + 1} attempts."
    if error.kind == ErrorKind.AUTH:
        return f"{error.message} Reconnect the account, then retry the post."
    return error.message
