"""Output serializers that stay cheap on a 50-row page.

DRF's `Serializer.to_representation` resolves every field of every row through the generic path
(`field.get_attribute` walking `source_attrs`, `SkipField` checks, a callable check). For a list
that is most of the request once the query is an index range scan. `FastOutput` plans each
field once per serializer instance and then, per row, reads the model attribute directly and
calls the field's own `to_representation`, so the JSON is exactly DRF's (the formatting rules stay
in the DRF fields; `tests/core/test_serializers.py` compares both outputs field for field). A
field the plan does not recognise takes DRF's generic path.

The plan is kept per class (and settings' time zone) when every step reads the row alone (model
columns, foreign-key ids, the serializer's own `get_<field>` methods, bound to each instance):
building a ModelSerializer's fields deep-copies and maps every field, on each request otherwise.
A serializer with a field on DRF's generic path (it may read the context) plans per instance.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import ISO_8601, SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_Step = tuple[str, Callable[[Any], Any]]
_class_plans: dict[tuple, list] = {}  # (serializer class, TIME_ZONE, USE_TZ) -> its plan (see FastOutput)


def _iso_datetime(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    """DateTimeField.to_representation for ISO 8601 output, with the field's timezone looked up
    once per serializer instead of once per value (aware values: DRF's enforce_timezone is
    `astimezone` to that zone; naive ones take DRF's own path)."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()

    def represent(value):
        if zone is None or not isinstance(value, datetime) or value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


class FastOutput:
    """Mixin for read-only ModelSerializers (put it before the serializer class)."""

    def _fast_plan(self) -> list[_Step]:
        plan = self.__dict__.get("_fast_plan_cache")
        if plan is None:
            key = (type(self), settings.TIME_ZONE, settings.USE_TZ)
            shared = _class_plans.get(key)
            if shared is None:
                model = self.Meta.model
                shared = [self._fast_step(model, field) for field in self._readable_fields]
                if any(step is None for _, step in shared):  # a generic step: this instance's fields, not kept
                    shared = [(name, step or self._generic_step(field)) for (name, step), field in zip(shared, self._readable_fields)]
                else:
                    _class_plans[key] = shared
            # The serializer's own methods, bound to this instance (they may read its context).
            plan = [(name, getattr(self, step) if isinstance(step, str) else step) for name, step in shared]
            self.__dict__["_fast_plan_cache"] = plan
        return plan

    def _fast_step(self, model, field: serializers.Field) -> tuple[str, Callable[[Any], Any] | str | None]:
        """The field's step: a function of the row, a method name, or None (DRF's generic path)."""
        name = field.field_name
        if isinstance(field, serializers.SerializerMethodField):
            return name, field.method_name
        attrs = getattr(field, "source_attrs", None) or []
        model_field = None
        if len(attrs) == 1:
            try:
                model_field = model._meta.get_field(attrs[0])
            except FieldDoesNotExist:
                model_field = None
        if model_field is not None and model_field.concrete and not model_field.is_relation:
            attname, represent = model_field.attname, field.to_representation
            if type(field) is serializers.DateTimeField and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601:
                represent = _iso_datetime(field)

            def plain(instance, attname=attname, represent=represent):
                value = getattr(instance, attname)
                return None if value is None else represent(value)

            return name, plain
        if (
            model_field is not None
            and isinstance(model_field, models.ForeignKey)
            and isinstance(field, serializers.PrimaryKeyRelatedField)
            and field.pk_field is None
        ):
            attname = model_field.attname
            return name, lambda instance, attname=attname: getattr(instance, attname)
        return name, None

    @staticmethod
    def _generic_step(field: serializers.Field) -> Callable[[Any], Any]:
        def generic(instance, field=field):  # DRF's own path for this field
            attribute = field.get_attribute(instance)
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            return None if check is None else field.to_representation(attribute)

        return generic

    def to_representation(self, instance) -> dict[str, Any]:
        row = {}
        for name, step in self._fast_plan():
            try:
                row[name] = step(instance)
            except SkipField:
                continue
        return row


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.DictField):
    """A JSON object whose keys depend on something else (e.g. a platform's metadata)."""
