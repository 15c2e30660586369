"""What the API answers for each error of the AI pipeline: never a 500.

- InvalidRequest and 4xx PosterErrors naming a field: 400 `{"field": ["message"]}`.
- Other PosterErrors: their own status (400, or 503 for a missing font/shaping engine) as
  `{"detail", "code"}`.
- ProviderError: 503 (transient, quota_exhausted) or 422 (rejected), code `ai_provider_<kind>`.
- A provider that cannot be built (unknown name, missing key): 503 `ai_provider_misconfigured`.
"""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from .posters.errors import PosterError
from .providers.base import InvalidRequest, ProviderError, UnknownProvider


class AIServiceError(APIException):
    def __init__(self, *, detail: str, code: str, status_code: int) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code


AI_ERRORS = (InvalidRequest, PosterError, ProviderError, UnknownProvider, ImproperlyConfigured)


def api_error(exc: Exception) -> APIException | None:
    """The APIException to answer with for an AI pipeline error; None if `exc` is not one."""
    if isinstance(exc, InvalidRequest):
        return ValidationError({exc.field: [exc.message]})
    if isinstance(exc, PosterError):
        if exc.field and exc.http_status < 500:
            return ValidationError({exc.field: [exc.message]})
        return AIServiceError(detail=exc.message, code=exc.code, status_code=exc.http_status)
    if isinstance(exc, ProviderError):
        return AIServiceError(detail=exc.message, code=exc.code, status_code=exc.http_status)
    if isinstance(exc, (UnknownProvider, ImproperlyConfigured)):
        return AIServiceError(
            detail=f"The AI provider is not configured correctly: {exc}",
            code="ai_provider_misconfigured",
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return None


def error_body(exc: Exception) -> dict:
    """`{"detail", "code"}` (plus `field` when one is to blame) for a job's `error`."""
    if isinstance(exc, InvalidRequest):
        return {"detail": exc.message, "code": "invalid", "field": exc.field}
    if isinstance(exc, ValidationError):
        detail = exc.detail
        if isinstance(detail, dict) and detail:
            field, messages = next(iter(detail.items()))
            message = messages[0] if isinstance(messages, list) and messages else messages
            return {"detail": str(message), "code": "invalid", "field": field}
        return {"detail": str(detail), "code": "invalid"}
    api = api_error(exc)
    if isinstance(api, AIServiceError):
        body = {"detail": str(api.detail), "code": api.get_codes()}
        if isinstance(exc, PosterError) and exc.field:
            body["field"] = exc.field
        return body
    if isinstance(api, ValidationError) and isinstance(exc, PosterError):
        return {"detail": exc.message, "code": exc.code, "field": exc.field}
    if isinstance(exc, APIException):
        return {"detail": str(exc.detail), "code": str(exc.get_codes())}
    return {"detail": "The poster could not be generated because of an internal error.", "code": "internal_error"}


def is_callers_fault(exc: Exception) -> bool:
    """A 4xx: the unit reserved for the call is refunded (rather than failed)."""
    if isinstance(exc, (InvalidRequest, ValidationError)):
        return True
    if isinstance(exc, PosterError):
        return exc.http_status < 500
    return False
