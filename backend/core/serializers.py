"""Serializer fields shared by the apps' API bodies."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.DictField):
    """A JSON object whose keys depend on something else (e.g. a platform's metadata)."""
