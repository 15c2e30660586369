"""LinkedIn member and Page posts through the versioned REST API (api.linkedin.com/rest).

What is LinkedIn's own:
- Every call carries `LinkedIn-Version: YYYYMM` (settings) and `X-Restli-Protocol-Version: 2.0.0`.
  Versions are supported for at least a year and then sunset: a sunset version answers every
  call with HTTP 426 `NONEXISTENT_VERSION` ("Requested version 202510 is not active"), which is
  PERMANENT with a message naming the setting. The default is a live version; `manage.py check`
  warns 60 days before the configured one's sunset (versions.py holds LinkedIn's table,
  https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations).
- The author: `credentials.metadata["organization_id"]` set → `urn:li:organization:{id}` (a
  Page, needs w_organization_social); otherwise `urn:li:person:{external_id}`, the member id
  (`sub` of /v2/userinfo) stored at connection. `metadata["author_urn"]` overrides both.
- Images: `POST /rest/images?action=initializeUpload` gives an upload URL and an image URN;
  the bytes (from `MediaItem.path`) are PUT there; LinkedIn processes the image
  asynchronously, so `GET /rest/images/{urn}` is polled (bounded; TRANSIENT when it runs out)
  until its `status` is AVAILABLE (PROCESSING_FAILED is PERMANENT), as Postiz does
  (linkedin.provider.ts, mediaProcessingStatus). A member token that may not read images (403)
  waits one poll interval instead. Then `POST /rest/posts` with
  `content.media` (one image) or `content.multiImage` (2-9). The post URN comes back in the
  `x-restli-id` header of the 201. Image URNs are checkpointed, so a redelivered task does not
  upload again. A video goes through the Videos API's multi-part upload (linkedin_video.py).
- Commentary is "little text": the reserved characters \\ | { } @ [ ] ( ) < > # * _ ~ are
  backslash-escaped, except inside URLs (so links stay links) and hashtags (so they stay
  hashtags); unescaped, LinkedIn silently truncates the post at the first one.
- Errors `{"message", "serviceErrorCode", "status"}`: 401 auth, 403 permission (permanent),
  422 duplicate (permanent), 429 rate limited until the daily window resets at midnight UTC,
  5xx transient.
- Ids: the author URN (`urn:li:person:{id}` / `urn:li:organization:{digits}`), the image URNs
  LinkedIn answers and the post URN are checked against their formats; the upload URL LinkedIn
  hands back must be on a configured LinkedIn host (`extra_hosts`).
- Metrics: `GET /rest/socialActions/{urn}` needs r_member_social for a member's posts (granted
  to approved partners only) or r_organization_social for a Page's
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions).
  Without it (known from the granted `scope`, or a 403) the reading is empty with
  `unavailable` saying why, instead of an error on every checkpoint.
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
    CommentRequest,
    CommentResult,
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
from .http import HttpPlatformService, check_relative_path, decode_json, expires_at
from .ids import (
    LINKEDIN_AUTHOR_URN,
    LINKEDIN_IMAGE_URN,
    LINKEDIN_MEMBER_ID,
    LINKEDIN_ORGANIZATION_ID,
    LINKEDIN_POST_URN,
    external_id_problems,
    require_id,
)
from .linkedin_video import LinkedInVideoMixin
from .registry import register
from ..text import HASHTAG_RE

RESERVED = set("\\|{}@[]()<>#*_~")
IMAGE_PENDING = ("WAITING_UPLOAD", "PROCESSING")
IMAGE_FAILED = ("PROCESSING_FAILED", "FAILED")
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
class LinkedInService(LinkedInVideoMixin, HttpPlatformService):
    platform = "linkedin"
    name = "LinkedIn"
    requirements = requirements.LINKEDIN
    oauth_supported = True
    refresh_with = "refresh_token"

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """external_id (the member id), author_urn (urn:li:person:... or urn:li:organization:{digits})
        and organization_id (digits) are optional, and checked against LinkedIn's formats (ids.py)."""
        errors: dict = external_id_problems(external_id.strip(), LINKEDIN_MEMBER_ID, "a LinkedIn member id", required=False)
        if "author_urn" in metadata and not LINKEDIN_AUTHOR_URN.fullmatch(str(metadata["author_urn"])):
            errors["author_urn"] = ["Must be urn:li:person:{id} or urn:li:organization:{id}."]
        if "organization_id" in metadata:
            organization_id = str(metadata["organization_id"]).strip()
            if not LINKEDIN_ORGANIZATION_ID.fullmatch(organization_id):
                errors["organization_id"] = ["Must be the LinkedIn Page's numeric id."]
            else:
                metadata["organization_id"] = organization_id
        if errors:
            raise MetadataInvalid(errors)
        return metadata, external_id.strip()

    def api_url(self, path: str) -> str:
        # The version is a header, not a path segment: paths name /rest/... or /v2/... in full.
        if "://" in path or path.startswith("//"):
            return self.checked_url(path)
        return self.checked_url(f"{self.base_url}/{check_relative_path(self.name, path)}")

    def default_headers(self, credentials: Credentials | None) -> dict[str, str]:
        return {
            **super().default_headers(credentials),
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def platform_error(self, *, status: int, body: Any, headers: httpx.Headers) -> PublishError | None:
        message = body.get("message", "") if isinstance(body, dict) else ""
        code = str(body.get("serviceErrorCode", status)) if isinstance(body, dict) else str(status)
        if status == 426 or (isinstance(body, dict) and body.get("code") == "NONEXISTENT_VERSION"):
            return PublishError(
                ErrorKind.PERMANENT,
                f"{message or 'API version not active'}: LinkedIn no longer serves LinkedIn-Version "
                f"{self.api_version}; set LINKEDIN_API_VERSION to a live version (manage.py check lists the sunsets)",
                code="NONEXISTENT_VERSION",
            )
        if status == 401:
            return PublishError(ErrorKind.AUTH, message or "token rejected", code=code)
        if status == 429:
            return PublishError(ErrorKind.RATE_LIMITED, message or "daily limit reached", code=code)
        if status in (403, 422) or 400 <= status < 500:
            return PublishError(ErrorKind.PERMANENT, message or f"HTTP {status}", code=code)
        return PublishError(ErrorKind.TRANSIENT, message or f"HTTP {status}", code=code) if message else None

    def default_retry_after(self) -> float | None:
        return seconds_to_midnight_utc()

    def author_urn(self, credentials: Credentials) -> str:
        metadata = credentials.metadata
        if metadata.get("author_urn"):
            return require_id(self.name, "author URN", metadata["author_urn"], LINKEDIN_AUTHOR_URN)
        if metadata.get("organization_id"):
            organization = require_id(self.name, "organization id", metadata["organization_id"], LINKEDIN_ORGANIZATION_ID)
            return f"urn:li:organization:{organization}"
        return f"urn:li:person:{require_id(self.name, 'member id', credentials.external_id, LINKEDIN_MEMBER_ID)}"

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
        if request.media and request.media[0].is_video:
            body["content"] = {"media": {"id": self.upload_video(request, owner=author)}}  # linkedin_video.py
        elif request.media:
            images = self._upload_images(request, owner=author)
            entries = [
                {"id": urn, "altText": item.alt_text} if item.alt_text else {"id": urn}
                for urn, item in zip(images, request.media)
            ]
            body["content"] = {"media": entries[0]} if len(entries) == 1 else {"multiImage": {"images": entries}}
        response = self.call("POST", "rest/posts", credentials=credentials, json=body, final=True)
        urn = response.headers.get("x-restli-id", "")
        if not LINKEDIN_POST_URN.fullmatch(urn):
            raise PublishError(ErrorKind.UNCONFIRMED, "LinkedIn accepted the post but named no valid post URN.", code="no_urn")
        return PublishResult(external_id=urn, permalink=f"https://www.linkedin.com/feed/update/{urn}/")

    supports_first_comment = True

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """`POST /rest/socialActions/{post urn}/comments` with `{actor, object, message: {text}}`;
        201 with the comment, its URN in `x-restli-id` (and `$URN`/`id` in the body)
        (Comments API, Create a Comment: learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api)."""
        body = {
            "actor": self.author_urn(request.credentials),
            "object": request.external_id,
            "message": {"text": escape_little_text(request.text)},
        }
        response = self.call(
            "POST", f"rest/socialActions/{quote(request.external_id, safe='')}/comments", credentials=request.credentials,
            json=body, final=True,
        )
        answer = decode_json(response, default={})
        urn = response.headers.get("x-restli-id") or (answer.get("$URN") or answer.get("id") if isinstance(answer, dict) else "")
        return CommentResult(external_id=str(urn or ""))

    def _upload_images(self, request: PublishRequest, *, owner: str) -> list[str]:
        def upload(item: MediaItem) -> str:
            init = self.call_json(
                "POST",
                "rest/images",
                credentials=request.credentials,
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner}},
            )["value"]
            image = require_id(self.name, "image URN", init.get("image"), LINKEDIN_IMAGE_URN)
            self.call(
                "PUT",
                self.checked_url(str(init.get("uploadUrl", ""))),
                credentials=request.credentials,
                content=item.read_bytes(),
                headers={"Content-Type": item.content_type or "application/octet-stream"},
            )
            return image

        urns = self.upload_each(request, key="image_urns", upload=upload)
        for urn in urns:
            self.wait_until_available(request.credentials, urn)
        return urns

    def wait_until_available(self, credentials: Credentials, urn: str) -> None:
        """Poll `GET /rest/images/{urn}` until AVAILABLE (bounded; TRANSIENT when it runs out)."""
        path = f"rest/images/{quote(require_id(self.name, 'image URN', urn, LINKEDIN_IMAGE_URN), safe='')}"

        def check() -> str | None:
            try:
                status = str(self.call_json("GET", path, credentials=credentials).get("status", ""))
            except PublishError as error:
                if error.code in ("403", "100") and error.kind == ErrorKind.PERMANENT:
                    # A member token may not read images (Postiz waits instead of polling them).
                    self.sleep(self.poll_interval)
                    return "UNREADABLE"
                raise
            if status in IMAGE_FAILED:
                raise PublishError(ErrorKind.PERMANENT, f"LinkedIn could not process the image {urn} ({status}).", code=status)
            return None if status in IMAGE_PENDING or not status else status

        self.poll(check, what=f"the image {urn}")

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        urn = require_id(self.name, "post URN", external_id, LINKEDIN_POST_URN)
        needed = "r_organization_social" if self.author_urn(credentials).startswith("urn:li:organization:") else "r_member_social"
        granted = str(credentials.metadata.get("scope", "")).replace(",", " ").split()
        unavailable = (
            f"LinkedIn metrics need the {needed} permission"
            + (" (LinkedIn grants it to approved partners only)" if needed == "r_member_social" else "")
            + "; reconnect with it in LINKEDIN_SCOPES to read likes and comments."
        )
        if granted and needed not in granted:
            return Metrics(unavailable=unavailable)
        try:
            body = self.call_json("GET", f"rest/socialActions/{quote(urn, safe='')}", credentials=credentials)
        except PublishError as error:
            if error.kind == ErrorKind.PERMANENT and error.code in ("403", "100"):
                return Metrics(unavailable=f"{unavailable} ({error.message})")
            raise
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
