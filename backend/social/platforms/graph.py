"""Meta's Graph API error envelope, shared by Facebook Pages, Instagram and WhatsApp Cloud.

Every Graph error body is `{"error": {"message", "type", "code", "error_subcode",
"error_user_msg", "is_transient", "fbtrace_id"}}`. A platform module lists which codes (and
code/subcode pairs) mean what for it; this module reads the envelope once.

Throttling is the same for every Graph product and decided here
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting/, checked 2026-11-21):
platform rate limits answer code 4 (app), 17 (user), 32 (Pages) or 613 (custom limit), business
use case limits 80000-80014 (80001 Pages, 80002 Instagram, 80007 WhatsApp Business Account,
80008 WhatsApp Business Management, ...). They come as HTTP **400**, not 429, and name no
Retry-After: the wait is `estimated_time_to_regain_access` (minutes) in the
`X-Business-Use-Case-Usage` header (also read from `X-App-Usage` / `X-Page-Usage` when present,
and `reset_time_duration`, seconds, of `X-Ad-Account-Usage`); without one, a safe default
(THROTTLE_DEFAULT_SECONDS). Code 368 ("temporarily blocked for policy violations") is PERMANENT:
retrying a policy block only extends it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from .base import ErrorKind, PublishError
from .http import HttpPlatformService

# Auth failures common to every Graph product: invalid/expired token, session errors.
GRAPH_AUTH_CODES = frozenset({102, 190})
GRAPH_AUTH_SUBCODES = frozenset(range(458, 468))
GRAPH_THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
POLICY_BLOCK = 368
THROTTLE_DEFAULT_SECONDS = 15 * 60.0  # platform limits are a rolling hour; look again in 15 min
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage")


def _usage_entries(data: Any) -> list[dict]:
    """The usage objects of one header: BUC headers map an object id to a list of them."""
    if not isinstance(data, dict):
        return []
    if all(isinstance(value, list) for value in data.values()) and data:
        return [entry for value in data.values() for entry in value if isinstance(entry, dict)]
    return [data]


def throttle_wait_seconds(headers: httpx.Headers) -> float | None:
    """Seconds until access is regained, from Meta's usage headers (None if none says)."""
    wait: float | None = None
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for entry in _usage_entries(data):
            for key, factor in (("estimated_time_to_regain_access", 60.0), ("reset_time_duration", 1.0)):
                try:
                    seconds = float(entry.get(key) or 0) * factor
                except (TypeError, ValueError):
                    continue
                if seconds > 0:
                    wait = max(wait or 0.0, seconds)
    return wait


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
    transient_codes: ClassVar[frozenset] = frozenset({1, 2})
    rate_limited_codes: ClassVar[frozenset] = GRAPH_THROTTLE_CODES
    permanent_codes: ClassVar[frozenset] = frozenset({POLICY_BLOCK})
    auth_codes: ClassVar[frozenset] = GRAPH_AUTH_CODES

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        error = GraphError.from_body(body)
        if error is None:
            return None
        kind = self.graph_error_kind(error)
        if kind is None:
            return None
        retry_after = self.graph_retry_after(error, kind)
        if kind == ErrorKind.RATE_LIMITED and retry_after is None:
            retry_after = throttle_wait_seconds(headers) or THROTTLE_DEFAULT_SECONDS
        return PublishError(kind, error.message, code=error.code_text, retry_after=retry_after)

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
