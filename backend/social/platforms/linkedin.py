"""LinkedIn member and Page posts through the versioned REST API (api.linkedin.com/rest).

What is LinkedIn's own:
- Every call carries `LinkedIn-Version: YYYYMM` (settings) and `X-Restli-Protocol-Version: 2.0.0`.
- The author: `credentials.metadata["organization_id"]` set → `urn:li:organization:{id}` (a
  Page, needs w_organization_social); otherwise `urn:li:person:{external_id}`, the member id
  (`sub` of /v2/userinfo) stored at connection. `metadata["author_urn"]` overrides both.
- Images: `POST /rest/images?action=initializeUpload` gives an upload URL and an image URN;
  the bytes (from `MediaItem.path`) are PUT there; then `POST /rest/posts` with
  `content.media` (one image) or `content.multiImage` (2-9). The post URN comes back in the
  `x-restli-id` header of the 201. Image URNs are checkpointed, so a redelivered task does not
  upload again.
- Commentary is "little text": the reserved characters \\ | { } @ [ ] ( ) < > # * _ ~ are
  backslash-escaped, except inside URLs (so links stay links) and hashtags (so they stay
  hashtags); unescaped, LinkedIn silently truncates the post at the first one.
- Errors `{"message", "serviceErrorCode", "status"}`: 401 auth, 403 permission (permanent),
  422 duplicate (permanent), 429 rate limited until the daily window resets at midnight UTC,
  5xx transient.
- Connection: code → 60 day access token; member id and name from `/v2/userinfo`. Refresh tokens
  exist only for approved partners: `refresh_token` works when one was issued, else it raises.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from . import requirements
from .base import (
    Credentials,
    ErrorKind,
    MediaItem,
    MetadataInvalid,
    Metrics,
    OAuthNotSupported,
    PublishError,
    PublishRequest,
    PublishResult,
    TokenSet,
)
from .http import HttpPlatformService, expires_at
from .registry import register
from ..text import HASHTAG_RE

LINKEDIN_URN_RE = re.compile(r"^urn:li:(person|organization):[A-Za-z0-9_-]{1,64}$")
RESERVED = set("\\|{}@[]()<>#*_~")
URL_RE = re.compile(r"https?://\S+")


def escape_little_text(text: str) -> str:
    """`text` as literal little text: reserved characters escaped, URLs and hashtags kept as they are."""
    spans = sorted([m.span() for m in URL_RE.finditer(text)] + [m.span() for m in HASHTAG_RE.finditer(text)])
    out: list[str] = []
    index = 0
    for start, end in spans:
        if start < index:  # a hashtag-looking fragment inside a URL
            continue
        out.append(_escape(text[index:start]))
        out.append(text[start:end])
        index = end
    out.append(_escape(text[index:]))
    return "".join(out)


def _escape(text: str) -> str:
    return "".join("\\" + char if char in RESERVED else char for char in text)


def seconds_to_midnight_utc(now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


@register
class LinkedInService(HttpPlatformService):
    platform = "linkedin"
    name = "LinkedIn"
    requirements = requirements.LINKEDIN
    oauth_supported = True
    refresh_with = "refresh_token"

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """author_urn (urn:li:person:... or urn:li:organization:...) and organization_id (digits) are optional."""
        errors: dict = {}
        if "author_urn" in metadata and not LINKEDIN_URN_RE.match(str(metadata["author_urn"])):
            errors["author_urn"] = ["Must be urn:li:person:{id} or urn:li:organization:{id}."]
        if "organization_id" in metadata:
            organization_id = str(metadata["organization_id"]).strip()
            if not organization_id.isdigit() or len(organization_id) > 32:
                errors["organization_id"] = ["Must be the LinkedIn Page's numeric id."]
            else:
                metadata["organization_id"] = organization_id
        if errors:
            raise MetadataInvalid(errors)
        return metadata, external_id


    def api_url(self, path: str) -> str:
        # The version is a header, not a path segment: paths name /rest/... or /v2/... in full.
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def default_headers(self, credentials: Credentials | None) -> dict[str, str]:
        return {
            **super().default_headers(credentials),
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        message = body.get("message", "") if isinstance(body, dict) else ""
        code = str(body.get("serviceErrorCode", status)) if isinstance(body, dict) else str(status)
        if status == 401:
            return PublishError(ErrorKind.AUTH, message or "token rejected", code=code)
        if status == 429:
            return PublishError(ErrorKind.RATE_LIMITED, message or "daily limit reached", code=code)
        if status in (403, 422) or 400 <= status < 500:
            return PublishError(ErrorKind.PERMANENT, message or f"HTTP {status}", code=code)
        return PublishError(ErrorKind.TRANSIENT, message or f"HTTP {status}", code=code) if message else None

    def default_retry_after(self) -> float | None:
        return seconds_to_midnight_utc()

    @staticmethod
    def author_urn(credentials: Credentials) -> str:
        metadata = credentials.metadata
        if metadata.get("author_urn"):
            return metadata["author_urn"]
        if metadata.get("organization_id"):
            return f"urn:li:organization:{metadata['organization_id']}"
        return f"urn:li:person:{credentials.external_id}"

    # --- Publishing -------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> PublishResult:
        credentials = request.credentials
        author = self.author_urn(credentials)
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_little_text(request.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if request.media:
            images = self._upload_images(request, owner=author)
            entries = [
                {"id": urn, "altText": item.alt_text} if item.alt_text else {"id": urn}
                for urn, item in zip(images, request.media)
            ]
            body["content"] = {"media": entries[0]} if len(entries) == 1 else {"multiImage": {"images": entries}}
        response = self.call("POST", "rest/posts", credentials=credentials, json=body, final=True)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PublishError(ErrorKind.UNCONFIRMED, "LinkedIn accepted the post but named no post URN.", code="no_urn")
        return PublishResult(external_id=urn, permalink=f"https://www.linkedin.com/feed/update/{urn}/")

    def _upload_images(self, request: PublishRequest, *, owner: str) -> list[str]:
        def upload(item: MediaItem) -> str:
            init = self.call_json(
                "POST",
                "rest/images",
                credentials=request.credentials,
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner}},
            )["value"]
            self.call(
                "PUT",
                init["uploadUrl"],
                credentials=request.credentials,
                content=item.read_bytes(),
                headers={"Content-Type": item.content_type or "application/octet-stream"},
            )
            return init["image"]

        return self.upload_each(request, key="image_urns", upload=upload)

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        body = self.call_json("GET", f"rest/socialActions/{quote(external_id, safe='')}", credentials=credentials)
        return Metrics(
            likes=int(body.get("likesSummary", {}).get("totalLikes", 0)),
            comments=int(body.get("commentsSummary", {}).get("aggregatedTotalComments", 0)),
        )

    # --- Account connection ---------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(self.config["scopes"]),
        }
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        body = self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}, secrets=[code]
        )
        account = Credentials(account_id=0, access_token=body["access_token"])
        user = self.call_json("GET", "v2/userinfo", credentials=account)
        tokens = self._token_set(body)
        tokens.external_id = str(user["sub"])
        tokens.handle = user.get("name", "")
        return tokens

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        if not credentials.refresh_token:
            raise OAuthNotSupported(
                "LinkedIn issued no refresh token for this app: reconnect the account.", code="refresh_not_supported"
            )
        body = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token},
            secrets=[credentials.refresh_token],
        )
        tokens = self._token_set(body)
        tokens.external_id, tokens.handle = credentials.external_id, credentials.handle
        tokens.refresh_token = tokens.refresh_token or credentials.refresh_token
        return tokens

    def _token_request(self, form: dict[str, str], *, secrets: list[str]) -> dict[str, Any]:
        return self.call_json(
            "POST",
            self.config["token_url"],
            data={**form, "client_id": self.client_id, "client_secret": self.client_secret},
            secrets=secrets,
        )

    @staticmethod
    def _token_set(body: dict[str, Any]) -> TokenSet:
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token", ""),
            expires_at=expires_at(body.get("expires_in")),
            refresh_expires_at=expires_at(body.get("refresh_token_expires_in")),
            metadata={"scope": body.get("scope", "")},
        )
