"""Recovery, run by every dispatch tick: posts stuck in `publishing`, and posts missed in an outage.

Stuck posts. A worker renews its claim every PUBLISH_HEARTBEAT_SECONDS while it publishes (see
claims.py). A post whose heartbeat is older than PUBLISH_HEARTBEAT_TIMEOUT_SECONDS (default 30 s,
independent of the task time limits) has lost its worker: killed, out of memory, frozen, machine
gone. Recovery first takes the claim over (a new token: a frozen worker that resumes is fenced out
and never calls the platform), then asks the platform's adapter whether the post reached it
(`SocialMediaService.find_publication`, from the checkpoint the attempt saved):
- found → `posted` with the platform's id (nothing is sent again);
- certainly not received, or the worker died before recording an attempt → back to `scheduled`,
  still due from its original due time (so it is published now, or missed if an outage made it
  too late), at most MAX_LEASE_RECOVERIES times, then failed;
- cannot tell → `failed`, asking a person to verify on the platform (never retried blindly).
Each recovery finishes the interrupted attempt (or records one) with the outcome.

Missed posts. After an outage (beat or workers down) a post due more than
PUBLISH_MISSED_TOLERANCE_SECONDS ago is failed with error_code `missed` instead of being published
late: in bulk, all of them each tick (`outcomes.posts_settle_missed`), and by the claim itself,
which refuses a post past the tolerance (so a worker holding a stale message cannot publish it).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.social.platforms.base import ErrorKind, PublicationUnknown, PublishError, PublishResult
from backend.social.platforms.registry import get_service

from .claims import Claim, claim_take_over
from .models import PublishAttempt, ScheduledPost
from .outcomes import LEASE_EXPIRED, post_outcome_record, posts_settle_missed
from .requests import publish_request_for
from .transitions import Status

logger = logging.getLogger(__name__)

RECOVERY_BATCH_SIZE = 100

Outcome = PublishAttempt.Outcome


def stuck_posts(*, now: datetime | None = None):
    """Posts in `publishing` whose heartbeat is older than the timeout: their worker is gone."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.PUBLISH_HEARTBEAT_TIMEOUT_SECONDS)
    return ScheduledPost.objects.filter(status=Status.PUBLISHING).filter(
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, claimed_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, claimed_at__isnull=True, updated_at__lt=cutoff)
    )


def missed_posts(*, now: datetime | None = None):
    """Scheduled posts that have been due for longer than the tolerance."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.PUBLISH_MISSED_TOLERANCE_SECONDS)
    return ScheduledPost.objects.filter(status=Status.SCHEDULED, next_attempt_at__lt=cutoff)


def posts_fail_missed(*, now: datetime | None = None) -> int:
    """Fail every post missed beyond the tolerance, in bulk (outcomes.posts_settle_missed). Returns how many."""
    return posts_settle_missed(now=now)


def posts_recover_stuck(*, now: datetime | None = None, limit: int = RECOVERY_BATCH_SIZE) -> dict[int, str]:
    """Recover the posts whose worker stopped renewing its claim. Returns post id → what was done."""
    now = now or timezone.now()
    ids = list(stuck_posts(now=now).order_by("heartbeat_at", "claimed_at", "id").values_list("pk", flat=True)[:limit])
    done = {}
    for post_id in ids:
        try:
            done[post_id] = post_recover(post_id=post_id, now=now)
        except Exception:  # one post must not stop the others (nor the dispatch tick)
            logger.exception("Could not recover stuck post %s", post_id)
    return done


def post_recover(*, post_id: int, now: datetime | None = None) -> str:
    """Settle one post whose worker stopped renewing its claim. Returns its new status, or "skipped"."""
    now = now or timezone.now()
    post = stuck_posts(now=now).select_related("social_account").filter(pk=post_id).first()
    if post is None:
        return "skipped"  # settled, or renewed, meanwhile
    silent = (now - (post.heartbeat_at or post.claimed_at or post.updated_at)).total_seconds()
    claim = claim_take_over(post=post, now=now)  # from here on the old worker cannot publish
    if claim is None:
        return "skipped"  # its worker renewed the claim just now, or another beat took it over
    attempt = _interrupted_attempt(post)
    found: PublishResult | None = None
    unknown = ""
    if attempt is not None:  # an attempt was under way: the platform may have been called
        request = publish_request_for(post)
        try:
            found = get_service(post.platform).find_publication(
                credentials=request.credentials, post_id=post.pk, state=request.state, text=request.text
            )
        except PublicationUnknown as exc:
            unknown = str(exc)
        except PublishError as error:
            if error.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED):
                # Ask again once this take-over's own heartbeat times out.
                logger.warning("Post %s: cannot look it up on %s yet (%s); later", post_id, post.platform, error.code)
                return "skipped"
            unknown = error.message
    status = _settle(post=post, claim=claim, attempt=attempt, found=found, unknown=unknown, silent=silent, now=now)
    if status != "skipped":
        logger.warning("Recovered stuck post %s (no heartbeat for %.0f s): %s", post_id, silent, status)
    return status


def _interrupted_attempt(post: ScheduledPost) -> PublishAttempt | None:
    """The attempt of the current claim still in progress (None: the worker died before it)."""
    attempts = post.attempts.filter(outcome=Outcome.IN_PROGRESS)
    if post.claimed_at is not None:
        attempts = attempts.filter(started_at__gte=post.claimed_at)
    return attempts.order_by("-id").first()


def _settle(
    *,
    post: ScheduledPost,
    claim: Claim,
    attempt: PublishAttempt | None,
    found: PublishResult | None,
    unknown: str,
    silent: float,
    now: datetime,
) -> str:
    """Record what recovery found, through the one outcome writer (only under recovery's claim)."""
    record = dict(post_id=post.pk, attempt=attempt, claim=claim, now=now)
    if found is not None:
        return post_outcome_record(
            **record, result=found, attempt_code="recovered",
            attempt_message=f"The worker stopped without recording the result; {post.platform} has the post ({found.external_id}).",
        )
    if unknown:
        error = PublishError(
            ErrorKind.UNCONFIRMED,
            f"The worker publishing this post stopped answering (no heartbeat for {silent:.0f} s), "
            f"and {post.platform} cannot tell whether it received the post ({unknown}).",
            code=LEASE_EXPIRED,
        )
        return post_outcome_record(**record, error=error, attempt_message=unknown)
    error = PublishError(
        ErrorKind.TRANSIENT, f"The worker stopped before sending the post to {post.platform}; nothing was published.", code=LEASE_EXPIRED
    )
    return post_outcome_record(**record, error=error)
