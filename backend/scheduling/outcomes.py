"""The one writer of a publish outcome: the worker, recovery of stuck posts and missed posts all
record what happened to an attempt here.

An outcome is either a publication the platform has (`result`) or a `PublishError`; what an
error means for the post is decided once, by its kind:
- TRANSIENT: retried with exponential backoff, up to the post's max_retries;
- RATE_LIMITED: waits for `retry_after` without using a retry (at most MAX_RATE_LIMIT_WAITS);
- a worker that died before sending (code LEASE_EXPIRED, TRANSIENT): published again now, at
  most MAX_LEASE_RECOVERIES times;
- UNCONFIRMED: failed, asking a person to check the platform (never retried blindly);
- AUTH: failed, and the account needs reconnecting (if it still holds the refused tokens);
- PERMANENT: failed.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.social.accounts import account_mark_needs_reconnect
from backend.social.platforms.base import ErrorKind, PublishError, PublishResult

from .deliveries import deliveries_link
from .models import PublishAttempt, ScheduledPost
from .transitions import Status, transition

logger = logging.getLogger(__name__)

# Rate-limit waits do not use up retries, but are bounded so a post cannot wait forever.
MAX_RATE_LIMIT_WAITS = 20
# A post whose worker keeps dying (e.g. it runs out of memory on this post) stops being retried.
MAX_LEASE_RECOVERIES = 3
LEASE_EXPIRED = "lease_expired"

ANY_CLAIM = object()


def retry_delay(*, post: ScheduledPost, error: PublishError) -> float:
    if error.retry_after is not None:
        return max(error.retry_after, 1.0)
    delay = settings.PUBLISH_RETRY_BACKOFF_SECONDS * (2 ** max(post.retry_count - 1, 0))
    return min(delay, settings.PUBLISH_RETRY_BACKOFF_MAX_SECONDS)


@transaction.atomic
def post_outcome_record(
    *,
    post_id: int,
    attempt: PublishAttempt | None,
    result: PublishResult | None = None,
    error: PublishError | None = None,
    token_version: int | None = None,
    claimed_at=ANY_CLAIM,
    attempt_code: str | None = None,
    attempt_message: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record the outcome of an attempt at publishing a post that is `publishing`. Returns the post's status.

    `attempt` None: the worker died before recording one; one is written now. `claimed_at`: record
    only if the post is still under that claim (returns "skipped" otherwise). `token_version`: the
    account tokens the platform refused (AUTH). `attempt_code` / `attempt_message` annotate the
    attempt (default: the error's).
    """
    now = now or timezone.now()
    post = ScheduledPost.objects.select_for_update().get(pk=post_id)
    if claimed_at is not ANY_CLAIM and (post.status != Status.PUBLISHING or post.claimed_at != claimed_at):
        return "skipped"  # settled meanwhile (a late worker, or another beat)
    if attempt is None:
        attempt = PublishAttempt(post=post, started_at=post.claimed_at or now)
    attempt.finished_at = now
    attempt.outcome = PublishAttempt.Outcome.SUCCESS if result is not None else error.kind.value
    attempt.error_code = (attempt_code if attempt_code is not None else (error.code if error else ""))[:64]
    attempt.error_message = attempt_message if attempt_message is not None else (error.message if error else "")
    attempt.save()
    if post.status != Status.PUBLISHING:  # recovered elsewhere meanwhile: keep the facts, say so
        if result is None:
            logger.warning("Post %s failed an attempt but is now %s", post_id, post.status)
            return post.status
        logger.warning("Post %s was published but is now %s", post_id, post.status)
    if result is not None:
        if post.status == Status.PUBLISHING:
            transition(post, to=Status.POSTED)
        post.external_post_id = result.external_id
        post.permalink = result.permalink[:500]
        post.posted_at = now
        post.error_code = ""
        post.error_message = ""
        deliveries_link(post=post, result=result)  # a broadcast's accepted messages, for the status webhooks
    else:
        _apply_error(post, error=error, now=now, token_version=token_version)
    post.save()
    return post.status


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
            _reschedule(post, at=now)
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
    if error.kind == ErrorKind.AUTH:
        account_mark_needs_reconnect(account_id=post.social_account_id, token_version=token_version, reason=error.message)


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
