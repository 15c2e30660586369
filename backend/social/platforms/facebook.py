"""Facebook Pages through the Graph API (settings.SOCIAL_PLATFORMS["facebook"]).

What is Facebook's own:
- The account is a Page: `credentials.external_id` is the Page id, `access_token` a Page token.
- A text post is `POST /{page-id}/feed` (message; a URL in it gets Facebook's preview); one image is
  `POST /{page-id}/photos` (url, message), which creates the post; several images are uploaded
  with `published=false` and attached to one `/feed` post as `attached_media`. The unpublished
  photo ids are checkpointed, so a redelivered task reuses them rather than uploading again.
- Error codes (Graph envelope, https://developers.facebook.com/docs/graph-api/guides/error-handling/):
  1, 2, 341 transient; Graph throttling (4, 17, 32, 613, 80001 Pages BUC ...: HTTP 400) rate
  limited with the wait from the usage headers (see graph.py); 368 policy block permanent; 190,
  102 and subcodes 458-467 auth; 10 and 200-299 permission (permanent); 506 duplicate (permanent).
- The Page id (`external_id`) reaches the URL path: it must be digits; a post id is
  `{page}_{post}` digits.
- Connection: code → 1 h user token → long-lived user token (`fb_exchange_token`) → the Page
  token from `GET /me/accounts` (a Page token got from a long-lived user token does not expire).
  The first Page is connected; every Page (id and name, no tokens) is listed in
  `metadata["pages"]`. There is no refresh token: an expired or revoked token means reconnecting.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from . import requirements
from .base import CommentRequest, CommentResult, Credentials, ErrorKind, MediaItem, MetadataInvalid, Metrics, OAuthNotSupported, PublishError, PublishRequest, PublishResult, TokenSet
from .graph import POLICY_BLOCK, GraphPlatformService
from .ids import GRAPH_ID, GRAPH_OBJECT_ID, external_id_problems, require_id
from .http import expires_at
from .registry import register

PERMISSION_CODES = frozenset({10, *range(200, 300)})


@register
class FacebookService(GraphPlatformService):
    platform = "facebook"
    name = "Facebook"
    requirements = requirements.FACEBOOK
    oauth_supported = True

    transient_codes = frozenset({1, 2, 341})
    permanent_codes = frozenset({*PERMISSION_CODES, 506, POLICY_BLOCK})

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """A manually connected Page: `external_id` is its numeric Page id (it becomes part of URLs)."""
        problems = external_id_problems(external_id.strip(), GRAPH_ID, "the Facebook Page id (digits)", required=True)
        if problems:
            raise MetadataInvalid(problems)
        return metadata, external_id.strip()

    # --- Publishing -------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> PublishResult:
        credentials = request.credentials
        if not credentials.external_id:
            raise PublishError(ErrorKind.PERMANENT, "Facebook: the account has no Page id.", code="no_page")
        page_id = require_id(self.name, "Page id", credentials.external_id, GRAPH_ID)
        if len(request.media) == 1:
            item = request.media[0]
            body = self.call_json(
                "POST",
                f"{page_id}/photos",
                credentials=credentials,
                data={"url": item.url, "message": request.text},
                final=True,
            )
            post_id = str(body.get("post_id") or body.get("id", ""))
            return PublishResult(external_id=post_id, permalink=permalink(post_id), details={"photo_id": body.get("id", "")})

        data: dict[str, Any] = {"message": request.text}
        if request.media:
            photo_ids = self._upload_unpublished(request)
            for index, photo_id in enumerate(photo_ids):
                data[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
        body = self.call_json("POST", f"{page_id}/feed", credentials=credentials, data=data, final=True)
        post_id = str(body["id"])
        return PublishResult(external_id=post_id, permalink=permalink(post_id))

    def _upload_unpublished(self, request: PublishRequest) -> list[str]:
        """Upload each image with published=false (once: the ids are checkpointed)."""

        def upload(item: MediaItem) -> str:
            body = self.call_json(
                "POST",
                f"{request.credentials.external_id}/photos",
                credentials=request.credentials,
                data={"url": item.url, "published": "false"},
            )
            return require_id(self.name, "photo id", str(body["id"]), GRAPH_ID)

        return self.upload_each(request, key="photo_ids", upload=upload)

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        body = self.call_json(
            "GET",
            require_id(self.name, "post id", external_id, GRAPH_OBJECT_ID),
            credentials=credentials,
            params={"fields": "reactions.summary(total_count),comments.summary(true),shares"},
        )
        return Metrics(
            likes=_summary_count(body, "reactions"),
            comments=_summary_count(body, "comments"),
            shares=int(body.get("shares", {}).get("count", 0)),
        )

    # --- First comment ----------------------------------------------------------------------
    supports_first_comment = True

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """`POST /{post-id}/comments` with `message`; the answer is `{"id": "<comment id>"}`
        (Graph API reference, Object Comments: developers.facebook.com/docs/graph-api/reference/object/comments)."""
        body = self.call_json(
            "POST", f"{request.external_id}/comments", credentials=request.credentials, data={"message": request.text}, final=True,
        )
        return CommentResult(external_id=str(body["id"]))

    # --- Account connection ---------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(self.config["scopes"]),
        }
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        token_url = self.config["token_url"]
        short = self.call_json(
            "GET",
            token_url,
            params={
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "client_secret": self.client_secret,
                "code": code,
            },
            secrets=[code],
        )
        long_lived = self.call_json(
            "GET",
            token_url,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "fb_exchange_token": short["access_token"],
            },
            secrets=[short["access_token"]],
        )
        user = Credentials(account_id=0, access_token=long_lived["access_token"])
        pages = self.call_json(
            "GET", "me/accounts", credentials=user, params={"fields": "id,name,access_token"}
        ).get("data", [])
        if not pages:
            raise PublishError(ErrorKind.PERMANENT, "Facebook: the user manages no Page.", code="no_page")
        page = pages[0]
        return TokenSet(
            access_token=page["access_token"],
            external_id=str(page["id"]),
            handle=page.get("name", ""),
            expires_at=None,  # a Page token from a long-lived user token does not expire
            metadata={
                "pages": [{"id": str(p["id"]), "name": p.get("name", "")} for p in pages],
                "user_token_expires_at": _iso(expires_at(long_lived.get("expires_in"))),
            },
        )

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        raise OAuthNotSupported(
            "Facebook Page tokens have no refresh: reconnect the Page.", code="refresh_not_supported"
        )


def permalink(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}" if post_id else ""


def _summary_count(body: dict[str, Any], field: str) -> int:
    return int(body.get(field, {}).get("summary", {}).get("total_count", 0))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
