"""Error shapes of the contract: 400 `{"field": [...]}` or `{"detail", "code"}` for the rest."""
from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """A state-machine conflict (e.g. cancelling a posted post)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action conflicts with the current state."
    default_code = "conflict"


class Unprocessable(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable."
    default_code = "service_unavailable"


def exception_handler(exc, context):
    if isinstance(exc, DataError):
        # A value the database cannot store (out of range, NUL characters): the client's input.
        logger.info("Refused a value the database cannot store: %s", type(exc).__name__)
        return Response(
            {"detail": "A value is out of range or contains characters that cannot be stored.", "code": "invalid_value"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        if isinstance(response.data, list):
            response.data = {"non_field_errors": response.data}
        return response
    if isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {**response.data, "detail": str(detail), "code": str(code)}
    # An exception may add fields to the body (e.g. the usage limit's numbers) and headers.
    extra = getattr(exc, "extra_data", None)
    if extra and isinstance(response.data, dict):
        response.data = {**response.data, **extra}
    for name, value in (getattr(exc, "headers", None) or {}).items():
        response[name] = value
    return response


def error_response(*, detail: str, code: str, status_code: int, **extra) -> Response:
    return Response({"detail": detail, "code": code, **extra}, status=status_code)
