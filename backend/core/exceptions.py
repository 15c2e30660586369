"""The project's own errors, and the one place they become HTTP answers.

Services, selectors and Celery code raise `DomainError` subclasses (never DRF's exceptions); the
exception handler below maps them to the contract's shapes:
- 400 `{"field": ["message", ...]}` for `ValidationFailed`;
- 400/403/404/409/422/429/503 `{"detail", "code", ...extra}` for the others.
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request: `detail` says why, `code` names the rule.

    `extra` fields are added to the JSON body (e.g. a usage limit's numbers); `headers` to the
    response (e.g. Retry-After).
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request cannot be carried out."
    default_code = "error"

    def __init__(self, detail: str | None = None, code: str | None = None, *, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Input the rules refuse, per field: `errors` is `{"field": ["message", ...]}` (messages may be
    `(message, code)` pairs); it may nest (`{"social_accounts": {"0": {...}}}`)."""

    default_detail = "Invalid input."
    default_code = "invalid"

    def __init__(self, errors: dict[str, Any], code: str | None = None) -> None:
        self.errors = errors
        super().__init__(detail=str(errors), code=code)


class PermissionDenied(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."
    default_code = "not_found"


class Conflict(DomainError):
    """A state-machine conflict (e.g. cancelling a posted post)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action conflicts with the current state."
    default_code = "conflict"


class InvalidTransition(Conflict):
    """A state machine refused a move (a 409 at the edge; a plain exception in Celery code)."""

    default_detail = "This state change is not allowed."
    default_code = "invalid_transition"

    def __init__(self, *, current: str, to: str, detail: str | None = None, code: str | None = None) -> None:
        super().__init__(detail=detail or f"{current} cannot become {to}.", code=code)
        self.current = current
        self.to = to


class Unprocessable(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class RateLimited(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many requests."
    default_code = "rate_limited"


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable."
    default_code = "service_unavailable"


def _error_details(errors: Any) -> Any:
    """`ValidationFailed.errors` as DRF error details (keeping each message's code)."""
    if isinstance(errors, dict):
        return {key: _error_details(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_error_details(value) for value in errors]
    if isinstance(errors, tuple):
        message, code = errors
        return drf.ErrorDetail(str(message), code=code)
    return errors


def _as_api_exception(exc: DomainError) -> drf.APIException:
    if isinstance(exc, ValidationFailed):
        return drf.ValidationError(_error_details(exc.errors))
    api = drf.APIException(detail=exc.detail, code=exc.code)
    api.status_code = exc.status_code
    api.extra_data = exc.extra
    api.headers = exc.headers
    return api


def exception_handler(exc, context):
    if isinstance(exc, DataError):
        # A value the database cannot store (out of range, NUL characters): the client's input.
        logger.info("Refused a value the database cannot store: %s", type(exc).__name__)
        return Response(
            {"detail": "A value is out of range or contains characters that cannot be stored.", "code": "invalid_value"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        exc = _as_api_exception(exc)
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf.ValidationError):
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
