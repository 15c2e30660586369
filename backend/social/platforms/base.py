"""The contract every platform adapter implements.

An adapter knows one platform's HTTP protocol and nothing of Postloom's models: it receives
plain dataclasses and returns plain dataclasses, and reports failures as `PublishError` with one
of the error kinds of `../shared/platforms.md`. The publishing service decides what a kind means
for the post (retry, wait, refresh the token, fail, ask a human).
"""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .requirements import Requirements


class ErrorKind(str, enum.Enum):
    TRANSIENT = "transient"  # retry with backoff
    RATE_LIMITED = "rate_limited"  # retry after the window the platform names
    AUTH = "auth"  # refresh the token once; then the account needs reconnecting
    PERMANENT = "permanent"  # fail with the platform's message, never retry
    UNCONFIRMED = "unconfirmed"  # may have reached the platform: never retry automatically


class PublishError(Exception):
    """A platform call failed; `kind` says what the caller may do about it."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.code = str(code)
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"PublishError({self.kind.value}, {self.code!r}, {self.message!r})"


class UnknownPlatform(LookupError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"Unknown platform: {platform!r}")
        self.platform = platform


@dataclass(frozen=True)
class MediaItem:
    """One image of a post. `url` is public (platforms that pull fetch it); `path` is local."""

    url: str
    path: str = ""
    content_type: str = "image/jpeg"
    width: int = 0
    height: int = 0
    size: int = 0
    alt_text: str = ""

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read()


@dataclass
class Credentials:
    """What an adapter needs to act for one connected account (tokens in plaintext, in memory only)."""

    account_id: int
    handle: str = ""
    external_id: str = ""
    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never leak tokens into logs or tracebacks
        return f"Credentials(account_id={self.account_id}, handle={self.handle!r})"


@dataclass
class PublishRequest:
    """One publication: the composed text (caption plus hashtags) and its media.

    `state` is the adapter's checkpoint for this post, persisted across attempts (for example
    Instagram's container id). An adapter that needs to resume after a crash calls
    `save_state(state)` *before* the step that would be unsafe to repeat.
    """

    post_id: int
    text: str
    credentials: Credentials
    media: list[MediaItem] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    save_state: Callable[[dict[str, Any]], None] = lambda state: None


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    permalink: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metrics:
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    reach: int | None = None
    impressions: int | None = None


class SocialMediaService(ABC):
    """Base of every adapter. Subclasses set `platform`, `name` and `requirements`."""

    platform: ClassVar[str]
    name: ClassVar[str]
    requirements: ClassVar[Requirements]

    @abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish, or raise PublishError."""

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        """Latest engagement of a published post; platforms without an API return empty metrics."""
        return Metrics()
