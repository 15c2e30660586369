"""The post state machine: the only place a post's status changes.

    draft ─► pending ─► scheduled ─► publishing ─► posted
      │         │          ▲  │           │
      │         └──────────┘  │           ├─► failed ─► scheduled (retry)
      └────────────────────────┘           └─► scheduled (automatic retry after a transient error)
    cancelled from draft, pending, scheduled and failed.

`scheduled → pending` happens when an editor changes an approved post: it needs approval again.
`scheduled → failed` is a missed post: found too late to publish (an outage outlasted the tolerance).
"""
from __future__ import annotations

from django.utils import timezone

from backend.core.exceptions import InvalidTransition as StateConflict
from backend.core.statements import update_sql

from .models import ScheduledPost

Status = ScheduledPost.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PENDING, Status.SCHEDULED, Status.CANCELLED}),
    Status.PENDING: frozenset({Status.SCHEDULED, Status.CANCELLED}),
    # scheduled → failed: missed, found too late to publish (an outage outlasted the tolerance).
    Status.SCHEDULED: frozenset({Status.PUBLISHING, Status.PENDING, Status.CANCELLED, Status.FAILED}),
    Status.PUBLISHING: frozenset({Status.POSTED, Status.FAILED, Status.SCHEDULED}),
    Status.FAILED: frozenset({Status.SCHEDULED, Status.CANCELLED}),
    Status.POSTED: frozenset(),
    Status.CANCELLED: frozenset(),
}

EDITABLE_STATUSES = (Status.DRAFT, Status.PENDING, Status.SCHEDULED, Status.FAILED)
CANCELLABLE_STATUSES = tuple(status for status, targets in TRANSITIONS.items() if Status.CANCELLED in targets)
PUBLISH_NOW_STATUSES = (Status.PENDING, Status.SCHEDULED, Status.FAILED)
FINAL_STATUSES = (Status.POSTED, Status.CANCELLED)


class InvalidTransition(StateConflict):
    """A post cannot make this move (a domain error: a 409 at the edge, plain in Celery code)."""

    def __init__(self, *, current: str, to: str, detail: str | None = None) -> None:
        super().__init__(current=current, to=to, detail=detail or f"A {current} post cannot become {to}.")


def can_transition(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def transition(post: ScheduledPost, *, to: str) -> None:
    """Move a loaded (and locked) post to `to`, or raise InvalidTransition (a 409)."""
    if not can_transition(post.status, to):
        raise InvalidTransition(current=post.status, to=to)
    post.status = to


def transition_where(*, post_id: int, current: str, to: str, where: dict | None = None, **fields) -> bool:
    """Compare-and-swap: move the post from `current` to `to` only if it is still `current`.

    Holds on SQLite too, where row locks do nothing: of two workers racing for one post, exactly
    one update matches. `where` adds conditions; `fields` are set with the status. Returns whether
    this caller won.
    """
    return _compare_and_swap(post_id=post_id, current=current, to=to, where=where).update(**_moved(to, fields)) == 1


def transition_where_sql(*, post_id: int, current: str, to: str, where: dict | None = None, **fields) -> tuple[str, tuple]:
    """`transition_where` as SQL, not executed: the publisher merges it into one statement with the
    writes that go with it (the attempt row; PostgreSQL, see core/statements.py)."""
    return update_sql(_compare_and_swap(post_id=post_id, current=current, to=to, where=where), **_moved(to, fields))


def _compare_and_swap(*, post_id: int, current: str, to: str, where: dict | None):
    if not can_transition(current, to):
        raise InvalidTransition(current=current, to=to)
    return ScheduledPost.objects.filter(pk=post_id, status=current, **(where or {}))


def _moved(to: str, fields: dict) -> dict:
    return {"status": to, "updated_at": timezone.now(), **fields}


def transition_all(queryset, *, current: str, to: str, **fields) -> int:
    """`transition_where` for every post of `queryset` still `current`, in one statement. Returns how many moved."""
    if not can_transition(current, to):
        raise InvalidTransition(current=current, to=to)
    return queryset.filter(status=current).update(status=to, updated_at=timezone.now(), **fields)
