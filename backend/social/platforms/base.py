"""The contract every platform adapter implements.

An adapter knows one platform's HTTP protocol and nothing of Postloom's models: it receives
plain dataclasses and returns plain dataclasses, and reports failures as `PublishError` with one
of the error kinds of `../shared/platforms.md`. The publishing service decides what a kind means
for the post (retry, wait, refresh the token, fail, ask a human).
"""
from __future__ import annotations

import base64
import enum
import hashlib
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings

from backend.core.redaction import redact_secrets

from .requirements import Requirements


# The publisher's fence (backend/scheduling/claims.py): called immediately before each final,
# non-idempotent platform call (the one that creates the post), it raises when the worker no
# longer holds its claim on the post, so a worker that was frozen past the heartbeat timeout never
# publishes a post that recovery has taken over. Adapters call `before_final_call()`; the HTTP base
# does it for every `final=True` call.
_final_call_guard: ContextVar[Callable[[], None] | None] = ContextVar("final_call_guard", default=None)


def before_final_call() -> None:
    guard = _final_call_guard.get()
    if guard is not None:
        guard()


@contextmanager
def final_call_guarded_by(guard: Callable[[], None]) -> Iterator[None]:
    token = _final_call_guard.set(guard)
    try:
        yield
    finally:
        _final_call_guard.reset(token)


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
        message = redact_secrets(message)  # platforms echo tokens they were sent
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.code = str(code)
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"PublishError({self.kind.value}, {self.code!r}, {self.message!r})"


class MetadataInvalid(Exception):
    """An account's platform settings are not valid: `errors` is `{"key": ["message", ...]}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


class PublicationUnknown(Exception):
    """The adapter cannot tell whether an interrupted publish reached the platform."""


class UnknownPlatform(LookupError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"Unknown platform: {platform!r}")
        self.platform = platform


@dataclass(frozen=True)
class MediaItem:
    """One image or video of a post. `url` is public (platforms that pull fetch it); `path` is local.

    Videos (`kind` "video") also carry what the media library's probe found; adapters upload them
    in chunks with `read_range`, never reading the file whole.
    """

    url: str
    path: str = ""
    content_type: str = "image/jpeg"
    width: int = 0
    height: int = 0
    size: int = 0
    alt_text: str = ""
    kind: str = "image"  # "image" or "video"
    duration: float = 0.0  # seconds (videos)
    thumbnail_url: str = ""  # videos: the poster frame

    @property
    def is_video(self) -> bool:
        return self.kind == "video"

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read()

    def read_range(self, start: int, length: int) -> bytes:
        """`length` bytes of the file from offset `start` (one chunk of an upload)."""
        with open(self.path, "rb") as fh:
            fh.seek(start)
            return fh.read(length)


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
    # The account's token version these tokens are (see social/tokens.py): an account is marked
    # `needs_reconnect` for an AUTH answer only if nobody stored newer tokens meanwhile.
    token_version: int = 0

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
    # Per-post choices for this platform (the post's `metadata[<platform>]`, e.g. TikTok's privacy
    # level and interaction settings), as validated by `validate_post_options` when scheduled.
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    permalink: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CommentRequest:
    """A first comment on a publication the platform already has (`external_id`)."""

    post_id: int
    external_id: str
    text: str
    credentials: Credentials


@dataclass(frozen=True)
class CommentResult:
    external_id: str


@dataclass
class TokenSet:
    """What an OAuth code exchange or a refresh yields for one account.

    `expires_at` / `refresh_expires_at` are aware datetimes computed from the platform's own
    `expires_in` figures (None: the token does not expire, or the platform does not say).
    """

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    external_id: str = ""
    handle: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never leak tokens into logs or tracebacks
        return f"TokenSet(external_id={self.external_id!r}, handle={self.handle!r}, expires_at={self.expires_at!r})"


class OAuthNotSupported(PublishError):
    """The platform has no OAuth flow (or no refresh) for this kind of account."""

    def __init__(self, message: str, *, code: str = "oauth_not_supported") -> None:
        super().__init__(ErrorKind.PERMANENT, message, code=code)


def pkce_pair() -> tuple[str, str]:
    """A PKCE (RFC 7636) code verifier and its S256 code challenge."""
    verifier = secrets.token_urlsafe(64)[:96]
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Metrics:
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    reach: int | None = None
    impressions: int | None = None
    # Why some figures are missing although the reading worked (e.g. a scope the token lacks).
    unavailable: str = ""


@dataclass(frozen=True)
class PublishAllowance:
    """A limit an account must stay within: at most `limit` posts in a rolling `window_seconds`.

    `used` posts were already counted by the platform at `read_at` (None: nothing counted, count
    the window from now). The publisher adds the posts it published since, and makes a post wait
    (RATE_LIMITED) until the window frees when the limit is reached. `message` may use `{used}`.
    """

    limit: int
    window_seconds: int
    message: str
    used: int = 0
    read_at: datetime | None = None
    retry_seconds: float = 60.0  # how long to wait when the window's oldest post is unknown


class SocialMediaService(ABC):
    """Base of every adapter. Subclasses set `platform`, `name` and `requirements`."""

    platform: ClassVar[str]
    name: ClassVar[str]
    requirements: ClassVar[Requirements]

    @abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish, or raise PublishError."""

    def find_publication(
        self, *, credentials: Credentials, post_id: int, state: dict[str, Any], text: str = ""
    ) -> PublishResult | None:
        """After a worker died mid-publish: did the post reach the platform?

        Returns the publication when it exists, None when the platform certainly never received
        it (safe to publish again), and raises PublicationUnknown when it cannot tell (a person
        must check); a PublishError (e.g. TRANSIENT) means "ask again later". `state` is the
        checkpoint the interrupted attempt saved with `save_state`. The default cannot tell.
        """
        raise PublicationUnknown(f"{self.name} cannot look up whether the post was published.")

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        """Latest engagement of a published post; platforms without an API return empty metrics."""
        return Metrics()

    # --- Hooks the post-level code asks (it never branches on the platform) -------------------
    def publish_allowances(self, *, credentials: Credentials) -> list[PublishAllowance]:
        """The posting limits of this account, checked before each publish.

        Default: the rolling window configured for the platform in SOCIAL_PUBLISH_WINDOWS
        (X: 100 posts per 15 minutes per user), if any. Adapters add their own (Instagram's quota).
        """
        window = settings.SOCIAL_PUBLISH_WINDOWS.get(self.platform)
        if not window:
            return []
        limit, seconds = int(window[0]), int(window[1])
        return [
            PublishAllowance(
                limit=limit,
                window_seconds=seconds,
                message=f"{self.name} allows {limit} posts per {seconds // 60} minutes per account; this account has used them.",
            )
        ]

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """Check and normalise an account's platform settings when it is connected by hand.

        Returns (metadata, external_id); raises `MetadataInvalid` with `{"key": ["message"]}`.
        Default: accepted as given.
        """
        return metadata, external_id

    def validate_post_options(self, options: Any) -> dict[str, str]:
        """Problems with a post's own choices for this platform (the post's `metadata[<platform>]`,
        passed to `publish` as `PublishRequest.options`), as `{field: message}`. Default: none taken."""
        return {}

    # A manually connected account needs an access token (the sandbox needs none).
    requires_access_token: ClassVar[bool] = True
    # Where to send someone whose platform is not connected with OAuth.
    manual_connection_hint: ClassVar[str] = " Connect it manually"

    # --- First comments -------------------------------------------------------------------
    # True where the platform lets the account comment on (or reply to) its own publication.
    supports_first_comment: ClassVar[bool] = False

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """Comment on the account's own publication (X: a reply), or raise PublishError.

        Called once the post is published; never publishes the post itself. A timeout after the
        request was sent is UNCONFIRMED (the comment may exist), so it is not repeated blindly.
        """
        raise PublishError(ErrorKind.PERMANENT, f"{self.name} does not support first comments.", code="comments_not_supported")

    # --- Account connection (OAuth 2.0 authorization code flow) ---------------------------
    # `oauth_supported` False means the account is connected by hand (e.g. a system-user token).
    # `pkce` True means the caller must send a code challenge (S256) with `authorization_url`
    # and the matching verifier with `exchange_code` (see `pkce_pair`).
    oauth_supported: ClassVar[bool] = False
    pkce: ClassVar[bool] = False
    # What `refresh_token` needs: "refresh_token" (a separate, possibly rotating refresh token),
    # "access_token" (the access token itself is extended, e.g. Instagram), "" (no refresh).
    refresh_with: ClassVar[str] = ""
    # A token younger than this cannot be refreshed yet (Instagram: 24 h).
    refresh_min_age_seconds: ClassVar[int] = 0

    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        """Where to send the user to grant access; the platform redirects back with `code`."""
        raise OAuthNotSupported(f"{self.name} accounts are not connected with OAuth.")

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        """Trade an authorization code for tokens (and the account's id and handle)."""
        raise OAuthNotSupported(f"{self.name} accounts are not connected with OAuth.")

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        """New tokens for a connected account; raises OAuthNotSupported where there is no refresh."""
        raise OAuthNotSupported(f"{self.name} tokens cannot be refreshed.", code="refresh_not_supported")
