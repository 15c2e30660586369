"""Recovery, run by every dispatch tick: posts stuck in `publishing`, and posts missed in an outage.

Stuck posts. A worker that dies mid-publish (SIGKILL, OOM, lost machine) leaves its post in
`publishing`. Once the claim is older than PUBLISH_LEASE_SECONDS (well above the task time limit,
so the worker is certainly gone) the platform's adapter is asked whether the post reached it
(`SocialMediaService.find_publication`, from the checkpoint the attempt saved):
- found → `posted` with the platform's id (nothing is sent again);
- certainly not received, or the worker died before recording an attempt → back to `scheduled`
  to publish now (at most MAX_LEASE_RECOVERIES times, then failed);
- cannot tell → `failed`, asking a person to verify on the platform (never retried blindly).
Each recovery finishes the interrupted attempt (or records one) with the outcome.

Missed posts. After an outage (beat or workers down) a post due more than
PUBLISH_MISSED_TOLERANCE_SECONDS ago is failed with error_code `missed` instead of being
published hours late. Lateness counts from `next_attempt_at`, the moment the post was last due: a
post waiting out a retry backoff or a rate-limit window is due at the end of that wait, not at its
scheduled time, so a wait the platform asked for is never counted as missed.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.social.platforms.base import ErrorKind, PublicationUnknown, PublishError, PublishResult
from backend.social.platforms.registry import get_service

from .models import PublishAttempt, ScheduledPost
from .outcomes import LEASE_EXPIRED, post_outcome_record
from .requests import publish_request_for
from .transitions import Status, transition_where

logger = logging.getLogger(__name__)

RECOVERY_BATCH_SIZE = 100

Outcome = PublishAttempt.Outcome


def stuck_posts(*, now: datetime | None = None):
    """Posts in `publishing` whose claim is older than the lease: their worker is gone."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    return ScheduledPost.objects.filter(status=Status.PUBLISHING).filter(
        Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, updated_at__lt=cutoff)
    )


def missed_posts(*, now: datetime | None = None):
    """Scheduled posts that have been due for longer than the tolerance."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.PUBLISH_MISSED_TOLERANCE_SECONDS)
    return ScheduledPost.objects.filter(status=Status.SCHEDULED, next_attempt_at__lt=cutoff)


def posts_recover_stuck(*, now: datetime | None = None, limit: int = RECOVERY_BATCH_SIZE) -> dict[int, str]:
    """Recover the posts whose worker died mid-publish. Returns post id → what was done."""
    now = now or timezone.now()
    ids = list(stuck_posts(now=now).order_by("claimed_at", "id").values_list("pk", flat=True)[:limit])
    done = {}
    for post_id in ids:
        try:
            done[post_id] = post_recover(post_id=post_id, now=now)
        except Exception:  # one post must not stop the others (nor the dispatch tick)
            logger.exception("Could not recover stuck post %s", post_id)
    return done


def post_recover(*, post_id: int, now: datetime | None = None) -> str:
    """Settle one post stuck in `publishing` past its lease. Returns its new status, or "skipped"."""
    now = now or timezone.now()
    post = stuck_posts(now=now).select_related("social_account").filter(pk=post_id).first()
    if post is None:
        return "skipped"  # settled, or claimed again, meanwhile
    claimed_at = post.claimed_at
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
                logger.warning("Post %s: cannot look it up on %s yet (%s); next tick", post_id, post.platform, error.code)
                return "skipped"
            unknown = error.message
    status = _settle(post=post, claimed_at=claimed_at, attempt=attempt, found=found, unknown=unknown, now=now)
    if status != "skipped":
        logger.warning("Recovered stuck post %s: %s", post_id, status)
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
    claimed_at: datetime | None,
    attempt: PublishAttempt | None,
    found: PublishResult | None,
    unknown: str,
    now: datetime,
) -> str:
    """Record what recovery found, through the one outcome writer (only if the claim is unchanged)."""
    record = dict(post_id=post.pk, attempt=attempt, claimed_at=claimed_at, now=now)
    if found is not None:
        return post_outcome_record(
            **record, result=found, attempt_code="recovered",
            attempt_message=f"The worker stopped without recording the result; {post.platform} has the post ({found.external_id}).",
        )
    if unknown:
        error = PublishError(
            ErrorKind.UNCONFIRMED,
            f"The worker publishing this post stopped answering (no result after {settings.PUBLISH_LEASE_SECONDS} s), "
            f"and {post.platform} cannot tell whether it received the post ({unknown}).",
            code=LEASE_EXPIRED,
        )
        return post_outcome_record(**record, error=error, attempt_message=unknown)
    error = PublishError(
        ErrorKind.TRANSIENT, f"The worker stopped before sending the post to {post.platform}; nothing was published.", code=LEASE_EXPIRED
    )
    return post_outcome_record(**record, error=error)


def posts_fail_missed(*, now: datetime | None = None, limit: int = RECOVERY_BATCH_SIZE) -> list[int]:
    """Fail the posts due for longer than PUBLISH_MISSED_TOLERANCE_SECONDS (error_code `missed`)."""
    now = now or timezone.now()
    tolerance = settings.PUBLISH_MISSED_TOLERANCE_SECONDS
    cutoff = now - timedelta(seconds=tolerance)
    failed = []
    for post_id, due_at in missed_posts(now=now).order_by("next_attempt_at", "id").values_list("pk", "next_attempt_at")[:limit]:
        # The same claim a worker makes: a worker or another beat racing for the post wins or loses it whole.
        if not transition_where(
            post_id=post_id, current=Status.SCHEDULED, to=Status.PUBLISHING, where={"next_attempt_at__lt": cutoff}, claimed_at=now
        ):
            continue
        attempt = PublishAttempt.objects.create(post_id=post_id, started_at=now)
        late = _duration(now - due_at)
        error = PublishError(
            ErrorKind.PERMANENT,
            f"Missed: this post was due at {due_at:%Y-%m-%d %H:%M} UTC but could not be published until "
            f"{late} later (the scheduler or the workers were down), beyond the {_duration(timedelta(seconds=tolerance))} "
            "allowed. It was not published; retry it to publish it now.",
            code="missed",
        )
        post_outcome_record(post_id=post_id, attempt=attempt, error=error)
        failed.append(post_id)
    if failed:
        logger.warning("Failed %d missed posts (due over %d s ago)", len(failed), tolerance)
    return failed


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
