"""Date-times a client sends are bounded to what Python, the databases and our arithmetic can hold.

Python's datetime ends at year 1 and 9999; converting "9999-12-31T23:59:59-14:00" to UTC, or
"0001-01-01T00:00:00+14:00", overflows, and so does adding a retry backoff or a lease to a time
near either end. Every date-time read from a request (bodies and filters) goes through these
fields: outside [DATETIME_MIN, DATETIME_MAX) it is a 400, never an OverflowError.
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

import django_filters
from django import forms
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

# Far enough from Python's limits (years 1 and 9999) that converting between any two time zones
# and adding any interval the code uses (backoffs, leases, windows, months) stays representable.
DATETIME_MIN = datetime(1900, 1, 1, tzinfo=dt_timezone.utc)
DATETIME_MAX = datetime(9000, 1, 1, tzinfo=dt_timezone.utc)
OUT_OF_RANGE = "Date-times must lie between 1900-01-01 and 9000-01-01 (UTC)."


def within_bounds(value: datetime) -> bool:
    """True if `value` (aware, or naive in any time zone) lies safely inside the bounds."""
    if timezone.is_naive(value):
        # A naive value is localised later in some time zone (offsets within a day).
        return DATETIME_MIN.replace(tzinfo=None) < value < DATETIME_MAX.replace(tzinfo=None)
    try:
        return DATETIME_MIN <= value < DATETIME_MAX
    except OverflowError:
        return False


class BoundedDateTimeField(serializers.DateTimeField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("out_of_range")
        if not within_bounds(result):
            self.fail("out_of_range")
        return result

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("out_of_range")


class BoundedIsoDateTimeField(IsoDateTimeField):
    def strptime(self, value, format):
        try:
            return super().strptime(value, format)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE) from None

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        if result is not None and not within_bounds(result):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return result


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
