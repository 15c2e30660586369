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
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backend.core.statements import columns, composable, db_values, instance_from_row, names
from backend.social.models import SocialAccount

from .models import PublishAttempt, ScheduledPost
from .transitions import Status, transition_where, transition_where_sql

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


def _claim_move(*, post_id: int, now: datetime, token: uuid.UUID) -> dict:
    """The claim's compare-and-swap: `scheduled → publishing` while due and within the tolerance."""
    tolerance = timedelta(seconds=settings.PUBLISH_MISSED_TOLERANCE_SECONDS)
    return dict(
        post_id=post_id, current=Status.SCHEDULED, to=Status.PUBLISHING,
        where={"next_attempt_at__lte": now, "next_attempt_at__gte": now - tolerance},
        claimed_at=now, heartbeat_at=now, claim_token=token,
    )


def claim_take(*, post_id: int, now: datetime) -> Claim | None:
    """Claim a due post for publishing, or None (taken, cancelled, not due, or past the tolerance)."""
    token = uuid.uuid4()
    if transition_where(**_claim_move(post_id=post_id, now=now, token=token)):
        return Claim(post_id=post_id, token=token)
    return None


def claim_take_for_publish(*, post_id: int, now: datetime) -> tuple[Claim, ScheduledPost, PublishAttempt] | None:
    """The worker's claim: claim the post, record the attempt (before any platform call) and load
    the post with its account; None if the claim is refused (see `claim_take`).

    On PostgreSQL this is one statement (one round trip, one commit): the claim's conditional
    UPDATE returning the claimed row, the attempt's INSERT for that row only, and the account
    joined. Elsewhere (SQLite) the same three steps run one after another.
    """
    token = uuid.uuid4()
    if not composable():
        claim = claim_take(post_id=post_id, now=now)
        if claim is None:
            return None
        post = ScheduledPost.objects.select_related("social_account").get(pk=post_id)
        return claim, post, PublishAttempt.objects.create(post=post, started_at=now)
    claim_sql, claim_params = transition_where_sql(**_claim_move(post_id=post_id, now=now, token=token))
    attempts = connection.ops.quote_name(PublishAttempt._meta.db_table)
    accounts = connection.ops.quote_name(SocialAccount._meta.db_table)
    sql = (
        f"WITH claimed AS ({claim_sql} RETURNING {columns(ScheduledPost)}), "
        f"attempt AS (INSERT INTO {attempts} (post_id, started_at, outcome, error_code, error_message) "
        f"SELECT id, %s, %s, '', '' FROM claimed RETURNING id) "
        f"SELECT {columns(ScheduledPost, 'claimed')}, attempt.id, {columns(SocialAccount, 'account')} "
        f"FROM claimed JOIN attempt ON TRUE JOIN {accounts} account ON account.id = claimed.social_account_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*claim_params, now, PublishAttempt.Outcome.IN_PROGRESS))
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(ScheduledPost._meta.concrete_fields)
    post = instance_from_row(ScheduledPost, row[:width])
    post.social_account = instance_from_row(SocialAccount, row[width + 1:])
    attempt = PublishAttempt(pk=row[width], post=post, started_at=now)
    attempt._state.adding = False
    return Claim(post_id=post_id, token=token), post, attempt


def claim_renew(claim: Claim, *, now: datetime | None = None) -> bool:
    """Renew the heartbeat while the claim is still this worker's; False (and `lost`) otherwise."""
    if claim.lost:
        return False
    table, heartbeat, pk, status, token = names(ScheduledPost, "heartbeat_at", "id", "status", "claim_token")
    params = db_values(ScheduledPost, heartbeat_at=now or timezone.now(), id=claim.post_id, status=Status.PUBLISHING, claim_token=claim.token)
    with connection.cursor() as cursor:  # the fence runs before every final platform call: no queryset to compile
        cursor.execute(f"UPDATE {table} SET {heartbeat} = %s WHERE {pk} = %s AND {status} = %s AND {token} = %s", params)
        updated = cursor.rowcount
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
    out). None if the worker renewed meanwhile, another beat took it over first, or another
    transaction holds the post's row.

    Never waits for that row: a worker frozen inside its outcome's transaction (SIGSTOP, a paused
    VM) holds it until it resumes or PostgreSQL ends its idle transaction
    (DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS); waiting would stall the whole dispatch tick, tick
    after tick, on every worker. The post is taken over on a later tick instead.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        stale = ScheduledPost.objects.select_for_update(skip_locked=True).filter(
            pk=post.pk, status=Status.PUBLISHING, claim_token=post.claim_token, heartbeat_at=post.heartbeat_at, claimed_at=post.claimed_at
        )
        updated = ScheduledPost.objects.filter(pk__in=stale.values("pk")).update(claim_token=token, heartbeat_at=now)
    return Claim(post_id=post.pk, token=token) if updated else None


class ClaimHeartbeat:
    """Keeps a claim renewed every PUBLISH_HEARTBEAT_SECONDS until the block ends.

    One thread per process renews every claim its publishes hold (`_Renewer`), so a publish costs
    no thread of its own; it touches the database only for a claim held longer than an interval
    (a publish shorter than that costs nothing), and closes its connection whenever it has no claim
    left to renew.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim

    def __enter__(self) -> "ClaimHeartbeat":
        _renewer().add(self.claim)
        return self

    def __exit__(self, *exc) -> None:
        # Never waits for a beat stuck on a database that does not answer: a late renewal after
        # the outcome matches no row.
        _renewer().discard(self.claim)


class _Renewer:
    """The process's heartbeat thread and the claims it renews (started on first use in the
    process that publishes, so prefork children never share their parent's)."""

    def __init__(self) -> None:
        self._claims: dict[int, tuple[Claim, float]] = {}  # id(claim) -> (claim, when last renewed, monotonic)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claim-heartbeats", daemon=True)
        self._thread.start()

    def add(self, claim: Claim) -> None:
        with self._lock:
            first = not self._claims
            self._claims[id(claim)] = (claim, time.monotonic())
        if first:  # the thread sleeps until there is something to renew (only then: no wake-up per publish)
            self._wake.set()

    def discard(self, claim: Claim) -> None:
        with self._lock:
            self._claims.pop(id(claim), None)

    def _due(self, interval: float) -> list[Claim]:
        now = time.monotonic()
        with self._lock:
            return [claim for claim, renewed in self._claims.values() if now - renewed >= interval]

    def _run(self) -> None:
        used_database = False
        while True:
            self._wake.clear()
            with self._lock:
                idle = not self._claims
            if idle:
                if used_database:  # nothing to renew: give the connection back
                    connection.close()
                    used_database = False
                self._wake.wait()
                continue
            interval = settings.PUBLISH_HEARTBEAT_SECONDS
            self._wake.wait(min(interval / 4, 1.0))
            for claim in self._due(interval):
                used_database = True
                try:
                    with claim._lock:
                        renewed = claim_renew(claim)
                except Exception:  # the database is down for a moment: try again next beat
                    logger.warning("Post %s: could not renew the claim", claim.post_id, exc_info=True)
                    connection.close()
                    continue
                with self._lock:
                    if id(claim) in self._claims:
                        if renewed:
                            self._claims[id(claim)] = (claim, time.monotonic())
                        else:
                            del self._claims[id(claim)]
                if not renewed:
                    logger.warning("Post %s: claim lost (taken over by recovery)", claim.post_id)


_renewers: dict[int, _Renewer] = {}
_renewers_lock = threading.Lock()


def _renewer() -> _Renewer:
    pid = os.getpid()
    renewer = _renewers.get(pid)
    if renewer is None:
        with _renewers_lock:
            renewer = _renewers.get(pid)
            if renewer is None:
                renewer = _renewers[pid] = _Renewer()
    return renewer
