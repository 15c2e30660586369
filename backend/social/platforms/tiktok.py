"""TikTok photo posts through the Content Posting API (open.tiktokapis.com/v2), direct post.
(Video posts: tiktok_video.py.)

What is TikTok's own:
- No text-only posts. TikTok's Direct Post rules
  (https://developers.tiktok.com/doc/content-sharing-guidelines) make the creator choose the
  privacy level (no default picked for them) and the interactions (none on by default), and an
  unaudited app may only post SELF_ONLY. So the post's own options (`request.options`, the post's
  `metadata["tiktok"]`: `privacy_level`, `allow_comment`, `brand_content_toggle`,
  `brand_organic_toggle`, `auto_add_music`) decide; without them the most private choice is
  made: SELF_ONLY when offered (else the most private level offered) and comments off. Before
  posting, `creator_info/query` says what this creator allows: a privacy level not among its
  `privacy_level_options`, comments on a creator who disabled them, or branded content posted
  privately (TikTok refuses it) fail PERMANENT with a message saying what to change.
- A photo post is `content/init` with `source: PULL_FROM_URL` (TikTok downloads the images from
  their public URLs, on a domain verified for the app). Title: the first line of the text, cut to
  90 characters; description: the whole text (≤ 4,000).
- Publishing is asynchronous: the `publish_id` is saved with `request.save_state` as soon as
  TikTok returns it, then `status/fetch` is polled (bounded) until PUBLISH_COMPLETE or FAILED.
  A redelivered task with a saved publish_id only polls: it never initialises a second post.
- Every answer is `{"data", "error": {"code", "message", "log_id"}}`; any code but "ok" fails,
  whatever the HTTP status. internal_error transient; rate_limit_exceeded rate limited (a minute,
  TikTok's limits are per minute, unless the answer names a wait); access_token_invalid and
  scope_not_authorized auth; spam_risk_*, invalid_param, privacy_level_option_mismatch,
  unaudited_client_can_only_post_to_private_accounts, picture_size_check_failed,
  file_format_check_failed and unknown codes permanent.
- Connection: `client_key` (not client_id); `expires_in` / `refresh_expires_in` are trusted as
  given; refresh tokens rotate.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from . import requirements
from .base import Credentials, ErrorKind, Metrics, OAuthNotSupported, PublishError, PublishRequest, PublishResult, TokenSet
from .http import HttpPlatformService, expires_at
from .registry import register
from .tiktok_video import TikTokVideoMixin

TRANSIENT_CODES = frozenset({"internal_error"})
RATE_LIMITED_CODES = frozenset({"rate_limit_exceeded"})
AUTH_CODES = frozenset({"access_token_invalid", "scope_not_authorized"})
RATE_LIMIT_RETRY_SECONDS = 60.0
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY")
MOST_PRIVATE_FIRST = tuple(reversed(PRIVACY_LEVELS))
OPTION_FLAGS = ("allow_comment", "brand_content_toggle", "brand_organic_toggle", "auto_add_music")
TITLE_MAX = 90
DESCRIPTION_MAX = 4000


def title_of(text: str) -> str:
    """The post title: the text's first non-empty line, cut to TikTok's 90 characters."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:TITLE_MAX]


def envelope_error(body: Any) -> PublishError | None:
    """The PublishError an answer's `error` object stands for (None when its code is "ok")."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    code = str(error.get("code", ""))
    if code in ("", "ok"):
        return None
    message = f"{error.get('message') or code} (log_id {error.get('log_id', '')})"
    if code in TRANSIENT_CODES:
        return PublishError(ErrorKind.TRANSIENT, message, code=code)
    if code in RATE_LIMITED_CODES:
        return PublishError(ErrorKind.RATE_LIMITED, message, code=code, retry_after=RATE_LIMIT_RETRY_SECONDS)
    if code in AUTH_CODES:
        return PublishError(ErrorKind.AUTH, message, code=code)
    return PublishError(ErrorKind.PERMANENT, message, code=code)


@register
class TikTokService(TikTokVideoMixin, HttpPlatformService):
    platform = "tiktok"
    name = "TikTok"
    requirements = requirements.TIKTOK
    oauth_supported = True
    refresh_with = "refresh_token"

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        error = envelope_error(body)
        if error is None and isinstance(body, dict) and isinstance(body.get("error"), str):
            # The OAuth endpoint answers {"error", "error_description", "log_id"}.
            kind = ErrorKind.AUTH if body["error"] in ("invalid_grant", "invalid_client") else ErrorKind.PERMANENT
            return PublishError(kind, body.get("error_description") or body["error"], code=body["error"])
        return error

    def default_retry_after(self) -> float | None:
        return RATE_LIMIT_RETRY_SECONDS

    def api(self, path: str, *, credentials: Credentials, json: Any, final: bool = False, params: dict | None = None) -> dict[str, Any]:
        """A Content API call: JSON in, the `data` of the envelope out (an error code fails it)."""
        body = self.call_json(
            "POST",
            path,
            credentials=credentials,
            json=json,
            params=params,
            headers={"Content-Type": "application/json; charset=UTF-8"},
            final=final,
        )
        error = envelope_error(body)
        if error is not None:
            raise PublishError(error.kind, f"{self.name}: {error.message}", code=error.code, retry_after=error.retry_after)
        return body.get("data") or {}

    # --- Publishing -------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> PublishResult:
        if request.media and request.media[0].is_video:
            return self.publish_video(request)  # tiktok_video.py: FILE_UPLOAD in chunks
        credentials = request.credentials
        state = request.state
        if not state.get("publish_id"):
            if not request.media:
                raise PublishError(ErrorKind.PERMANENT, "TikTok: a post needs at least one image.", code="no_media")
            creator = self.api("post/publish/creator_info/query/", credentials=credentials, json={})
            post_info = self.post_info(creator=creator, options=request.options)
            data = self.api(
                "post/publish/content/init/",
                credentials=credentials,
                json={
                    "media_type": "PHOTO",
                    "post_mode": "DIRECT_POST",
                    "source_info": {
                        "source": "PULL_FROM_URL",
                        "photo_images": [item.url for item in request.media],
                        "photo_cover_index": 0,
                    },
                    "post_info": {
                        "title": title_of(request.text),
                        "description": request.text[:DESCRIPTION_MAX],
                        **post_info,
                    },
                },
                final=True,
            )
            state["publish_id"] = data["publish_id"]
            request.save_state(state)
        publish_id = state["publish_id"]
        status = self.poll(lambda: self._status(credentials, publish_id), what="the TikTok post")
        if status.get("status") == "FAILED":
            reason = status.get("fail_reason", "unknown")
            raise PublishError(ErrorKind.PERMANENT, f"TikTok could not publish the post: {reason}", code=reason)
        post_ids = status.get("publicaly_available_post_id") or []  # sic: TikTok's spelling
        external_id = str(post_ids[0]) if post_ids else publish_id
        handle = credentials.handle.lstrip("@")
        permalink = f"https://www.tiktok.com/@{handle}/photo/{post_ids[0]}" if post_ids and handle else ""
        return PublishResult(external_id=external_id, permalink=permalink, details={"publish_id": publish_id})

    def _status(self, credentials: Credentials, publish_id: str) -> dict[str, Any] | None:
        data = self.api("post/publish/status/fetch/", credentials=credentials, json={"publish_id": publish_id})
        return data if data.get("status") in ("PUBLISH_COMPLETE", "FAILED") else None

    @staticmethod
    def post_info(*, creator: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        """Privacy and interaction settings of a photo post, checked against creator_info."""
        offered = [level for level in creator.get("privacy_level_options") or [] if level in PRIVACY_LEVELS]
        wanted = options.get("privacy_level")
        if wanted:
            if wanted not in offered:
                raise PublishError(
                    ErrorKind.PERMANENT,
                    f"TikTok: this creator cannot post with privacy level {wanted}; choose one of {', '.join(offered) or 'none'}.",
                    code="privacy_level_option_mismatch",
                )
            privacy = wanted
        else:
            privacy = next((level for level in MOST_PRIVATE_FIRST if level in offered), "")
            if not privacy:
                raise PublishError(ErrorKind.PERMANENT, "TikTok offers this creator no privacy level to post with.", code="no_privacy_level")
        allow_comment = bool(options.get("allow_comment", False))
        if allow_comment and creator.get("comment_disabled"):
            raise PublishError(
                ErrorKind.PERMANENT,
                "TikTok: this creator has turned comments off in the TikTok app; post with allow_comment false.",
                code="comment_disabled",
            )
        brand_content = bool(options.get("brand_content_toggle", False))
        if brand_content and privacy == "SELF_ONLY":
            raise PublishError(
                ErrorKind.PERMANENT,
                "TikTok: branded content cannot be posted with privacy level SELF_ONLY; choose a wider audience.",
                code="brand_content_private",
            )
        return {
            "privacy_level": privacy,
            "disable_comment": not allow_comment,
            "brand_content_toggle": brand_content,
            "brand_organic_toggle": bool(options.get("brand_organic_toggle", False)),
            "auto_add_music": bool(options.get("auto_add_music", True)),
        }

    def validate_post_options(self, options: Any) -> dict[str, str]:
        """Problems with a post's TikTok options (field → message), before anything is scheduled."""
        if options in (None, {}):
            return {}
        if not isinstance(options, dict):
            return {"tiktok": "Must be an object: {privacy_level, allow_comment, brand_content_toggle, brand_organic_toggle, auto_add_music}."}
        problems: dict[str, str] = {}
        unknown = sorted(set(options) - {"privacy_level", *OPTION_FLAGS})
        if unknown:
            problems["tiktok"] = f"Unknown TikTok options: {', '.join(unknown)}."
        if "privacy_level" in options and options["privacy_level"] not in PRIVACY_LEVELS:
            problems["tiktok.privacy_level"] = f"Must be one of {', '.join(PRIVACY_LEVELS)}."
        for flag in OPTION_FLAGS:
            if flag in options and not isinstance(options[flag], bool):
                problems[f"tiktok.{flag}"] = "Must be true or false."
        if options.get("brand_content_toggle") is True and options.get("privacy_level", "SELF_ONLY") == "SELF_ONLY":
            problems["tiktok.brand_content_toggle"] = "Branded content cannot be posted privately (SELF_ONLY): choose privacy_level."
        return problems

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        data = self.api(
            "video/query/",
            credentials=credentials,
            params={"fields": "id,like_count,comment_count,share_count,view_count"},
            json={"filters": {"video_ids": [external_id]}},
        )
        videos = data.get("videos") or [{}]
        video = videos[0]
        return Metrics(
            likes=video.get("like_count"),
            comments=video.get("comment_count"),
            shares=video.get("share_count"),
            views=video.get("view_count"),
        )

    # --- Account connection ---------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        query = {
            "client_key": self.client_id,
            "scope": ",".join(self.config["scopes"]),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        body = self._token_request(
            {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}, secrets=[code]
        )
        tokens = self._token_set(body)
        account = Credentials(account_id=0, access_token=tokens.access_token)
        user = self.call_json(
            "GET", "user/info/", credentials=account, params={"fields": "open_id,display_name"}
        ).get("data", {}).get("user", {})
        tokens.handle = user.get("display_name", "")
        return tokens

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        if not credentials.refresh_token:
            raise OAuthNotSupported("TikTok: no refresh token stored: reconnect the account.", code="refresh_not_supported")
        body = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token},
            secrets=[credentials.refresh_token],
        )
        tokens = self._token_set(body)  # rotated: the new refresh token replaces the old
        tokens.handle = credentials.handle
        return tokens

    def _token_request(self, form: dict[str, str], *, secrets: list[str]) -> dict[str, Any]:
        return self.call_json(
            "POST",
            self.config["token_url"],
            data={"client_key": self.client_id, "client_secret": self.client_secret, **form},
            secrets=secrets,
        )

    @staticmethod
    def _token_set(body: dict[str, Any]) -> TokenSet:
        if "access_token" not in body:
            raise PublishError(ErrorKind.AUTH, f"TikTok refused the token request: {body.get('error_description', '')}", code=str(body.get("error", "")))
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token", ""),
            expires_at=expires_at(body.get("expires_in")),
            refresh_expires_at=expires_at(body.get("refresh_expires_in")),
            external_id=str(body.get("open_id", "")),
            metadata={"scope": body.get("scope", "")},
        )
