"""Fenced, heartbeated claims: the only way a worker (or recovery) may act on a post in `publishing`.

A claim is taken with one conditional UPDATE (`scheduled → publishing`, only while the post is due
and not past the missed tolerance) and carries a fresh token. While the worker works, a thread
renews the claim (`heartbeat_at`) every PUBLISH_HEARTBEAT_SECONDS with a conditional UPDATE on the
token, also while the worker waits on a platform call, an upload or a poll. Immediately before the
final, non-idempotent platform call the worker renews it once more, synchronously (`fence`): a
worker that lost its claim raises ClaimLost there and never calls the platform.

Recovery takes over a claim whose heartbeat is older than PUBLISH_HEARTBEAT_TIMEOUT_SECONDS by
replacing its token (one conditional UPDATE on the old token and heartbeat). From then on the old
worker, if it was only frozen (SIGSTOP, a paused VM, a long GC) and resumes, fails its next fence
and renewal. What remains is the gap between a fence that passed and the request actually leaving
the machine: a worker frozen exactly there for longer than the timeout, whose post the platform
does not show yet when recovery asks, can still publish after recovery re-published the post.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ScheduledPost
from .transitions import Status, transition_where

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """The worker no longer holds its claim: recovery took the post over (its heartbeat was late)."""


@dataclass
class Claim:
    post_id: int
    token: uuid.UUID
    lost: bool = False
    final_call_started: bool = False  # the fence passed: the platform may have been called
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def claim_take(*, post_id: int, now: datetime) -> Claim | None:
    """Claim a due post for publishing, or None (taken, cancelled, not due, or past the tolerance)."""
    token = uuid.uuid4()
    tolerance = timedelta(seconds=settings.PUBLISH_MISSED_TOLERANCE_SECONDS)
    if transition_where(
        post_id=post_id, current=Status.SCHEDULED, to=Status.PUBLISHING,
        where={"next_attempt_at__lte": now, "next_attempt_at__gte": now - tolerance},
        claimed_at=now, heartbeat_at=now, claim_token=token,
    ):
        return Claim(post_id=post_id, token=token)
    return None


def claim_renew(claim: Claim, *, now: datetime | None = None) -> bool:
    """Renew the heartbeat while the claim is still this worker's; False (and `lost`) otherwise."""
    if claim.lost:
        return False
    updated = ScheduledPost.objects.filter(pk=claim.post_id, status=Status.PUBLISHING, claim_token=claim.token).update(
        heartbeat_at=now or timezone.now()
    )
    if not updated:
        claim.lost = True
    return bool(updated)


def claim_fence(claim: Claim) -> None:
    """Right before the final platform call: renew synchronously, or raise ClaimLost."""
    with claim._lock:
        if not claim_renew(claim):
            raise ClaimLost(f"Post {claim.post_id}: the claim was taken over; the platform was not called.")
        claim.final_call_started = True


def claim_take_over(*, post: ScheduledPost, now: datetime) -> Claim | None:
    """Recovery: replace the token of a claim whose heartbeat is past the timeout (fencing its worker
    out). None if the worker renewed meanwhile, or another beat took it over first."""
    token = uuid.uuid4()
    updated = ScheduledPost.objects.filter(
        pk=post.pk, status=Status.PUBLISHING, claim_token=post.claim_token, heartbeat_at=post.heartbeat_at, claimed_at=post.claimed_at
    ).update(claim_token=token, heartbeat_at=now)
    return Claim(post_id=post.pk, token=token) if updated else None


class ClaimHeartbeat:
    """Renews a claim from a thread every PUBLISH_HEARTBEAT_SECONDS until the block ends.

    The thread touches the database only when a beat is due (a publish shorter than one interval
    costs nothing) and closes its own connection when it stops.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"claim-heartbeat-{claim.post_id}", daemon=True)

    def __enter__(self) -> "ClaimHeartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # Never wait long for a beat stuck on a database that does not answer: the thread is a
        # daemon and ends by itself, and a late renewal after the outcome matches no row.
        self._stop.set()
        self._thread.join(timeout=0.5)

    def _run(self) -> None:
        used_database = False
        try:
            while not self._stop.wait(settings.PUBLISH_HEARTBEAT_SECONDS):
                used_database = True
                try:
                    with self.claim._lock:
                        if not claim_renew(self.claim):
                            logger.warning("Post %s: claim lost (taken over by recovery)", self.claim.post_id)
                            return
                except Exception:  # the database is down for a moment: try again next beat
                    logger.warning("Post %s: could not renew the claim", self.claim.post_id, exc_info=True)
                    connection.close()
        finally:
            if used_database:
                connection.close()
