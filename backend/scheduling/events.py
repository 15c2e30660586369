"""Webhook events about posts, written to the outbox in the transaction that records the change."""
from __future__ import annotations

from backend.accounts.webhooks import webhook_emit
from backend.social.platforms.base import ErrorKind, PublishError

from .models import ScheduledPost
from .serializers import PostOutput

Status = ScheduledPost.Status


def post_event_emit(*, post: ScheduledPost, event: str, endpoints_exist: bool | None = None) -> None:
    webhook_emit(organization_id=post.organization_id, event=event, data=lambda: PostOutput(post).data, endpoints_exist=endpoints_exist)


def post_outcome_events(*, post: ScheduledPost, error: PublishError | None = None, endpoints_exist: bool | None = None) -> None:
    """After a publish outcome is recorded: `post.posted`, or `post.failed` (plus
    `post.needs_attention` when the platform may have the post and a person must check).
    `endpoints_exist`: see `webhook_emit`."""
    if post.status == Status.POSTED:
        post_event_emit(post=post, event="post.posted", endpoints_exist=endpoints_exist)
    elif post.status == Status.FAILED:
        post_event_emit(post=post, event="post.failed", endpoints_exist=endpoints_exist)
        if error is not None and error.kind == ErrorKind.UNCONFIRMED:
            post_event_emit(post=post, event="post.needs_attention", endpoints_exist=endpoints_exist)
