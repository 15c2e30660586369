"""Writes on scheduled posts. Every status change goes through `transitions.transition`."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import MANAGER_ROLES, WRITER_ROLES, Organization, User
from backend.assets.models import MediaAsset
from backend.accounts.permissions import org_roles, require_role
from backend.core import task_names
from backend.core.exceptions import ValidationFailed
from backend.core.queue import task_enqueue
from backend.social import services as social_services
from backend.social.accounts import account_can_publish, account_cannot_publish_message
from backend.social.checks import post_content_check
from backend.social.models import SocialAccount
from backend.social.platforms.registry import get_service

from .models import PostSeries, ScheduledPost
from .slots import slot_take
from .transitions import EDITABLE_STATUSES, PUBLISH_NOW_STATUSES, InvalidTransition, Status, transition

# Fields a client may change on an editable post.
EDITABLE_FIELDS = (
    "social_account", "caption", "hashtags", "asset", "scheduled_time", "timezone", "max_retries", "metadata", "first_comment",
)


def _check_targets(*, organization: Organization | None, social_account: SocialAccount, asset: MediaAsset | None) -> Organization:
    if organization is not None and social_account.organization_id != organization.pk:
        raise ValidationFailed({"social_account": ["This account belongs to another organization."]})
    _require_publishable(social_account)
    if asset is not None and asset.organization_id != social_account.organization_id:
        raise ValidationFailed({"asset_id": ["This media belongs to another organization."]})
    return social_account.organization


def _require_publishable(account: SocialAccount) -> None:
    if not account_can_publish(account):
        raise ValidationFailed({"social_account": [account_cannot_publish_message(account)]})


def _check_content(
    *, social_account: SocialAccount, caption: str, hashtags: list[str], asset: MediaAsset | None, metadata: dict | None = None
) -> None:
    if not caption.strip() and not hashtags and asset is None:
        raise ValidationFailed({"caption": ["A post needs a caption, hashtags or an image."]})
    post_content_check(
        platform=social_account.platform, caption=caption, hashtags=hashtags, asset=asset, metadata=metadata, account=social_account
    )


def _check_first_comment(*, social_account: SocialAccount, first_comment: str) -> None:
    if first_comment.strip() and not get_service(social_account.platform).supports_first_comment:
        raise ValidationFailed({"first_comment": [f"{get_service(social_account.platform).name} posts cannot have a first comment."]})


# Shared with series.py and imports.py: one place checks a post's targets and content.
check_targets = _check_targets
check_content = _check_content


def _initial_status(*, user: User, organization: Organization, draft: bool) -> str:
    if draft:
        return Status.DRAFT
    return Status.SCHEDULED if org_roles(user).get(organization.pk) in MANAGER_ROLES else Status.PENDING


def post_build(
    *,
    by: User,
    social_account: SocialAccount,
    scheduled_time: datetime,
    caption: str = "",
    hashtags: list[str] | None = None,
    asset: MediaAsset | None = None,
    timezone_name: str = "",
    organization: Organization | None = None,
    draft: bool = False,
    max_retries: int | None = None,
    metadata: dict[str, Any] | None = None,
    group_id: uuid.UUID | None = None,
    first_comment: str = "",
    series: PostSeries | None = None,
    occurrence_time: datetime | None = None,
) -> ScheduledPost:
    """A checked, unsaved post (see `post_create`); CSV import saves many at once."""
    hashtags = hashtags or []
    organization = _check_targets(organization=organization, social_account=social_account, asset=asset)
    require_role(by, organization.pk, WRITER_ROLES, action="create posts")
    _check_first_comment(social_account=social_account, first_comment=first_comment)
    _check_content(social_account=social_account, caption=caption, hashtags=hashtags, asset=asset, metadata=metadata)
    status = _initial_status(user=by, organization=organization, draft=draft)
    post = ScheduledPost(
        organization=organization,
        social_account=social_account,
        platform=social_account.platform,
        caption=caption,
        hashtags=hashtags,
        asset=asset,
        scheduled_time=scheduled_time,
        next_attempt_at=scheduled_time,
        timezone=timezone_name,
        status=status,
        created_by=by,
        approved_by=by if status == Status.SCHEDULED else None,
        metadata=metadata or {},
        group_id=group_id,
        first_comment=first_comment,
        series=series,
        occurrence_time=occurrence_time,
    )
    if max_retries is not None:
        post.max_retries = max_retries
    return post


@transaction.atomic
def post_create(*, by: User, social_account: SocialAccount, scheduled_time: datetime, **fields) -> ScheduledPost:
    """Check and create one post: owners and admins schedule it, editors' posts wait for approval."""
    post = post_build(by=by, social_account=social_account, scheduled_time=scheduled_time, **fields)
    post.save()
    return post


def post_variant_fields(*, social_account: SocialAccount, fields: dict[str, Any], variants: dict[str, dict]) -> dict[str, Any]:
    """One account's fields in a multi-account post: field by field, the account's variant, else
    its platform's, else the shared fields."""
    return {**fields, **variants.get(social_account.platform, {}), **variants.get(str(social_account.pk), {})}


@transaction.atomic
def post_bulk_create(
    *, by: User, social_accounts: list[SocialAccount], variants: dict[str, dict] | None = None, **fields
) -> tuple[uuid.UUID, list[ScheduledPost]]:
    """One post per account: all are created, or none.

    `variants` maps an account id (as a string) or a platform to the fields that differ there
    (caption, hashtags, asset, first_comment); field by field, the account's variant wins over its
    platform's, which wins over the shared fields. Every post passes its platform's preflight.
    """
    if len({account.pk for account in social_accounts}) != len(social_accounts):
        raise ValidationFailed({"social_accounts": ["Each account may appear only once."]})
    variants = variants or {}
    group_id = uuid.uuid4()
    posts = []
    for index, account in enumerate(social_accounts):
        own = post_variant_fields(social_account=account, fields=fields, variants=variants)
        try:
            posts.append(post_create(by=by, social_account=account, group_id=group_id, **own))
        except ValidationFailed as exc:
            raise ValidationFailed({"social_accounts": {str(index): exc.errors}}) from None
    return group_id, posts


def _lock(post: ScheduledPost) -> ScheduledPost:
    return ScheduledPost.objects.select_for_update(of=("self",)).select_related("social_account", "asset").get(pk=post.pk)


@transaction.atomic
def post_update(*, post: ScheduledPost, by: User, **changes) -> ScheduledPost:
    post = _lock(post)
    require_role(by, post.organization_id, WRITER_ROLES, action="edit posts")
    if post.status not in EDITABLE_STATUSES:
        raise InvalidTransition(current=post.status, to=post.status, detail=f"A {post.status} post can no longer be edited.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(post, name, value)
    _check_targets(organization=post.organization, social_account=post.social_account, asset=post.asset)
    _check_content(social_account=post.social_account, caption=post.caption, hashtags=post.hashtags, asset=post.asset, metadata=post.metadata)
    _check_first_comment(social_account=post.social_account, first_comment=post.first_comment)
    post.platform = post.social_account.platform
    if "scheduled_time" in changes:
        post.next_attempt_at = post.scheduled_time
        post.dispatched_at = None
    if post.status == Status.SCHEDULED and org_roles(by).get(post.organization_id) not in MANAGER_ROLES:
        transition(post, to=Status.PENDING)  # an editor's change needs approval again
        post.approved_by = None
    post.save()
    return post


@transaction.atomic
def post_cancel(*, post: ScheduledPost, by: User, reason: str = "") -> ScheduledPost:
    post = _lock(post)
    require_role(by, post.organization_id, WRITER_ROLES, action="cancel posts")
    transition(post, to=Status.CANCELLED)
    post.error_code = "cancelled"
    post.error_message = reason or f"Cancelled by {by.email}."
    post.save(update_fields=["status", "error_code", "error_message", "updated_at"])
    return post


@transaction.atomic
def post_submit(*, post: ScheduledPost, by: User) -> ScheduledPost:
    """A draft goes for approval (editors) or straight to the schedule (owners and admins)."""
    post = _lock(post)
    require_role(by, post.organization_id, WRITER_ROLES, action="submit posts")
    if post.status != Status.DRAFT:
        raise InvalidTransition(current=post.status, to=Status.PENDING, detail="Only a draft can be submitted.")
    if post.scheduled_time <= timezone.now():
        raise ValidationFailed({"scheduled_time": ["The scheduled time has passed: choose a time in the future first."]})
    target = _initial_status(user=by, organization=post.organization, draft=False)
    transition(post, to=target)
    post.approved_by = by if target == Status.SCHEDULED else None
    post.next_attempt_at = post.scheduled_time
    post.save(update_fields=["status", "approved_by", "next_attempt_at", "updated_at"])
    return post


@transaction.atomic
def post_approve(*, post: ScheduledPost, by: User) -> ScheduledPost:
    post = _lock(post)
    require_role(by, post.organization_id, MANAGER_ROLES, action="approve posts")
    if post.status != Status.PENDING:
        raise InvalidTransition(current=post.status, to=Status.SCHEDULED, detail=f"Only a pending post can be approved; this one is {post.status}.")
    transition(post, to=Status.SCHEDULED)
    post.approved_by = by
    post.next_attempt_at = max(post.scheduled_time, timezone.now())
    post.dispatched_at = None
    post.save(update_fields=["status", "approved_by", "next_attempt_at", "dispatched_at", "updated_at"])
    return post


@transaction.atomic
def post_retry(*, post: ScheduledPost, by: User, scheduled_time: datetime | None = None) -> ScheduledPost:
    post = _lock(post)
    require_role(by, post.organization_id, MANAGER_ROLES, action="retry posts")
    if post.status != Status.FAILED:
        raise InvalidTransition(current=post.status, to=Status.SCHEDULED, detail=f"Only a failed post can be retried; this one is {post.status}.")
    _require_publishable(post.social_account)
    transition(post, to=Status.SCHEDULED)
    post.scheduled_time = scheduled_time or timezone.now() + timedelta(minutes=1)
    _reset_for_publishing(post, by=by)
    post.save()
    return post


@transaction.atomic
def post_publish_now(*, post: ScheduledPost, by: User) -> ScheduledPost:
    """Make the post due now and hand it to a worker at once. If the task queue does not answer,
    the post stays saved and due now, not handed out, so beat's next dispatch tick after the queue
    answers again hands it out (one answer a client can rely on: 202, the post is due now)."""
    post = _lock(post)
    require_role(by, post.organization_id, MANAGER_ROLES, action="publish posts")
    if post.status not in PUBLISH_NOW_STATUSES:
        raise InvalidTransition(current=post.status, to=Status.SCHEDULED, detail=f"A {post.status} post cannot be published now.")
    _require_publishable(post.social_account)
    if post.status != Status.SCHEDULED:
        transition(post, to=Status.SCHEDULED)
    post.scheduled_time = timezone.now()
    _reset_for_publishing(post, by=by)
    post.dispatched_at = post.scheduled_time
    post.save()
    task_enqueue(task_names.PUBLISH_POST, post.pk, on_unavailable=lambda: _leave_to_dispatcher(post))
    return post


def _leave_to_dispatcher(post: ScheduledPost) -> None:
    """The queue did not take the post: not handed out after all, so the next dispatch tick does."""
    ScheduledPost.objects.filter(pk=post.pk, status=Status.SCHEDULED, dispatched_at=post.dispatched_at).update(dispatched_at=None)
    post.dispatched_at = None


def _reset_for_publishing(post: ScheduledPost, *, by: User) -> None:
    post.next_attempt_at = post.scheduled_time
    post.dispatched_at = None
    post.retry_count = 0
    post.error_code = ""
    post.error_message = ""
    post.approved_by = post.approved_by or by


@transaction.atomic
def social_account_disconnect(*, account: SocialAccount, by: User) -> SocialAccount:
    """Disconnect an account (social's service) and cancel what it still had to publish."""
    account, disconnected_now = social_services.social_account_disconnect(account=account, by=by)
    if disconnected_now:
        posts_cancel_for_account(account=account, reason=f"The {account.platform} account {account.handle} was disconnected.")
    return account


@transaction.atomic
def posts_cancel_for_account(*, account: SocialAccount, reason: str) -> int:
    """Cancel every post of a disconnected account that was still to be published."""
    cancelled = 0
    for post in ScheduledPost.objects.select_for_update().filter(
        social_account=account, status__in=(Status.DRAFT, Status.PENDING, Status.SCHEDULED, Status.FAILED)
    ):
        transition(post, to=Status.CANCELLED)
        post.error_code = "account_disconnected"
        post.error_message = reason
        post.save(update_fields=["status", "error_code", "error_message", "updated_at"])
        cancelled += 1
    return cancelled


@transaction.atomic
def post_create_queued(*, by: User, social_account: SocialAccount, timezone_name: str = "", **fields) -> ScheduledPost:
    """A post in the account's next free slot, taken atomically (see slots.py)."""
    _check_targets(organization=fields.get("organization"), social_account=social_account, asset=fields.get("asset"))
    require_role(by, social_account.organization_id, WRITER_ROLES, action="create posts")
    scheduled_time, slots_timezone = slot_take(social_account=social_account)
    return post_create(
        by=by, social_account=social_account, scheduled_time=scheduled_time, timezone_name=timezone_name or slots_timezone, **fields
    )
