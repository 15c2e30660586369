"""Publishing due posts: hand them to workers, claim one, call its platform, record the outcome.

Exactly once rests on four things:
- a worker publishes a post only after winning the compare-and-swap `scheduled → publishing`
  (duplicate task messages and racing workers lose it and do nothing);
- the claim is fenced: it carries a token the worker renews while it works and re-checks right
  before the final platform call, so a worker whose claim recovery took over (it was frozen or
  cut off past the heartbeat timeout) never calls the platform (claims.py);
- an attempt row is committed *before* the platform is called, so a crash mid-call is visible;
- a post whose outcome is unknown (the platform may have received it) is never retried
  automatically: it fails with a message asking a person to check.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from backend.core import task_names
from backend.core.queue import task_enqueue
from backend.social.accounts import account_publish_guard
from backend.social.platforms.base import ErrorKind, PublishError, PublishRequest, PublishResult, final_call_guarded_by
from backend.social.platforms.registry import get_service
from backend.social.tokens import with_fresh_credentials

from .limits import publish_limit_check
from .models import ScheduledPost
from .heartbeats import PUBLISHER, heartbeat_note
from .claims import ClaimHeartbeat, ClaimLost, claim_fence, claim_take_for_publish
from .outcomes import NOT_SENT, attempt_record_claim_lost, post_outcome_record, posts_settle_missed
from .recovery import posts_fail_missed, posts_recover_stuck
from .requests import publish_request_for
from .transitions import Status, transition_where

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = PUBLISHER  # the tick a worker ran (health tells it from beat's, heartbeats.py)


def due_posts(*, now: datetime | None = None):
    now = now or timezone.now()
    return ScheduledPost.objects.filter(status=Status.SCHEDULED, next_attempt_at__lte=now)


def posts_dispatch_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Hand due posts to the workers (beat runs this every PUBLISH_INTERVAL_SECONDS).

    First settles posts whose worker stopped renewing its claim and fails posts missed beyond the
    tolerance (one statement).

    A post handed out but not claimed within PUBLISH_REDISPATCH_SECONDS is handed out again, so a
    lost broker message never loses a post; the claim makes a duplicate message harmless.
    """
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
            _enqueue(ids)
    heartbeat_note(name=HEARTBEAT_NAME, processed=len(ids))  # after the commit: holds no row across a freeze
    return ids


def chunk_size(count: int) -> int:
    """One post per task while there are few (every worker process gets one), small chunks for a
    backlog (fewer broker messages, so more posts a second): 1 up to 63 posts, then up to 10."""
    return max(1, min(settings.PUBLISH_CHUNK_MAX, count // 32))


def _enqueue(ids: list[int]) -> None:
    """Hand the posts to the workers once the transaction commits, in chunks (see chunk_size)."""
    size = chunk_size(len(ids))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        if len(chunk) == 1:
            task_enqueue(task_names.PUBLISH_POST, chunk[0])
        else:
            task_enqueue(task_names.PUBLISH_POSTS, chunk)


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
    """Claim one due post and publish it under a fenced, heartbeated claim (claims.py).

    Returns the post's new status, or "skipped" (not ours to publish). A post past the missed
    tolerance is refused by the claim and failed as `missed` here. The statements of a publish on
    PostgreSQL: the claim with the attempt's INSERT and the post's and account's rows (one
    statement), an account limit's window count if its platform has one (X), the fence before the
    final platform call (one UPDATE), the outcome of the post and of the attempt with the webhook
    outbox's probe (one statement);
    a heartbeat UPDATE every PUBLISH_HEARTBEAT_SECONDS while it takes longer. Elsewhere (SQLite)
    the merged statements run one by one.
    """
    now = timezone.now()
    claimed = claim_take_for_publish(post_id=post_id, now=now)
    if claimed is None:
        if posts_settle_missed(now=now, post_ids=[post_id]):
            return Status.FAILED  # refused: too late to publish (after an outage)
        return "skipped"  # another worker has it, or it was cancelled, edited or already done
    claim, post, attempt = claimed
    request = None
    try:
        with ClaimHeartbeat(claim), final_call_guarded_by(lambda: claim_fence(claim)):
            account_publish_guard(account=post.social_account)
            publish_limit_check(post=post)  # over an account limit: waits (rate_limited) for the window
            request = publish_request_for(post)
            result = _call_platform(post, request)
    except ClaimLost:
        logger.warning("Post %s: this worker lost its claim (recovery took over); the platform was not called", post_id)
        attempt_record_claim_lost(attempt=attempt)
        return "skipped"
    except PublishError as error:
        version = request.credentials.token_version if request is not None else None  # the tokens refused (AUTH)
        return post_outcome_record(post_id=post_id, post=post, claim=claim, attempt=attempt, error=error, token_version=version)
    except Exception as exc:
        if claim.final_call_started:  # a bug or an unexpected reply after the call: the platform may have the post
            logger.exception("Unexpected error publishing post %s", post_id)
            error = PublishError(ErrorKind.UNCONFIRMED, f"Unexpected error while publishing ({type(exc).__name__}).", code="internal_error")
        elif isinstance(exc, (OperationalError, InterfaceError)):  # our database dropped before the call: nothing was sent
            logger.warning("Post %s: the database dropped before the platform was called (%s)", post_id, type(exc).__name__)
            error = PublishError(
                ErrorKind.TRANSIENT, f"The database did not answer ({type(exc).__name__}); nothing was sent.", code=NOT_SENT
            )
        else:  # a bug before the platform was called: nothing was sent, retry (counted)
            logger.exception("Post %s: %s before the platform was called", post_id, type(exc).__name__)
            error = PublishError(
                ErrorKind.TRANSIENT, f"Could not prepare the post ({type(exc).__name__}); nothing was sent.", code="internal_error"
            )
        return post_outcome_record(post_id=post_id, post=post, claim=claim, attempt=attempt, error=error)
    return post_outcome_record(post_id=post_id, post=post, claim=claim, attempt=attempt, result=result)


def _call_platform(post: ScheduledPost, request: PublishRequest) -> PublishResult:
    service = get_service(post.platform)

    def publish(credentials):  # expired token refreshed first; on AUTH one refresh and one retry
        request.credentials = credentials
        return service.publish(request)

    return with_fresh_credentials(account=post.social_account, call=publish)
