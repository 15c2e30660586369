from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from backend.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed

from .permissions import forget_org_roles, require_role

from .models import MANAGER_ROLES, Invite, Membership, Organization, Role, User, invite_token_hash, invite_token_new


@transaction.atomic
def user_signup(*, email: str, password: str, name: str = "", organization_name: str = "") -> tuple[User, Organization]:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed({"email": ["An account with this email address already exists."]})
    candidate = User(email=email, name=name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": list(exc.messages)}) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError:
        raise ValidationFailed({"email": ["An account with this email address already exists."]}) from None
    organization = organization_create(user=user, name=organization_name or f"{name or email.split('@')[0]}'s shop")
    return user, organization


@transaction.atomic
def organization_create(*, user: User, name: str, timezone: str = "UTC", **profile: str) -> Organization:
    """`profile`: phone, whatsapp, address (the posters' contact line)."""
    organization = Organization.objects.create(name=name, timezone=timezone, **profile)
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    forget_org_roles(user)
    return organization


def organization_update(*, organization: Organization, by: User, **fields) -> Organization:
    require_role(by, organization.pk, MANAGER_ROLES, action="change the organization")
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.save(update_fields=list(fields))
    return organization


def invite_create(*, organization: Organization, by: User, email: str, role: str) -> Invite:
    """A new invite; its token is on the returned instance (`invite.token`) this once, and only its hash is stored."""
    require_role(by, organization.pk, MANAGER_ROLES, action="invite members")
    if role == Role.OWNER and _role_of(by, organization) != Role.OWNER:
        raise PermissionDenied("Only an owner can invite another owner.")
    token, token_hash = invite_token_new()
    invite = Invite.objects.create(organization=organization, email=email.strip().lower(), role=role, invited_by=by, token_hash=token_hash)
    invite.token = token
    return invite


def invite_list(*, organization: Organization, by: User):
    require_role(by, organization.pk, MANAGER_ROLES, action="see invites")
    return Invite.objects.filter(organization=organization).order_by("-id")


def invite_revoke(*, organization: Organization, by: User, invite_id: int) -> None:
    require_role(by, organization.pk, MANAGER_ROLES, action="revoke invites")
    deleted, _ = Invite.objects.filter(organization=organization, pk=invite_id).delete()
    if not deleted:
        raise NotFound("No such invite.")


@transaction.atomic
def invite_accept(*, token: str, user: User) -> Membership:
    """Joins the organization the invite names, if `user` has the email it was sent to (403 otherwise)."""
    invite = Invite.objects.select_for_update().filter(token_hash=invite_token_hash(token)).select_related("organization").first()
    if invite is None:
        raise NotFound("No such invite.")
    if invite.email.strip().lower() != user.email.strip().lower():
        raise PermissionDenied(
            "This invite was sent to another email address: sign in with that address to accept it.", code="invite_email_mismatch"
        )
    if invite.accepted_at is not None:
        raise Conflict(detail="This invite has already been used.", code="invite_used")
    if invite.expires_at <= timezone.now():
        raise Conflict(detail="This invite has expired; ask for a new one.", code="invite_expired")
    if Membership.objects.filter(user=user, organization=invite.organization).exists():
        raise Conflict(detail="You are already a member of this organization.", code="already_member")
    membership = Membership.objects.create(user=user, organization=invite.organization, role=invite.role)
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    forget_org_roles(user)
    return membership


@transaction.atomic
def membership_update(*, organization: Organization, by: User, user_id: int, role: str) -> Membership:
    require_role(by, organization.pk, MANAGER_ROLES, action="change members' roles")
    membership = _membership_for_change(organization=organization, by=by, user_id=user_id)
    if role == Role.OWNER and _role_of(by, organization) != Role.OWNER:
        raise PermissionDenied("Only an owner can make someone an owner.")
    if membership.role == Role.OWNER and role != Role.OWNER:
        _ensure_another_owner(organization=organization, leaving=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, by: User, user_id: int) -> None:
    if by.pk != user_id:
        require_role(by, organization.pk, MANAGER_ROLES, action="remove members")
    membership = _membership_for_change(organization=organization, by=by, user_id=user_id)
    if membership.role == Role.OWNER:
        _ensure_another_owner(organization=organization, leaving=membership)
    membership.delete()


def _role_of(user: User, organization: Organization) -> str | None:
    return Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()


def _membership_for_change(*, organization: Organization, by: User, user_id: int) -> Membership:
    membership = Membership.objects.select_for_update().filter(organization=organization, user_id=user_id).first()
    if membership is None:
        raise NotFound("No such member.")
    if membership.role == Role.OWNER and by.pk != user_id and _role_of(by, organization) != Role.OWNER:
        raise PermissionDenied("An admin cannot change or remove an owner.")
    return membership


def _ensure_another_owner(*, organization: Organization, leaving: Membership) -> None:
    owners = list(
        Membership.objects.select_for_update().filter(organization=organization, role=Role.OWNER).values_list("pk", flat=True)
    )
    if owners == [leaving.pk]:
        raise Conflict(detail="An organization needs at least one owner: make someone else owner first.", code="last_owner")
