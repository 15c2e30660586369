"""Meta's Graph API error envelope, shared by Facebook Pages, Instagram and WhatsApp Cloud.

Every Graph error body is `{"error": {"message", "type", "code", "error_subcode",
"error_user_msg", "is_transient", "fbtrace_id"}}`. A platform module lists which codes (and
code/subcode pairs) mean what for it; this module reads the envelope once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from .base import ErrorKind, PublishError
from .http import HttpPlatformService

# Auth failures common to every Graph product: invalid/expired token, session errors.
GRAPH_AUTH_CODES = frozenset({102, 190})
GRAPH_AUTH_SUBCODES = frozenset(range(458, 468))


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str
    is_transient: bool
    fbtrace_id: str = ""

    @classmethod
    def from_body(cls, body: Any) -> GraphError | None:
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
            return None
        error = body["error"]
        return cls(
            code=_int(error.get("code")),
            subcode=_int(error.get("error_subcode")),
            message=str(error.get("error_user_msg") or error.get("message") or "Graph API error"),
            is_transient=bool(error.get("is_transient", False)),
            fbtrace_id=str(error.get("fbtrace_id", "")),
        )

    @property
    def code_text(self) -> str:
        return f"{self.code}/{self.subcode}" if self.subcode else str(self.code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GraphPlatformService(HttpPlatformService):
    """A Graph API product; subclasses fill in their code tables."""

    # Codes (or (code, subcode) pairs) and what they mean on this product.
    transient_codes: ClassVar[frozenset] = frozenset()
    rate_limited_codes: ClassVar[frozenset] = frozenset()
    permanent_codes: ClassVar[frozenset] = frozenset()
    auth_codes: ClassVar[frozenset] = GRAPH_AUTH_CODES

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        error = GraphError.from_body(body)
        if error is None:
            return None
        kind = self.graph_error_kind(error)
        if kind is None:
            return None
        return PublishError(kind, error.message, code=error.code_text, retry_after=self.graph_retry_after(error, kind))

    def graph_error_kind(self, error: GraphError) -> ErrorKind | None:
        pair = (error.code, error.subcode)
        for codes, kind in (
            (self.rate_limited_codes, ErrorKind.RATE_LIMITED),
            (self.transient_codes, ErrorKind.TRANSIENT),
            (self.permanent_codes, ErrorKind.PERMANENT),
        ):
            if pair in codes:
                return kind
        if error.code in self.auth_codes or (error.subcode in GRAPH_AUTH_SUBCODES):
            return ErrorKind.AUTH
        for codes, kind in (
            (self.rate_limited_codes, ErrorKind.RATE_LIMITED),
            (self.transient_codes, ErrorKind.TRANSIENT),
            (self.permanent_codes, ErrorKind.PERMANENT),
        ):
            if error.code in codes:
                return kind
        if error.is_transient:
            return ErrorKind.TRANSIENT
        return ErrorKind.PERMANENT

    def graph_retry_after(self, error: GraphError, kind: ErrorKind) -> float | None:
        return None
