"""The one writer of a publish outcome: the worker, recovery of stuck posts and missed posts all
record what happened to an attempt here.

An outcome is either a publication the platform has (`result`) or a `PublishError`; what an
error means for the post is decided once, by its kind:
- TRANSIENT: retried with exponential backoff, up to the post's max_retries;
- RATE_LIMITED: waits for `retry_after` without using a retry (at most MAX_RATE_LIMIT_WAITS);
- a worker that died before sending (code LEASE_EXPIRED, TRANSIENT): published again now (still
  due from its original due time), at most MAX_LEASE_RECOVERIES times;
- UNCONFIRMED: failed, asking a person to check the platform (never retried blindly);
- AUTH: failed, and the account needs reconnecting (if it still holds the refused tokens);
- PERMANENT: failed.
Missed posts (due longer ago than the tolerance) are failed in bulk, all of them each tick, a
batch per statement (`posts_settle_missed`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from backend.accounts.webhooks import webhook_endpoints_exist_sql
from backend.core.statements import composable, update_sql
from backend.social.accounts import account_mark_needs_reconnect
from backend.social.platforms.base import ErrorKind, PublishError, PublishResult

from .claims import Claim
from .deliveries import deliveries_link
from .events import post_outcome_events
from .first_comments import first_comment_queue
from .models import PublishAttempt, ScheduledPost
from .transitions import Status, transition, transition_all, transition_where, transition_where_sql

logger = logging.getLogger(__name__)

# Rate-limit waits do not use up retries, but are bounded so a post cannot wait forever.
MAX_RATE_LIMIT_WAITS = 20
# A post whose worker keeps dying (e.g. it runs out of memory on this post) stops being retried.
MAX_LEASE_RECOVERIES = 3
LEASE_EXPIRED = "lease_expired"
MISSED = "missed"
MISSED_BATCH_SIZE = 1000  # missed posts failed per UPDATE (posts_settle_missed)
# Our own database dropped before the platform was called: nothing was sent, and the post is handed
# out again at once without using a retry (still due from when it was due, so an outage that lasts
# makes it missed, not late).
NOT_SENT = "database_unavailable"

def retry_delay(*, post: ScheduledPost, error: PublishError) -> float:
    if error.retry_after is not None:
        return max(error.retry_after, 1.0)
    delay = settings.PUBLISH_RETRY_BACKOFF_SECONDS * (2 ** max(post.retry_count - 1, 0))
    return min(delay, settings.PUBLISH_RETRY_BACKOFF_MAX_SECONDS)


# The post's columns an outcome may change (each outcome is one targeted UPDATE of these).
OUTCOME_FIELDS = (
    "error_code", "error_message", "retry_count", "metadata", "next_attempt_at", "dispatched_at", "claimed_at",
    "external_post_id", "permalink", "posted_at",
)


def post_outcome_record(
    *,
    post_id: int,
    attempt: PublishAttempt | None,
    result: PublishResult | None = None,
    error: PublishError | None = None,
    claim: Claim | None = None,
    post: ScheduledPost | None = None,
    token_version: int | None = None,
    attempt_code: str | None = None,
    attempt_message: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record the outcome of an attempt at publishing a post that is `publishing`. Returns the post's status.

    `claim`: record only while the post is still under that claim (the worker's, or recovery's
    take-over); otherwise only the attempt's facts are kept and "skipped" is returned. With a
    claim, `post` may be the worker's loaded copy (nobody else may change a claimed post): the
    outcome then costs one targeted UPDATE of the post (conditional on the claim) and one of the
    attempt (merged into one statement on PostgreSQL), in one transaction with what follows. `attempt`
    None: the worker died before recording one; one is written now. `token_version`: the account
    tokens the platform refused (AUTH). `attempt_code` / `attempt_message` annotate the attempt
    (default: the error's).
    """
    now = now or timezone.now()
    if post is None or claim is None:
        with transaction.atomic():
            post = ScheduledPost.objects.select_for_update().get(pk=post_id)
            return _record(post, post_id=post_id, attempt=attempt, result=result, error=error, claim=claim,
                           token_version=token_version, attempt_code=attempt_code, attempt_message=attempt_message, now=now)
    # More writes follow the outcome's statement (a broadcast's deliveries, the first comment made
    # due, the webhook outbox rows, an account to mark): all of them, or none. One transaction is
    # still one durable commit.
    with transaction.atomic():
        return _record(post, post_id=post_id, attempt=attempt, result=result, error=error, claim=claim,
                       token_version=token_version, attempt_code=attempt_code, attempt_message=attempt_message, now=now)


def _record(
    post: ScheduledPost, *, post_id: int, attempt: PublishAttempt | None, result: PublishResult | None, error: PublishError | None,
    claim: Claim | None, token_version: int | None, attempt_code: str | None, attempt_message: str | None, now: datetime,
) -> str:
    outcome = PublishAttempt.Outcome.SUCCESS if result is not None else error.kind.value
    code = (attempt_code if attempt_code is not None else (error.code if error else ""))[:64]
    message = attempt_message if attempt_message is not None else (error.message if error else "")
    finish = dict(post_id=post_id, attempt=attempt, started_at=post.claimed_at or now, now=now, outcome=outcome, code=code, message=message)
    if post.status != Status.PUBLISHING or (claim is not None and post.claim_token != claim.token):
        _attempt_finish(**finish)
        return _settled_elsewhere(post=post, claim=claim, result=result)
    before = {name: getattr(post, name) for name in OUTCOME_FIELDS}
    if result is not None:
        transition(post, to=Status.POSTED)
        post.external_post_id = result.external_id
        post.permalink = result.permalink[:500]
        post.posted_at = now
        post.error_code = ""
        post.error_message = ""
    else:
        _apply_error(post, error=error, now=now, token_version=token_version)
    changed = {name: getattr(post, name) for name in OUTCOME_FIELDS if getattr(post, name) != before[name]}
    move = dict(
        post_id=post_id, current=Status.PUBLISHING, to=post.status, where={"claim_token": claim.token} if claim is not None else {},
        claim_token=None, heartbeat_at=None, **changed,
    )
    endpoints_exist = None
    if attempt is not None and composable():
        moved, endpoints_exist = _move_and_finish(move, organization_id=post.organization_id, **finish)
    else:
        moved = transition_where(**move)
        _attempt_finish(**finish)
    if not moved:  # the claim was taken over between the worker's fence and now: the attempt's facts only
        return _settled_elsewhere(post=ScheduledPost.objects.get(pk=post_id), claim=claim, result=result)
    if result is not None:
        deliveries_link(post=post, result=result)  # a broadcast's accepted messages, for the status webhooks
        first_comment_queue(post, now=now)
    post_outcome_events(post=post, error=error, endpoints_exist=endpoints_exist)  # webhook outbox rows, in this transaction
    if result is None and error.kind == ErrorKind.AUTH and post.status == Status.FAILED:
        account_mark_needs_reconnect(account_id=post.social_account_id, token_version=token_version, reason=error.message)
    return post.status


def _attempt_fields(*, now, outcome: str, code: str, message: str) -> dict:
    return {"finished_at": now, "outcome": outcome, "error_code": code[:64], "error_message": message}


def _move_and_finish(
    move: dict, *, organization_id: int, post_id: int, attempt: PublishAttempt, started_at, now, outcome: str, code: str, message: str
) -> tuple[bool, bool]:
    """PostgreSQL: the post's conditional move and the attempt's outcome in one statement (both or,
    if it fails, neither), which also reads whether the organization has a webhook endpoint (so the
    outbox needs no statement of its own when it has none). Returns whether the post moved (it was
    still under the claim), and that answer."""
    fields = _attempt_fields(now=now, outcome=outcome, code=code, message=message)
    move_sql, move_params = transition_where_sql(**move)
    finish_sql, finish_params = update_sql(PublishAttempt.objects.filter(pk=attempt.pk), **fields)
    hooks_sql, hooks_params = webhook_endpoints_exist_sql(organization_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH moved AS ({move_sql} RETURNING 1), finished AS ({finish_sql} RETURNING 1) "
            f"SELECT (SELECT COUNT(*) FROM moved), {hooks_sql}",
            (*move_params, *finish_params, *hooks_params),
        )
        count, hooks = cursor.fetchone()
    for name, value in fields.items():
        setattr(attempt, name, value)
    return count == 1, bool(hooks)


def _attempt_finish(*, post_id: int, attempt: PublishAttempt | None, started_at, now, outcome: str, code: str, message: str) -> None:
    fields = _attempt_fields(now=now, outcome=outcome, code=code, message=message)
    if attempt is None:
        PublishAttempt.objects.create(post_id=post_id, started_at=started_at, **fields)
        return
    PublishAttempt.objects.filter(pk=attempt.pk).update(**fields)
    for name, value in fields.items():
        setattr(attempt, name, value)


def _settled_elsewhere(*, post: ScheduledPost, claim: Claim | None, result: PublishResult | None) -> str:
    """The post was settled by someone else (recovery, another beat) while this attempt ran."""
    if result is None:
        logger.warning("Post %s failed an attempt but is now %s", post.pk, post.status)
        return "skipped" if claim is not None else post.status
    # The platform has it: whatever the post says now, keep the facts (a person may need them).
    logger.error("Post %s was published (%s) but is now %s: check for a duplicate", post.pk, result.external_id, post.status)
    ScheduledPost.objects.filter(pk=post.pk, external_post_id="").update(
        external_post_id=result.external_id, permalink=result.permalink[:500]
    )
    return "skipped" if claim is not None else post.status


FENCED_OUT = (
    "This worker stopped renewing its claim for longer than the heartbeat timeout and recovery took the "
    "post over; it met the fence and did not call the platform."
)


def attempt_record_claim_lost(*, attempt: PublishAttempt, now: datetime | None = None) -> None:
    """A worker fenced out by recovery (it stopped renewing past the heartbeat timeout) did not call
    the platform. If recovery already finished this attempt, its record stays and this is added."""
    finished = PublishAttempt.objects.filter(pk=attempt.pk, outcome=PublishAttempt.Outcome.IN_PROGRESS).update(
        finished_at=now or timezone.now(), outcome=PublishAttempt.Outcome.TRANSIENT, error_code="claim_lost", error_message=FENCED_OUT,
    )
    if not finished:
        PublishAttempt.objects.filter(pk=attempt.pk).update(error_message=Concat(F("error_message"), Value(" " + FENCED_OUT)))


def posts_settle_missed(*, now: datetime | None = None, post_ids: list[int] | None = None) -> int:
    """Fail the scheduled posts due longer ago than PUBLISH_MISSED_TOLERANCE_SECONDS (error_code
    `missed`): those of `post_ids` (one UPDATE), or else all of them, oldest first, a
    MISSED_BATCH_SIZE batch per UPDATE, so a backlog after an outage is settled within one tick and
    posts still in time never wait behind it. Returns how many were failed.

    Lateness counts from `next_attempt_at`, when the post was last due: its scheduled time, or the
    end of a wait the platform asked for (a retry backoff, a rate-limit window), which is never
    counted as missed. A post recovered from a dead worker keeps its due time.
    """
    now = now or timezone.now()
    tolerance = settings.PUBLISH_MISSED_TOLERANCE_SECONDS
    posts = ScheduledPost.objects.filter(next_attempt_at__lt=now - timedelta(seconds=tolerance))
    if post_ids is not None:
        count = _fail_missed(posts.filter(pk__in=post_ids), tolerance=tolerance)
    else:
        # Each batch is read first through post_due_idx, which stops at the first post still in
        # time (a tick with none missed is one read and no write). As one UPDATE, the planner (taking
        # due times to be independent of the status) expected most scheduled posts to be missed
        # and read every one of them on every tick (111 ms at 134k scheduled posts; bench/README.md,
        # dispatch tick). The UPDATE re-checks both conditions.
        count = 0
        while True:
            ids = list(posts.filter(status=Status.SCHEDULED).order_by("next_attempt_at").values_list("pk", flat=True)[:MISSED_BATCH_SIZE])
            failed = _fail_missed(posts.filter(pk__in=ids), tolerance=tolerance) if ids else 0
            count += failed
            if len(ids) < MISSED_BATCH_SIZE or not failed:
                break
    if count:
        logger.warning("Failed %d missed post(s) (due over %d s ago)", count, tolerance)
    return count


def _fail_missed(posts, *, tolerance: int) -> int:
    return transition_all(
        posts, current=Status.SCHEDULED, to=Status.FAILED,
        error_code=MISSED,
        error_message=(
            f"Missed: this post could not be published within {duration_text(tolerance)} of its due time (the "
            "scheduler or the workers were down), so it was not published late. Retry it to publish it now."
        ),
        dispatched_at=None, claim_token=None, heartbeat_at=None,
    )


def duration_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min" if seconds % 3600 else f"{seconds // 3600} h"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"
    return f"{seconds} s"


def _apply_error(post: ScheduledPost, *, error: PublishError, now: datetime, token_version: int | None) -> None:
    post.error_code = error.code[:64] or error.kind.value
    if error.kind == ErrorKind.TRANSIENT and error.code == LEASE_EXPIRED:
        recoveries = post.metadata.get("lease_recoveries", 0) + 1
        post.metadata = {**post.metadata, "lease_recoveries": recoveries}
        if recoveries > MAX_LEASE_RECOVERIES:
            post.error_message = (
                f"The worker publishing this post stopped {recoveries} times before sending it; "
                "nothing was published. Retry the post once the workers are healthy."
            )
            transition(post, to=Status.FAILED)
        else:
            post.error_message = "The worker publishing this post stopped before sending it; publishing it again now."
            # Still due from when it was due: lateness counts from then, so it can still be missed.
            _reschedule(post, at=post.next_attempt_at or now)
        return
    if error.kind == ErrorKind.TRANSIENT and error.code == NOT_SENT:
        post.error_message = f"{error.message} Publishing it again now."
        _reschedule(post, at=post.next_attempt_at or now)
        return
    waits = post.metadata.get("rate_limit_waits", 0)
    retryable = error.kind == ErrorKind.TRANSIENT and post.retry_count < post.max_retries
    waitable = error.kind == ErrorKind.RATE_LIMITED and waits < MAX_RATE_LIMIT_WAITS
    if retryable or waitable:
        if retryable:
            post.retry_count += 1
        else:
            post.metadata = {**post.metadata, "rate_limit_waits": waits + 1}
        _reschedule(post, at=now + timedelta(seconds=retry_delay(post=post, error=error)))
        post.error_message = f"{error.message} Trying again at {post.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC."
        return
    post.error_message = _final_message(post, error)
    transition(post, to=Status.FAILED)


def _reschedule(post: ScheduledPost, *, at: datetime) -> None:
    post.next_attempt_at = at
    post.dispatched_at = None
    post.claimed_at = None
    transition(post, to=Status.SCHEDULED)


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
