"""Filters that name an object choose only among the caller's organizations' objects.

django-filter validates `?organization=<id>` and `?social_account=<id>` against every row of the
table: an id of another organization was a valid choice (200, nothing in it) while a missing id
was not (400), so ids of other shops could be told from ids that do not exist. Here the choices
are the caller's own (`member_scope`), and another organization's id is refused exactly like a
missing one.
"""
from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from .models import Organization
from .selectors import member_scope, organizations_of


class MemberFilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for name, filter_ in self.filters.items():
            if not isinstance(filter_, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)):
                continue
            model = self.queryset.model._meta.get_field(filter_.field_name).related_model if filter_.field_name else None
            if model is Organization:
                filter_.queryset = organizations_of(user) if user is not None else Organization.objects.none()
            elif model is not None and any(f.name == "organization" for f in model._meta.get_fields()):
                filter_.queryset = member_scope(model._default_manager.all(), user=user)


class MemberFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose generated filter sets (`filterset_fields`) are MemberFilterSets."""

    filterset_base = MemberFilterSet

    def filter_queryset(self, request, queryset, view):
        """A request that names none of the view's filters gets the queryset as it is, without
        building the filter set: its Django form deep-copies every field on each request, a tenth
        of an unfiltered 50-row list (bench/README.md). Any filter named takes the full path, so
        its validation (a 400 for a bad value) is unchanged."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(name in request.query_params for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)
