"""What the API answers for each error of the AI pipeline: never a 500.

- InvalidRequest and 4xx PosterErrors naming a field: 400 `{"field": ["message"]}`.
- Other PosterErrors: their own status (400, or 503 for a missing font/shaping engine) as
  `{"detail", "code"}`.
- ProviderError: 503 (transient, quota_exhausted) or 422 (rejected), code `ai_provider_<kind>`.
- A provider that cannot be built (unknown name, missing key): 503 `ai_provider_misconfigured`.
"""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from backend.core.exceptions import DomainError, ValidationFailed

from .posters.errors import PosterError
from .providers.base import InvalidRequest, ProviderError, UnknownProvider

AI_ERRORS = (InvalidRequest, PosterError, ProviderError, UnknownProvider, ImproperlyConfigured)


def domain_error(exc: Exception) -> DomainError | None:
    """The domain error to answer with for an AI pipeline error (the project's exception
    handler turns it into HTTP); None if `exc` is not one."""
    if isinstance(exc, InvalidRequest):
        return ValidationFailed({exc.field: [exc.message]})
    if isinstance(exc, PosterError):
        if exc.field and exc.http_status < 500:
            return ValidationFailed({exc.field: [exc.message]})
        return _status_error(detail=exc.message, code=exc.code, status_code=exc.http_status)
    if isinstance(exc, ProviderError):
        return _status_error(detail=exc.message, code=exc.code, status_code=exc.http_status)
    if isinstance(exc, (UnknownProvider, ImproperlyConfigured)):
        return _status_error(detail=f"The AI provider is not configured correctly: {exc}",
                             code="ai_provider_misconfigured", status_code=503)
    return None


def _status_error(*, detail: str, code: str, status_code: int) -> DomainError:
    error = DomainError(detail=detail, code=code)
    error.status_code = status_code
    return error


def error_body(exc: Exception) -> dict:
    """`{"detail", "code"}` (plus `field` when one is to blame) for a job's `error`."""
    if isinstance(exc, PosterError) and exc.field and exc.http_status < 500:
        return {"detail": exc.message, "code": exc.code, "field": exc.field}
    if isinstance(exc, InvalidRequest):
        return {"detail": exc.message, "code": "invalid", "field": exc.field}
    error = exc if isinstance(exc, DomainError) else domain_error(exc)
    if isinstance(error, ValidationFailed):
        field, messages = next(iter(error.errors.items()))
        message = messages[0] if isinstance(messages, list) and messages else messages
        return {"detail": str(message), "code": "invalid", "field": field}
    if isinstance(error, DomainError):
        body = {"detail": error.detail, "code": error.code}
        if isinstance(exc, PosterError) and exc.field:
            body["field"] = exc.field
        return body
    return {"detail": "The poster could not be generated because of an internal error.", "code": "internal_error"}


def is_callers_fault(exc: Exception) -> bool:
    """A 4xx: the unit reserved for the call is refunded (rather than failed)."""
    if isinstance(exc, (InvalidRequest, ValidationFailed)):
        return True
    if isinstance(exc, PosterError):
        return exc.http_status < 500
    return False
