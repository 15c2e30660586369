"""List pagination: page numbers for existing clients, a keyset cursor for speed at any depth.

- `?page=N&page_size=M` (the default): `{"count", "count_capped", "next", "previous", "results"}`.
  Counting every row of a large list costs more than fetching the page, so the count is exact up
  to `PAGE_COUNT_CAP` rows (or up to the end of the requested page, if that is further) and
  capped there: `count_capped` is true when more rows exist than `count` says.
- `?cursor=` (empty for the first page) with `page_size`: `{"next", "previous", "results"}`, no
  count. `next`/`previous` carry an opaque cursor that holds the last (or first) row's ordering
  values, so every page is one index range scan (`WHERE (a, b, id) > (x, y, z) ... LIMIT M`)
  however deep it is, and rows inserted meanwhile never shift a page. The order is the list's
  (`?ordering=` included), made total by the model's default ordering and the primary key. A
  cursor from another ordering, or one that does not decode, is a 400.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


# From this offset on, a page's ids are found first (see CappedCountPaginator.page).
DEFERRED_PAGE_OFFSET = 1000


class CappedCountPaginator(DjangoPaginator):
    """A Django paginator that counts at most `limit + 1` rows (`limit` = the cap, or the end of
    the requested page when that is further), in one `COUNT(*)` over a `LIMIT`ed subquery."""

    def __init__(self, object_list, per_page, *, cap: int, needed: int = 0, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.limit = max(cap, needed)

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.limit + 1].count()
        return len(self.object_list)

    def page(self, number):
        """Django's `page`, except that a deep page (past DEFERRED_PAGE_OFFSET rows) first finds its
        rows' ids (`ORDER BY ... OFFSET n LIMIT m` over the ids alone: an index-only scan when an
        index serves the filter and ordering) and then reads just those rows, instead of reading
        and discarding every row before it."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if isinstance(rows, QuerySet) and bottom >= DEFERRED_PAGE_OFFSET:
            return self._get_page(rows.filter(pk__in=rows.values("pk")[bottom:top]), number, self)
        return self._get_page(rows[bottom:top], number, self)

    @property
    def capped(self) -> bool:
        return self.count > self.limit

    @property
    def shown_count(self) -> int:
        return min(self.count, self.limit)


class PageNumberPagination(BasePageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_param = "cursor"

    def get_page_size(self, request):
        """1 to 100 (default 20): a page size outside the bounds is a 400, not silently changed."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"A page size is a whole number from 1 to {self.max_page_size}."]})
        return size

    # --- Dispatch -------------------------------------------------------------------------
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.cursor_mode = self.cursor_query_param in request.query_params
        if self.cursor_mode:
            return self._paginate_cursor(queryset, request, view)
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        needed = int(raw) * page_size if raw.isdigit() and len(raw) < 10 and page_size else 0
        self.django_paginator_class = partial(CappedCountPaginator, cap=settings.PAGE_COUNT_CAP, needed=needed)
        return super().paginate_queryset(total_order(queryset), request, view)

    def get_paginated_response(self, data):
        if self.cursor_mode:
            return Response({"next": self._next_link, "previous": self._previous_link, "results": data})
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_capped": paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    # --- Keyset cursor --------------------------------------------------------------------
    def _paginate_cursor(self, queryset: QuerySet, request, view) -> list:
        page_size = self.get_page_size(request)
        ordering = keyset_ordering(queryset)
        raw = request.query_params.get(self.cursor_query_param, "")
        position, backwards = decode_cursor(raw, ordering=ordering, model=queryset.model) if raw else (None, False)
        order = [flip(term) for term in ordering] if backwards else ordering
        rows = queryset.order_by(*order)
        if position is not None:
            rows = rows.filter(keyset_after(order, position))
        rows = list(rows[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size]
        if backwards:
            rows.reverse()
        # Forward: a next page exists if a row beyond this page was found; a previous one if we
        # came here from a cursor. Backwards: the reverse.
        has_next, has_previous = (position is not None, more) if backwards else (more, position is not None)
        url = remove_query_param(request.build_absolute_uri(), self.cursor_query_param)
        self._next_link = (
            replace_query_param(url, self.cursor_query_param, encode_cursor(rows[-1], ordering, backwards=False))
            if has_next and rows else None
        )
        self._previous_link = (
            replace_query_param(url, self.cursor_query_param, encode_cursor(rows[0], ordering, backwards=True))
            if has_previous and rows else None
        )
        if has_previous and not rows and position is not None:  # ran past the end: offer the way back
            self._previous_link = replace_query_param(url, self.cursor_query_param, "")
        return rows

    # --- Schema (drf-spectacular reads these two hooks) ------------------------------------
    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Rows in the list, exact up to the cap (absent with `cursor`).",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": "True when the list has more rows than `count` (absent with `cursor`).",
                },
                "next": {"type": ["string", "null"], "format": "uri", "description": "The next page; null on the last."},
                "previous": {"type": ["string", "null"], "format": "uri", "description": "The previous page; null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param, "required": False, "in": "query",
                "description": "A page number (from 1).", "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param, "required": False, "in": "query",
                "description": f"Results per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pagination: empty for the first page, then the cursor in `next`/`previous`. "
                    "Fast at any depth; the response has no `count`. Ignores `page`."
                ),
                "schema": {"type": "string"},
            },
        ]


# --- Keyset helpers ------------------------------------------------------------------------
def flip(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


def keyset_ordering(queryset: QuerySet) -> list[str]:
    """The queryset's ordering made total: its own terms, then the model's default ordering, then
    the pk. Terms added after a descending one are descending too, so `-x` is exactly the reverse
    of `x` (and one index serves both, scanned backwards). Only local concrete fields can key a
    cursor: another ordering is a 400."""
    model = queryset.model
    pk = model._meta.pk.name
    requested = [term for term in (queryset.query.order_by or ()) if isinstance(term, str)]
    descending = bool(requested) and requested[-1].startswith("-")
    fill = [flip(term) if descending else term for term in (model._meta.ordering or ()) if isinstance(term, str)]
    terms: list[str] = []
    seen: set[str] = set()
    for index, term in enumerate([*requested, *fill, "-pk" if descending else "pk"]):
        name = term.lstrip("-")
        name = pk if name == "pk" else name
        if name in seen:
            continue
        try:
            if "__" in name:
                raise FieldDoesNotExist(name)
            field = model._meta.get_field(name)
            if not field.concrete or field.null:
                raise FieldDoesNotExist(name)
        except FieldDoesNotExist:
            if index < len(requested):
                raise ValidationError({"cursor": [f"Cursor pages cannot follow the ordering '{term}': use page numbers."]}) from None
            continue
        terms.append(("-" if term.startswith("-") else "") + name)
        seen.add(name)
        if name == pk:
            break
    return terms


def total_order(queryset: QuerySet) -> QuerySet:
    """Page numbers over the cursor's total order (ties broken by the model's ordering and the pk,
    in the direction of the last term), so pages never overlap or skip a row, and a deep page's
    ids select the rows an OFFSET would. An ordering no cursor can follow is kept as it is."""
    try:
        return queryset.order_by(*keyset_ordering(queryset))
    except ValidationError:
        return queryset


def keyset_after(order: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or ..., with the
    first term also as a plain range (a >= x) so the index range starts there."""
    condition = Q()
    equal = Q()
    for term, value in zip(order, values):
        name = term.lstrip("-")
        op = "lt" if term.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    first = order[0]
    return Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]}) & condition


def _value(obj, name: str) -> Any:
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    return value.isoformat() if hasattr(value, "isoformat") else value


def encode_cursor(obj, ordering: list[str], *, backwards: bool) -> str:
    payload = {"o": ordering, "v": [_value(obj, term.lstrip("-")) for term in ordering]}
    if backwards:
        payload["b"] = 1
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str, *, ordering: list[str], model) -> tuple[list[Any], bool]:
    invalid = ValidationError({"cursor": ["Invalid cursor: use the `next` or `previous` link of a page."]})
    if len(raw) > 2000:
        raise invalid
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), list):
        raise invalid
    if payload.get("o") != ordering:
        raise ValidationError({"cursor": ["This cursor belongs to another ordering: start again with an empty cursor."]})
    if len(payload["v"]) != len(ordering):
        raise invalid
    values = []
    for term, value in zip(ordering, payload["v"]):
        field = model._meta.get_field(term.lstrip("-"))
        if value is None or isinstance(value, (dict, list)):
            raise invalid
        try:
            value = field.to_python(value)
            field.run_validators(value)  # e.g. an id beyond the column's range
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            raise invalid from None
        if value is None or (isinstance(value, datetime) and timezone.is_naive(value)):
            raise invalid
        values.append(value)
    return values, bool(payload.get("b"))

