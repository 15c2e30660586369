"""Search bounded to what a database query can carry."""
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
