from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from backend.core.permissions import org_roles, require_role

from .models import Organization, User


def organizations_of(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user)


def organization_for_write(
    *, user: User, organization: Organization | None, roles: Iterable[str], action: str = "create this"
) -> Organization:
    """The organization a create request acts in: the one named, or the caller's only one."""
    if organization is None:
        mine = list(org_roles(user))
        if len(mine) != 1:
            raise ValidationError({"organization": ["You belong to several organizations: say which one."]})
        organization = Organization.objects.get(pk=mine[0])
    require_role(user, organization.pk, roles, action=action)
    return organization
