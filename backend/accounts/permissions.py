"""Roles within organizations: who may read and who may change what.

Role rules live in one place per action: the service that carries the action out calls
`require_role` (so a task, command or admin action gets the same rule as the API). Views only
scope their querysets to the caller's organizations (`selectors.member_scope`): an object outside
them is a 404, and any member may read.
"""
from __future__ import annotations

from collections.abc import Iterable

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


__all__ = ["MANAGER_ROLES", "WRITER_ROLES", "org_roles", "require_role", "forget_org_roles"]
