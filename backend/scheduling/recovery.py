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
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.social.platforms.base import ErrorKind, PublicationUnknown, PublishError, PublishResult
from backend.social.platforms.registry import get_service
from backend.social.services import credentials_for
from backend.social.text import compose

from .models import PublishAttempt, ScheduledPost
from .transitions import Status, transition, transition_where

logger = logging.getLogger(__name__)

# A post whose worker keeps dying (e.g. it runs out of memory on this post) stops being retried.
MAX_LEASE_RECOVERIES = 3
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
        try:
            found = get_service(post.platform).find_publication(
                credentials=credentials_for(post.social_account),
                post_id=post.pk,
                state=dict(post.publish_state),
                text=compose(post.caption, post.hashtags),
            )
        except PublicationUnknown as exc:
            unknown = str(exc)
        except PublishError as error:
            if error.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED):
                logger.warning("Post %s: cannot look it up on %s yet (%s); next tick", post_id, post.platform, error.code)
                return "skipped"
            unknown = error.message
    return _settle(post_id=post_id, claimed_at=claimed_at, attempt=attempt, found=found, unknown=unknown, now=now)


def _interrupted_attempt(post: ScheduledPost) -> PublishAttempt | None:
    """The attempt of the current claim still in progress (None: the worker died before it)."""
    attempts = post.attempts.filter(outcome=Outcome.IN_PROGRESS)
    if post.claimed_at is not None:
        attempts = attempts.filter(started_at__gte=post.claimed_at)
    return attempts.order_by("-id").first()


@transaction.atomic
def _settle(
    *,
    post_id: int,
    claimed_at: datetime | None,
    attempt: PublishAttempt | None,
    found: PublishResult | None,
    unknown: str,
    now: datetime,
) -> str:
    post = ScheduledPost.objects.select_for_update().get(pk=post_id)
    if post.status != Status.PUBLISHING or post.claimed_at != claimed_at:
        return "skipped"  # settled meanwhile (a late worker, or another beat)
    lease = settings.PUBLISH_LEASE_SECONDS
    if attempt is None:
        attempt = PublishAttempt(post=post, started_at=claimed_at or now)
    attempt.finished_at = now
    if found is not None:
        attempt.outcome = Outcome.SUCCESS
        attempt.error_code = "recovered"
        attempt.error_message = (
            f"The worker stopped without recording the result; {post.platform} has the post ({found.external_id})."
        )
        transition(post, to=Status.POSTED)
        post.external_post_id = found.external_id
        post.permalink = found.permalink[:500]
        post.posted_at = now
        post.error_code = ""
        post.error_message = ""
    elif unknown:
        attempt.outcome = Outcome.UNCONFIRMED
        attempt.error_code = "lease_expired"
        attempt.error_message = unknown
        transition(post, to=Status.FAILED)
        post.error_code = "lease_expired"
        post.error_message = (
            f"The worker publishing this post stopped answering (no result after {lease} s), and "
            f"{post.platform} cannot tell whether it received the post ({unknown}). Verify on the "
            "platform before retrying, so it is not published twice."
        )
    else:
        recoveries = post.metadata.get("lease_recoveries", 0) + 1
        post.metadata = {**post.metadata, "lease_recoveries": recoveries}
        attempt.outcome = Outcome.TRANSIENT
        attempt.error_code = "lease_expired"
        attempt.error_message = f"The worker stopped before sending the post to {post.platform}; nothing was published."
        post.error_code = "lease_expired"
        if recoveries > MAX_LEASE_RECOVERIES:
            post.error_message = (
                f"The worker publishing this post stopped {recoveries} times before sending it; "
                "nothing was published. Retry the post once the workers are healthy."
            )
            transition(post, to=Status.FAILED)
        else:
            post.error_message = "The worker publishing this post stopped before sending it; publishing it again now."
            post.next_attempt_at = now
            post.dispatched_at = None
            post.claimed_at = None
            transition(post, to=Status.SCHEDULED)
    attempt.save()
    post.save()
    logger.warning("Recovered stuck post %s: %s (%s)", post_id, post.status, attempt.error_code)
    return post.status


def posts_fail_missed(*, now: datetime | None = None, limit: int = RECOVERY_BATCH_SIZE) -> list[int]:
    """Fail the posts due for longer than PUBLISH_MISSED_TOLERANCE_SECONDS (error_code `missed`)."""
    from .publishing import _record_failure

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
        _record_failure(post_id=post_id, attempt=attempt, error=error)
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
