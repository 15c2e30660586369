"""X (Twitter) posts through the X API v2 (api.x.com/2), OAuth 2.0 user context.

What is X's own:
- Images are uploaded first, one by one (`POST /2/media/upload`, multipart: `media` raw bytes from
  `MediaItem.path`, `media_category=tweet_image`; the answer's `data.id` is the media id), then
  `POST /2/tweets` `{"text", "media": {"media_ids": [...]}}` creates the post (1-4 images). Media
  ids are checkpointed so a redelivered task does not upload again. Text-only posts are allowed.
  A video goes through the chunked upload (twitter_video.py) and is then posted the same way.
- Errors are problem JSON `{"title", "detail", "type", "status"}`: 429 rate limited until
  `x-rate-limit-reset` (epoch seconds); 401 auth; 403 duplicate content or forbidden and any other
  4xx permanent; 5xx transient.
- A 429 whose problem type is `https://api.twitter.com/2/problems/usage-capped`
  (`UsageCapExceeded`, "Usage cap exceeded: Monthly product cap", with `period` and `scope`;
  reported in xdevplatform/xdk#25, handled by Postiz's x.provider.ts) is the app's usage cap, not
  the 15-minute window: `x-rate-limit-reset` says nothing about it, so waiting would retry at
  every reset until the month ends. It fails PERMANENT, code `usage_capped`, saying so.
- Tweet and media ids (snowflakes, digits) are checked before they reach a URL.
- Connection: OAuth 2.0 with PKCE (S256) is mandatory; a confidential client (a client secret is
  configured) authenticates to the token endpoint with HTTP Basic, a public client sends its
  client_id in the form. Access tokens last 2 h; the refresh token (scope offline.access)
  rotates: every refresh returns a new one that replaces the old.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

import httpx

from . import requirements
from .base import CommentRequest, CommentResult, Credentials, ErrorKind, MediaItem, Metrics, OAuthNotSupported, PublishError, PublishRequest, PublishResult, TokenSet
from .http import HttpPlatformService, expires_at
from .ids import X_ID, require_id
from .registry import register
from .twitter_video import XVideoMixin


@register
class TwitterService(XVideoMixin, HttpPlatformService):
    platform = "twitter"
    name = "X"
    requirements = requirements.TWITTER
    oauth_supported = True
    refresh_with = "refresh_token"
    pkce = True

    def quota_exhausted(self, *, status: int, body: Any) -> PublishError | None:
        if not isinstance(body, dict):
            return None
        if str(body.get("type", "")).endswith("/usage-capped") or body.get("title") == "UsageCapExceeded":
            period, scope = body.get("period") or "monthly", body.get("scope") or "Product"
            return PublishError(
                ErrorKind.PERMANENT,
                f"X refuses posts: the app's {str(period).lower()} usage cap ({scope}) is used up "
                f"({body.get('detail') or 'Usage cap exceeded'}). Nothing will be published to X until the cap "
                "resets or the X developer plan is raised; retry the post then.",
                code="usage_capped",
            )
        return None

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        if not isinstance(body, dict):
            return None
        message = body.get("detail") or body.get("title") or ""
        if not message and isinstance(body.get("errors"), list) and body["errors"]:
            message = body["errors"][0].get("message", "")
        if not message and isinstance(body.get("error"), str):
            # The token endpoint answers RFC 6749 errors: the grant or client was refused.
            return PublishError(ErrorKind.AUTH, body.get("error_description") or body["error"], code=body["error"])
        if not message:
            return None
        code = str(body.get("type") or body.get("error") or status)
        kind = ErrorKind.AUTH if status == 401 else ErrorKind.PERMANENT
        return PublishError(kind, message, code=code)

    # --- Publishing -------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> PublishResult:
        body: dict[str, Any] = {"text": request.text}
        if request.media:
            body["media"] = {"media_ids": self._upload_media(request)}
        answer = self.call_json("POST", "tweets", credentials=request.credentials, json=body, final=True)
        tweet_id = str(answer["data"]["id"])
        handle = request.credentials.handle.lstrip("@") or "i/web"
        return PublishResult(external_id=tweet_id, permalink=f"https://x.com/{handle}/status/{tweet_id}")

    supports_first_comment = True

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """A reply: `POST /2/tweets` with `reply.in_reply_to_tweet_id`; 201 `{"data": {"id", "text"}}`
        (X API v2, Create Post: docs.x.com/x-api/posts/create-post)."""
        answer = self.call_json(
            "POST", "tweets", credentials=request.credentials,
            json={"text": request.text, "reply": {"in_reply_to_tweet_id": request.external_id}}, final=True,
        )
        return CommentResult(external_id=str(answer["data"]["id"]))

    def _upload_media(self, request: PublishRequest) -> list[str]:
        def upload(item: MediaItem) -> str:
            if item.is_video:
                return self.upload_video(request, item)  # twitter_video.py: chunked, with processing
            answer = self.call_json(
                "POST",
                "media/upload",
                credentials=request.credentials,
                data={"media_category": "tweet_image"},
                files={"media": (os.path.basename(item.path) or "image", item.read_bytes(), item.content_type)},
            )
            return require_id(self.name, "media id", answer["data"]["id"], X_ID)

        return self.upload_each(request, key="media_ids", upload=upload)

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        answer = self.call_json(
            "GET", f"tweets/{require_id(self.name, 'post id', external_id, X_ID)}", credentials=credentials, params={"tweet.fields": "public_metrics"}
        )
        public = answer["data"].get("public_metrics", {})
        return Metrics(
            likes=public.get("like_count"),
            comments=public.get("reply_count"),
            shares=int(public.get("retweet_count", 0)) + int(public.get("quote_count", 0)),
            impressions=public.get("impression_count"),
        )

    # --- Account connection ---------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        if not code_challenge:
            raise ValueError("X requires PKCE: pass the S256 code_challenge")
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.config["scopes"]),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        if not code_verifier:
            raise ValueError("X requires PKCE: pass the code_verifier")
        body = self._token_request(
            {
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            secrets=[code, code_verifier],
        )
        account = Credentials(account_id=0, access_token=body["access_token"])
        user = self.call_json("GET", "users/me", credentials=account)["data"]
        tokens = self._token_set(body)
        tokens.external_id, tokens.handle = str(user["id"]), user.get("username", "")
        return tokens

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        if not credentials.refresh_token:
            raise OAuthNotSupported(
                "X issued no refresh token (scope offline.access missing): reconnect the account.",
                code="refresh_not_supported",
            )
        body = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token},
            secrets=[credentials.refresh_token],
        )
        tokens = self._token_set(body)  # the refresh token rotated: store the new one
        tokens.external_id, tokens.handle = credentials.external_id, credentials.handle
        return tokens

    def _token_request(self, form: dict[str, str], *, secrets: list[str]) -> dict[str, Any]:
        auth = None
        if self.client_secret:  # confidential client: HTTP Basic
            auth = httpx.BasicAuth(self.client_id, self.client_secret)
        else:  # public client: the id in the form
            form = {**form, "client_id": self.client_id}
        return self.call_json("POST", self.config["token_url"], data=form, auth=auth, secrets=secrets)

    @staticmethod
    def _token_set(body: dict[str, Any]) -> TokenSet:
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token", ""),
            expires_at=expires_at(body.get("expires_in")),
            metadata={"scope": body.get("scope", "")},
        )
