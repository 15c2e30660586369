"""Roles within organizations: who may read and who may change what."""
from __future__ import annotations

from collections.abc import Iterable

from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from backend.core.exceptions import PermissionDenied

from .models import MANAGER_ROLES, WRITER_ROLES, Membership


def org_roles(user) -> dict[int, str]:
    """The caller's role in each of their organizations, read once per request."""
    if not user or not user.is_authenticated:
        return {}
    cached = getattr(user, "_postloom_org_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
        user._postloom_org_roles = cached
    return cached


def forget_org_roles(user) -> None:
    if hasattr(user, "_postloom_org_roles"):
        del user._postloom_org_roles


def require_role(user, organization_id: int, roles: Iterable[str], *, action: str = "do this") -> None:
    role = org_roles(user).get(organization_id)
    if role not in roles:
        raise PermissionDenied(f"Your role in this organization does not allow you to {action}.")


class OrganizationRole(IsAuthenticated):
    """Object-level role check: members read; `view.write_roles` (per action) change.

    The queryset is already scoped to the caller's organizations, so an object outside them is a
    404 before this runs. `view.action_roles` may name the roles for particular actions.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        organization_id = obj.organization_id
        roles = getattr(view, "action_roles", {}).get(view.action)
        if roles is None:
            roles = None if request.method in SAFE_METHODS else WRITER_ROLES
        if roles is not None:
            require_role(request.user, organization_id, roles, action=_describe(view.action))
        return True


def _describe(action: str | None) -> str:
    return {
        "approve": "approve posts",
        "publish_now": "publish posts",
        "destroy": "delete this",
        "partial_update": "edit this",
        "update": "edit this",
    }.get(action or "", action.replace("_", " ") if action else "do this")


__all__ = ["MANAGER_ROLES", "WRITER_ROLES", "OrganizationRole", "org_roles", "require_role", "forget_org_roles"]
