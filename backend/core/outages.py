"""Honest answers while something Postloom depends on does not answer.

A database or a Celery broker that does not answer, or a media disk that is full or read-only,
is an outage, not a bug: the client gets the contract's JSON error with a status that says so and
`Retry-After`, never Django's HTML 500 page:
- database unreachable (`OperationalError`, `InterfaceError`): 503 `database_unavailable`;
- broker unreachable (kombu's `OperationalError`, Redis connection/timeout errors): 503
  `broker_unavailable`;
- media disk full (ENOSPC, EDQUOT): 507 `insufficient_storage`; read-only (EROFS): 503
  `storage_read_only`.

`OutageMiddleware` answers for exceptions raised by views; `server_error` (the project's
`handler500`) answers for everything else that escapes (e.g. a database lost inside another
middleware), and gives any other unexpected error a JSON 500 rather than HTML.
"""
from __future__ import annotations

import errno
import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outage:
    status: int
    code: str
    detail: str


def _broker_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    try:
        from kombu.exceptions import OperationalError as KombuOperationalError

        errors.append(KombuOperationalError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


BROKER_ERRORS = _broker_errors()
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def outage_of(exc: BaseException) -> Outage | None:
    """The outage `exc` reveals, or None when it is not one (a bug stays a 500)."""
    if isinstance(exc, (DbOperationalError, DbInterfaceError)):
        return Outage(503, "database_unavailable", "The database is not answering. Try again shortly.")
    if BROKER_ERRORS and isinstance(exc, BROKER_ERRORS):
        return Outage(503, "broker_unavailable", "The task queue is not answering. Try again shortly.")
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        return Outage(507, "insufficient_storage", "The media storage is full; nothing was saved. Try again later.")
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return Outage(503, "storage_read_only", "The media storage is read-only; nothing was saved. Try again later.")
    return None


def outage_response(outage: Outage) -> JsonResponse:
    response = JsonResponse({"detail": outage.detail, "code": outage.code}, status=outage.status)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    """A view that met an outage answers with its JSON status (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        outage = outage_of(exception)
        if outage is None:
            return None
        logger.warning("%s %s: %s (%s: %s)", request.method, request.path, outage.code, type(exception).__name__, exception)
        return outage_response(outage)


def server_error(request, *args, **kwargs):
    """handler500: whatever escaped every other handler, as JSON (an outage keeps its own status)."""
    exc = sys.exc_info()[1]
    outage = outage_of(exc) if exc is not None else None
    if outage is not None:
        return outage_response(outage)
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def not_found(request, exception=None):
    """handler404: an address that matches no route, as the contract's JSON."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
