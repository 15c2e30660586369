"""What every HTTP platform adapter shares: the httpx client, settings, and error mapping.

A platform module subclasses `HttpPlatformService`, names its `settings.SOCIAL_PLATFORMS` entry
(by default its `platform`), and implements `platform_error`, the hook that reads *its own*
error body. Everything else is decided here, once:

- A connection that could not be made (refused, connect timeout, DNS) is TRANSIENT: nothing
  was sent.
- A read/write timeout or a dropped connection after the request went out is UNCONFIRMED on the
  final, non-idempotent publish call (`final=True`: the post may exist), TRANSIENT on any
  preparatory call (upload, container creation, status poll).
- HTTP 429 is RATE_LIMITED, with `retry_after` from `Retry-After` or `x-rate-limit-reset` (or
  what the platform hook says); 5xx is TRANSIENT (a 504 on the final call is UNCONFIRMED: the
  gateway gave up, the platform may not have).
- Anything else goes to the platform hook; without an answer from it, 401 is AUTH and every
  other 4xx PERMANENT. `quota_exhausted` comes first: a refusal that no window frees (X's monthly
  `usage-capped` 429) is PERMANENT instead of a wait that would repeat until the month ends.

An adapter only ever calls its own platform: a relative path is checked segment by segment (no
`..`, no empty segment, no `?`, `#`, `@` or `\\`, nothing that decodes to one of them) and every
absolute URL (token endpoints, upload URLs a platform hands back) must name one of the adapter's
configured hosts (`allowed_hosts`: the hosts of its base and token URLs plus its `extra_hosts`),
over http(s), without user info or a fragment. Anything else is refused before a connection is made (PERMANENT, code `url_refused`), so an id or an answer that smuggles a URL
in cannot make a worker call another address with the account's token.

Tokens never reach a log line, an exception message or a repr: URLs in messages lose their query
string, and every known secret (the request's token, the app secret) is masked in messages.

One `httpx.Client` per process and platform (`http_client`) carries every call: its connection
pool keeps connections alive across posts, polls and uploads, and its SSL context (loading the CA
store costs more than a whole request to a nearby host) is built once. It is created lazily in the
process that uses it, and a forked child (a prefork worker) never uses its parent's: it builds its
own on first use. The client is thread-safe, so a threads pool shares it.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings

from .base import Credentials, ErrorKind, MediaItem, PublishError, PublishRequest, SocialMediaService, before_final_call

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
_SECRET_PARAMS = (
    "access_token",
    "refresh_token",
    "client_secret",
    "fb_exchange_token",
    "input_token",
    "code",
    "code_verifier",
)
_SECRET_PARAM_RE = re.compile(r"((?:%s)=)[^&\s\"']+" % "|".join(_SECRET_PARAMS), re.IGNORECASE)
_BEARER_RE = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with secret query parameters, bearer tokens and the given secret values masked."""
    text = _SECRET_PARAM_RE.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def expires_at(seconds: Any, *, now: datetime | None = None) -> datetime | None:
    """An aware datetime `seconds` from now (None when the platform gave no lifetime)."""
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        return None
    if value <= 0:
        return None
    return (now or datetime.now(timezone.utc)) + timedelta(seconds=value)


# A path segment as adapters build them: ids, URL-encoded URNs (`urn%3Ali%3Ashare%3A1`), words.
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._~:,()%-]+$")
_FORBIDDEN_DECODED = ("/", "\\", "?", "#", "@")


def url_refused(name: str, url: str, reason: str) -> PublishError:
    shown = redact(url.split("?", 1)[0])[:200]
    return PublishError(
        ErrorKind.PERMANENT, f"{name}: refused to call {shown!r}: {reason}.", code="url_refused"
    )


def check_relative_path(name: str, path: str) -> str:
    """`path` without its leading slash, if every segment is a plain one; else a refusal."""
    stripped = path.lstrip("/")
    segments = stripped.split("/")
    if segments and segments[-1] == "":  # one trailing slash is part of some platforms' paths
        segments = segments[:-1]
    if not segments:
        raise url_refused(name, path, "empty path")
    for segment in segments:
        decoded = unquote(segment)
        if (
            not _SEGMENT_RE.match(segment)
            or decoded in (".", "..")
            or any(char in decoded for char in _FORBIDDEN_DECODED)
            or any(ord(char) < 32 for char in decoded)
        ):
            raise url_refused(name, path, "not a plain API path")
    return stripped


def host_of(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an absolute http(s) URL, lower-cased; None if it is not one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower()


def retry_after_from_headers(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from `Retry-After` (seconds or HTTP date) or `x-rate-limit-reset` (epoch)."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
            except (TypeError, ValueError):
                pass
    reset = headers.get("x-rate-limit-reset")
    if reset:
        try:
            return max(float(reset) - time.time(), 0.0)
        except ValueError:
            pass
    return None


# --- One client per process and platform -----------------------------------------------------
_clients: dict[str, httpx.Client] = {}
_clients_pid = os.getpid()
_clients_lock = threading.Lock()
# Clients inherited over a fork: never used nor closed in the child (closing could shut down a
# TLS session the parent is still using); kept referenced so no finaliser runs on them.
_inherited: list[httpx.Client] = []


def _forget_inherited_clients() -> None:
    global _clients_lock, _clients_pid
    _inherited.extend(_clients.values())
    _clients.clear()
    _clients_pid = os.getpid()
    _clients_lock = threading.Lock()  # the parent's lock may have been held by another thread


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_clients)


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing (a platform's Set-Cookie for one account must never be
    sent with another account's request)."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))


def http_client(key: str) -> httpx.Client:
    """This process's client for platform `key` (made on first use, then reused).

    Per-request settings (timeout, headers, auth) are passed with each request, so the one client
    serves every account of the platform. Redirects are never followed.
    """
    if _clients_pid != os.getpid():  # forked without register_at_fork (not on CPython 3.7+)
        _forget_inherited_clients()
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = httpx.Client(
                    follow_redirects=False,
                    timeout=float(settings.SOCIAL_HTTP_TIMEOUT_SECONDS),
                    cookies=_NoCookies(),  # shared by every account: nothing may carry over
                )
                _clients[key] = client
    return client


def close_http_clients() -> None:
    """Close this process's clients (a worker shutting down; tests that change the network)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


class HttpPlatformService(SocialMediaService):
    """Base of the adapters that speak HTTP to a platform API (all real platforms)."""

    # Key of this platform in settings.SOCIAL_PLATFORMS (defaults to `platform`).
    settings_key: ClassVar[str] = ""
    # Sleeps between status polls (the interval is settings.SOCIAL_POLL_INTERVAL_SECONDS);
    # an instance may replace it, e.g. tests record the waits instead of sleeping.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    # --- Settings, read at call time --------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        return settings.SOCIAL_PLATFORMS[self.settings_key or self.platform]

    @property
    def base_url(self) -> str:
        return self.config["base_url"].rstrip("/")

    @property
    def api_version(self) -> str:
        return str(self.config.get("api_version", ""))

    @property
    def client_id(self) -> str:
        return self.config.get("client_id", "")

    @property
    def client_secret(self) -> str:
        return self.config.get("client_secret", "")

    @property
    def poll_interval(self) -> float:
        return float(settings.SOCIAL_POLL_INTERVAL_SECONDS)

    @property
    def poll_max_attempts(self) -> int:
        return int(settings.SOCIAL_POLL_MAX_ATTEMPTS)

    def allowed_hosts(self) -> set[tuple[str, str]]:
        """(scheme, host[:port]) this adapter may call: its API and token hosts plus `extra_hosts`
        (the authorize URL is only ever opened by the user's browser)."""
        config = self.config
        urls = [config.get(key, "") for key in ("base_url", "token_url")]
        urls += [f"https://{host}" for host in config.get("extra_hosts", [])]
        return {host for host in map(host_of, urls) if host is not None}

    def checked_url(self, url: str) -> str:
        """`url` if it is an absolute URL on one of `allowed_hosts`; else a refusal."""
        try:
            parts = urlsplit(url)
        except ValueError:
            raise url_refused(self.name, url, "not a URL") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise url_refused(self.name, url, "not an absolute http(s) URL")
        if "@" in parts.netloc or parts.fragment or "#" in url or "\\" in url:
            raise url_refused(self.name, url, "user info, fragments and backslashes are not allowed")
        if any(ord(char) < 33 for char in url):
            raise url_refused(self.name, url, "control characters or spaces")
        if (parts.scheme, parts.netloc.lower()) not in self.allowed_hosts():
            raise url_refused(self.name, url, f"{parts.netloc} is not a configured {self.name} host")
        if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
            raise url_refused(self.name, url, "dot segments are not allowed")
        return url

    def api_url(self, path: str) -> str:
        """An absolute URL for `path` under the versioned API root; absolute URLs must be on an
        allowed host, relative ones plain paths (see the module docstring)."""
        if "://" in path or path.startswith("//"):
            return self.checked_url(path)
        version = f"/{self.api_version}" if self.api_version else ""
        return self.checked_url(f"{self.base_url}{version}/{check_relative_path(self.name, path)}")

    def default_headers(self, credentials: Credentials | None) -> dict[str, str]:
        """Headers on every call; by default a bearer token when there are credentials."""
        headers = {"Accept": "application/json", "User-Agent": "Postloom/1.0"}
        if credentials is not None and credentials.access_token:
            headers["Authorization"] = f"Bearer {credentials.access_token}"
        return headers

    # --- The one way adapters call a platform ----------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        credentials: Credentials | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        final: bool = False,
        secrets: Iterable[str] = (),
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise a mapped PublishError.

        `final=True` marks the non-idempotent call that creates the post: a timeout after
        sending it is UNCONFIRMED rather than TRANSIENT.
        """
        url = self.api_url(path)
        all_secrets = [s for s in (*secrets, self.client_secret) if s]
        if credentials is not None:
            all_secrets += [s for s in (credentials.access_token, credentials.refresh_token, credentials.user_token) if s]
        all_headers = {**self.default_headers(credentials), **(headers or {})}
        where = f"{method} {redact(url.split('?', 1)[0], all_secrets)}"
        timeout = httpx.Timeout(float(settings.SOCIAL_HTTP_TIMEOUT_SECONDS))
        if final:
            before_final_call()  # the publisher's fence: still holding the claim? (raises if not)
        try:
            response = http_client(self.settings_key or self.platform).request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                files=files,
                content=content,
                headers=all_headers,
                auth=auth,
                timeout=timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise PublishError(
                ErrorKind.TRANSIENT, f"{self.name}: could not connect ({where}): {type(exc).__name__}", code="connect"
            ) from None
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if final:
                raise PublishError(
                    ErrorKind.UNCONFIRMED,
                    f"{self.name}: no answer to the publish call ({where}): {type(exc).__name__}; "
                    "the post may exist on the platform, check before retrying",
                    code="no_response",
                ) from None
            raise PublishError(
                ErrorKind.TRANSIENT, f"{self.name}: no answer ({where}): {type(exc).__name__}", code="no_response"
            ) from None
        except httpx.HTTPError as exc:
            raise PublishError(
                ErrorKind.TRANSIENT, f"{self.name}: request failed ({where}): {type(exc).__name__}", code="http"
            ) from None
        if response.is_success:
            return response
        raise self._error_for(response, where=where, final=final, secrets=all_secrets)

    def call_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`call`, decoding the JSON body (an empty body is {})."""
        response = self.call(method, path, **kwargs)
        try:
            return decode_json(response)
        except PublishError as exc:
            if kwargs.get("final"):  # the post may exist: its answer was just unreadable
                raise PublishError(ErrorKind.UNCONFIRMED, exc.message, code=exc.code) from None
            raise

    def _error_for(self, response: httpx.Response, *, where: str, final: bool, secrets: list[str]) -> PublishError:
        body = decode_json(response, default=None)
        mapped = self.platform_error(status=response.status_code, body=body, headers=response.headers)
        status = response.status_code
        message = mapped.message if mapped else f"HTTP {status}"
        code = mapped.code if mapped else str(status)
        retry_after = mapped.retry_after if mapped else None
        capped = self.quota_exhausted(status=status, body=body)
        if capped is not None:
            mapped, kind = capped, capped.kind
            message, code, retry_after = capped.message, capped.code, None
        elif status == 429:
            kind = ErrorKind.RATE_LIMITED
            for candidate in (retry_after_from_headers(response.headers), retry_after, self.default_retry_after()):
                if candidate is not None:
                    retry_after = candidate
                    break
        elif status >= 500:
            kind = ErrorKind.UNCONFIRMED if final and status == 504 else ErrorKind.TRANSIENT
        elif mapped is not None:
            kind = mapped.kind
        else:
            kind = ErrorKind.AUTH if status == 401 else ErrorKind.PERMANENT
        text = redact(f"{self.name}: {message} ({where} → {status})", secrets)
        logger.warning("platform error %s kind=%s code=%s: %s", self.platform, kind.value, code, text)
        return PublishError(kind, text, code=code, retry_after=retry_after)

    # --- Hooks ------------------------------------------------------------------------------
    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        """Map the platform's own error body to a PublishError (None: let the status decide)."""
        return None

    def quota_exhausted(self, *, status: int, body: Any) -> PublishError | None:
        """A refusal no rate-limit window frees (e.g. a monthly usage cap): its PERMANENT error, or None."""
        return None

    def default_retry_after(self) -> float | None:
        """Wait for a 429 that names no window (None: the caller's backoff decides)."""
        return None

    # --- Polling ----------------------------------------------------------------------------
    def upload_each(self, request: PublishRequest, *, key: str, upload: Callable[[MediaItem], str]) -> list[str]:
        """Upload each media item once: the ids are checkpointed in `request.state[key]`, so a
        redelivered task uploads only what was not uploaded yet."""
        ids: list[str] = list(request.state.get(key, []))
        for item in request.media[len(ids):]:
            ids.append(upload(item))
            request.state[key] = ids
            request.save_state(request.state)
        return ids

    def poll(self, check: Callable[[], Any], *, what: str) -> Any:
        """Call `check` until it returns a value other than None, at most `poll_max_attempts` times.

        Runs out as TRANSIENT: the work is still in progress on the platform, a later attempt
        resumes from the saved checkpoint.
        """
        for attempt in range(self.poll_max_attempts):
            result = check()
            if result is not None:
                return result
            if attempt + 1 < self.poll_max_attempts:
                self.sleep(self.poll_interval)
        raise PublishError(ErrorKind.TRANSIENT, f"{self.name}: {what} still in progress", code="still_processing")


def decode_json(response: httpx.Response, default: Any = ...) -> Any:
    """The JSON body of `response`; `{}` for an empty body; `default` (or an error) if not JSON."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        if default is not ...:
            return default
        raise PublishError(
            ErrorKind.TRANSIENT, f"unexpected non-JSON answer (HTTP {response.status_code})", code="bad_json"
        ) from None
