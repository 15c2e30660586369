"""Query filters: search bounded to what a database query can carry; `?ordering=` one of the
view's `ordering_fields` (`-` for descending), anything else a 400, listed in the schema as an enum."""
from __future__ import annotations

from rest_framework import filters
from rest_framework.exceptions import ValidationError

SEARCH_MAX_CHARS = 200
SEARCH_MAX_TERMS = 10


class SearchFilter(filters.SearchFilter):
    """DRF's search, refusing a term list no one types: a 60,000-character term made SQLite's LIKE
    fail ("pattern too complex") and thousands of terms build a query deeper than it accepts."""

    def get_search_terms(self, request):
        raw = request.query_params.get(self.search_param, "")
        if len(raw) > SEARCH_MAX_CHARS:
            raise ValidationError({self.search_param: [f"At most {SEARCH_MAX_CHARS} characters."]})
        terms = super().get_search_terms(request)
        if len(terms) > SEARCH_MAX_TERMS:
            raise ValidationError({self.search_param: [f"At most {SEARCH_MAX_TERMS} words."]})
        return terms



class OrderingFilter(filters.OrderingFilter):
    def allowed(self, view, queryset=None) -> list[str]:
        queryset = queryset if queryset is not None else getattr(view, "queryset", None)
        fields = [name for name, _label in self.get_valid_fields(queryset, view, {"request": None})]
        return [value for name in fields for value in (name, f"-{name}")]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None or raw == "":
            return self.get_default_ordering(view)
        allowed = self.allowed(view, queryset)
        if raw not in allowed:
            raise ValidationError({self.ordering_param: [f"Choose one of: {', '.join(allowed)}."]})
        return [raw]  # as DRF's: ties are broken by the model's ordering (and the cursor's keyset)

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "ordering_fields", None):
            return []
        return [
            {
                "name": self.ordering_param, "required": False, "in": "query",
                "description": "Sort by this field (`-` first for descending).",
                "schema": {"type": "string", "enum": self.allowed(view)},
            }
        ]
