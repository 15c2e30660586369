from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from backend.core.exceptions import ValidationFailed

from .permissions import org_roles, require_role

from .models import Organization, User


def member_scope(queryset: QuerySet, *, user: User | None, via: str = "organization") -> QuerySet:
    """The rows of `queryset` that belong to one of `user`'s organizations: the one membership filter.

    `via` is the lookup path from the queryset's model to its Organization ("organization",
    "social_account__organization", or "" for Organization itself). Anonymous: nothing.

    The filter is `organization_id IN (the caller's ids)`, the ids read once per request
    (`org_roles`), not a join through memberships: the planner then sees the organization and
    walks an `(organization_id, ...)` index in order (a 50-row page of a 100k-post organization
    reads 50 rows, not 100k), and no row can repeat.
    """
    if user is None or not user.is_authenticated:
        return queryset.none()
    ids = sorted(org_roles(user))
    return queryset.filter(**{f"{via}__in" if via else "pk__in": ids})


def organizations_of(user: User) -> QuerySet[Organization]:
    return member_scope(Organization.objects.all(), user=user, via="")


def organization_for_write(
    *, user: User, organization: Organization | None, roles: Iterable[str], action: str = "create this"
) -> Organization:
    """The organization a create request acts in: the one named, or the caller's only one."""
    if organization is None:
        mine = list(org_roles(user))
        if len(mine) != 1:
            raise ValidationFailed({"organization": ["You belong to several organizations: say which one."]})
        organization = Organization.objects.get(pk=mine[0])
    require_role(user, organization.pk, roles, action=action)
    return organization
