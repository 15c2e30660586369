"""Documented error answers for the OpenAPI schema (the contract's error shapes)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class DetailCodeErrorOutput(serializers.Serializer):
    """A non-field error: `{"detail", "code"}` (field errors are `{"field": ["message", ...]}`)."""

    detail = serializers.CharField()
    code = serializers.CharField()


def error_responses(*codes: int, **descriptions: str) -> dict:
    """Documented error answers for extend_schema: 400 field errors, 403/404/409 `{detail, code}`."""
    texts = {
        400: "Invalid input: `{\"field\": [\"message\", ...]}`",
        403: "Your role does not allow this (`permission_denied`)",
        404: "Not found in your organizations",
        409: "Conflicts with the current state",
    }
    texts.update({int(key[1:]): value for key, value in descriptions.items()})
    return {code: OpenApiResponse(OpenApiTypes.OBJECT if code == 400 else DetailCodeErrorOutput, description=texts[code]) for code in codes}
