"""Instagram professional accounts, Instagram API with Instagram Login (graph.instagram.com).

What is Instagram's own:
- No text-only posts; Instagram fetches every image (and a Reel's video) from its public URL.
  A video is published as a Reel (instagram_reels.py); the rest of the flow is the same.
- Publishing is two-phase: create a media container (`POST /{ig-user-id}/media`; a carousel is
  one child container per image with `is_carousel_item=true`, then a `CAROUSEL` container), wait
  for its `status_code` to be FINISHED (bounded polling), then `POST /{ig-user-id}/media_publish`
  with `creation_id`. Only `media_publish` creates the post.
- Exactly once: the container id is saved with `request.save_state` *before* `media_publish`, and
  the moment publishing started with it. A redelivered task reuses the container instead of
  creating one. If the saved container is already PUBLISHED (the previous attempt published and
  died before recording it), it is not published again: the account's recent media are searched
  for the post (same caption, timestamp after the checkpoint); if none matches, UNCONFIRMED.
  An EXPIRED container (24 h old, never published) is dropped and a new one made next attempt.
- Publishing cap per rolling 24 h: `publishing_quota()` reads content_publishing_limit.
- Errors (Graph envelope plus subcodes,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
  9007/2207027 media not ready (transient), 9/2207042 daily cap (rate limited, retried after an
  hour), -1/2207001, -1/2207032, -2/2207003 transient; 36000/2207004, 36001/2207005,
  36003/2207009, 36004/2207010, 4/2207051 (spam: a code-4 pair, not throttling), 9004/2207052
  permanent; Graph throttling (4, 17, 32, 613, 80002 Instagram BUC: HTTP 400) rate limited with
  the wait from the usage headers; 368 permanent; 190 auth.
- Ids that reach a URL path (the account's `external_id`, container and media ids, whatever
  Instagram answers) must be digits.
- Metrics: `like_count`/`comments_count` need only instagram_business_basic; the insights
  (views, reach, shares, saved) need instagram_business_manage_insights, which is in the default
  scopes. A token granted without it gets the basic counts and `unavailable` names the reason.
- Connection: code → 1 h token (`POST api.instagram.com/oauth/access_token`) → 60 day token
  (`ig_exchange_token`); `refresh_token` extends a 60 day token (`ig_refresh_token`; the token
  must be at least 24 h old and unexpired): there is no separate refresh token.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone as django_timezone

from . import requirements
from .base import (
    CommentRequest,
    CommentResult,
    Credentials,
    ErrorKind,
    MetadataInvalid,
    Metrics,
    PublicationUnknown,
    PublishAllowance,
    PublishError,
    PublishRequest,
    PublishResult,
    TokenSet,
)
from .graph import GRAPH_THROTTLE_CODES, POLICY_BLOCK, GraphError, GraphPlatformService
from .ids import GRAPH_ID, external_id_problems, is_valid, require_id
from .http import expires_at
from .instagram_reels import reel_container
from .registry import register

logger = logging.getLogger(__name__)

NOT_READY = (9007, 2207027)
DAILY_CAP = (9, 2207042)
DAILY_CAP_RETRY_SECONDS = 3600.0  # a rolling 24 h window: look again in an hour
# How far back a PUBLISHED container's media may be stamped before the checkpoint (clock skew).
MATCH_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class PublishingQuota:
    used: int
    limit: int
    window_seconds: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@register
class InstagramService(GraphPlatformService):
    platform = "instagram"
    name = "Instagram"
    requirements = requirements.INSTAGRAM
    oauth_supported = True
    refresh_with = "access_token"
    refresh_min_age_seconds = 24 * 3600

    transient_codes = frozenset({NOT_READY, (-1, 2207001), (-1, 2207032), (-2, 2207003), -1, -2, 1, 2})
    rate_limited_codes = frozenset({DAILY_CAP, *GRAPH_THROTTLE_CODES})
    permanent_codes = frozenset(
        {(36000, 2207004), (36001, 2207005), (36003, 2207009), (36004, 2207010), (4, 2207051), (9004, 2207052), POLICY_BLOCK}
    )

    def graph_retry_after(self, error: GraphError, kind: ErrorKind) -> float | None:
        return DAILY_CAP_RETRY_SECONDS if (error.code, error.subcode) == DAILY_CAP else None

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """A manually connected account: `external_id` is its numeric Instagram user id (part of URLs)."""
        problems = external_id_problems(external_id.strip(), GRAPH_ID, "the Instagram professional account id (digits)", required=True)
        if problems:
            raise MetadataInvalid(problems)
        return metadata, external_id.strip()

    # --- Publishing -------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> PublishResult:
        credentials = request.credentials
        state = request.state
        if state.get("media_id"):  # published, but the attempt ended before returning
            return self._result(credentials, state["media_id"])
        if not state.get("creation_id"):
            if not request.media:
                raise PublishError(ErrorKind.PERMANENT, "Instagram: a post needs at least one image.", code="no_media")
            state["creation_id"] = self._create_container(request)
            state["publish_started_at"] = datetime.now(timezone.utc).isoformat()
            request.save_state(state)
        creation_id = state["creation_id"]

        status = self.poll(lambda: self._container_ready(credentials, creation_id), what="the media container")
        if status == "PUBLISHED":
            return self._find_published(request)
        if status == "EXPIRED":
            for key in ("creation_id", "publish_started_at"):
                state.pop(key, None)
            request.save_state(state)
            raise PublishError(ErrorKind.TRANSIENT, "Instagram: the media container expired; a new one will be made.", code="EXPIRED")
        if status == "ERROR":
            raise PublishError(ErrorKind.PERMANENT, "Instagram could not process the media (container status ERROR).", code="ERROR")

        body = self.call_json(
            "POST",
            f"{self._user(credentials)}/media_publish",
            credentials=credentials,
            json={"creation_id": creation_id},
            final=True,
        )
        media_id = str(body.get("id", ""))
        if not is_valid(media_id, GRAPH_ID):  # published, but the answer names no usable media id
            raise PublishError(
                ErrorKind.UNCONFIRMED, "Instagram published the post but answered no valid media id.", code="bad_media_id"
            )
        state["media_id"] = media_id
        request.save_state(state)
        return self._result(credentials, state["media_id"])

    def find_publication(self, *, credentials: Credentials, post_id: int, state: dict, text: str = "") -> PublishResult | None:
        """From the saved checkpoint: only `media_publish` on the saved container creates a post.

        A saved media id is the post; no container means media_publish was never sent; a
        container that is not PUBLISHED was never published (the next attempt reuses it); a
        PUBLISHED one is looked up among the account's recent media, else nobody can tell.
        """
        if state.get("media_id"):
            return self._result(credentials, state["media_id"])
        creation_id = state.get("creation_id")
        if not creation_id:
            return None
        if self._container_ready(credentials, creation_id) != "PUBLISHED":
            return None
        request = PublishRequest(post_id=post_id, text=text, credentials=credentials, state=dict(state))
        try:
            return self._find_published(request)
        except PublishError as error:
            if error.kind == ErrorKind.UNCONFIRMED:
                raise PublicationUnknown(error.message) from None
            raise

    def _create_container(self, request: PublishRequest) -> str:
        credentials = request.credentials
        path = f"{self._user(credentials)}/media"
        if any(item.is_video for item in request.media):
            return self._id(self.call_json("POST", path, credentials=credentials, json=reel_container(request))["id"], "container id")
        if len(request.media) == 1:
            item = request.media[0]
            body: dict[str, Any] = {"image_url": item.url, "caption": request.text}
            if item.alt_text:
                body["alt_text"] = item.alt_text
            return self._id(self.call_json("POST", path, credentials=credentials, json=body)["id"], "container id")
        children = []
        for item in request.media:
            child: dict[str, Any] = {"image_url": item.url, "is_carousel_item": True}
            if item.alt_text:
                child["alt_text"] = item.alt_text
            children.append(self._id(self.call_json("POST", path, credentials=credentials, json=child)["id"], "container id"))
        body = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": request.text}
        return self._id(self.call_json("POST", path, credentials=credentials, json=body)["id"], "container id")

    def _container_ready(self, credentials: Credentials, creation_id: str) -> str | None:
        """The container's final status, or None while it is IN_PROGRESS."""
        body = self.call_json(
            "GET", self._id(creation_id, "container id"), credentials=credentials, params={"fields": "status_code"}
        )
        status = body.get("status_code", "")
        return None if status in ("", "IN_PROGRESS") else status

    def _find_published(self, request: PublishRequest) -> PublishResult:
        """The media a PUBLISHED container became: a recent post with our caption, after the checkpoint."""
        credentials = request.credentials
        started = _parse_time(request.state.get("publish_started_at"))
        body = self.call_json(
            "GET",
            f"{self._user(credentials)}/media",
            credentials=credentials,
            params={"fields": "id,caption,permalink,timestamp", "limit": 25},
        )
        for media in body.get("data", []):
            stamped = _parse_time(media.get("timestamp"))
            recent = started is None or (stamped is not None and stamped >= started - MATCH_SKEW)
            if (media.get("caption") or "") == request.text and recent:
                media_id = self._id(media["id"], "media id")
                request.state["media_id"] = media_id
                request.save_state(request.state)
                return PublishResult(external_id=media_id, permalink=media.get("permalink", ""))
        raise PublishError(
            ErrorKind.UNCONFIRMED,
            "Instagram: the media container was already published but the post was not found; check the account.",
            code="PUBLISHED",
        )

    def _user(self, credentials: Credentials) -> str:
        return require_id(self.name, "Instagram user id", credentials.external_id, GRAPH_ID)

    def _id(self, value: object, what: str) -> str:
        return require_id(self.name, what, value, GRAPH_ID)

    def _result(self, credentials: Credentials, media_id: str) -> PublishResult:
        media_id = self._id(media_id, "media id")
        try:
            body = self.call_json("GET", media_id, credentials=credentials, params={"fields": "permalink"})
        except PublishError:  # the post exists: a missing permalink must not fail it
            return PublishResult(external_id=media_id)
        return PublishResult(external_id=media_id, permalink=body.get("permalink", ""))

    supports_first_comment = True

    def publish_comment(self, request: CommentRequest) -> CommentResult:
        """`POST /{ig-media-id}/comments?message=...`; the answer is `{"id": "<ig comment id>"}`
        (Instagram Graph API reference, IG Media Comments:
        developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments)."""
        body = self.call_json(
            "POST", f"{request.external_id}/comments", credentials=request.credentials, params={"message": request.text}, final=True,
        )
        return CommentResult(external_id=str(body["id"]))

    def publish_allowances(self, *, credentials: Credentials) -> list[PublishAllowance]:
        """The account's own rolling 24 h quota (content_publishing_limit), read at most every
        INSTAGRAM_QUOTA_CACHE_SECONDS; posts published since the reading are counted on top. A
        reading that fails is skipped (the platform's own daily-cap error still makes the post wait)."""
        reading = self.cached_quota(credentials=credentials)
        if reading is None:
            return super().publish_allowances(credentials=credentials)
        quota, read_at = reading
        if quota.limit <= 0:
            return super().publish_allowances(credentials=credentials)
        return [
            *super().publish_allowances(credentials=credentials),
            PublishAllowance(
                limit=quota.limit,
                window_seconds=quota.window_seconds,
                used=quota.used,
                read_at=read_at,
                retry_seconds=DAILY_CAP_RETRY_SECONDS,
                message=f"Instagram allows {quota.limit} posts per {quota.window_seconds // 3600} hours for this account; {{used}} are used.",
            ),
        ]

    def cached_quota(self, *, credentials: Credentials) -> tuple[PublishingQuota, datetime] | None:
        """The account's publishing quota and when it was read (cached briefly); None if it cannot be read."""
        key = f"social:instagram-quota:{credentials.account_id}"
        cached = cache.get(key)
        if cached is not None:
            return PublishingQuota(**cached["quota"]), datetime.fromisoformat(cached["read_at"])
        read_at = django_timezone.now()
        try:
            quota = self.publishing_quota(credentials=credentials)
        except PublishError as error:
            logger.info("Instagram quota of account %s not read: %s", credentials.account_id, error.code)
            return None
        except Exception:  # an unreadable answer: do not let it stop publishing
            logger.exception("Instagram quota of account %s not read", credentials.account_id)
            return None
        cache.set(
            key,
            {"quota": {"used": quota.used, "limit": quota.limit, "window_seconds": quota.window_seconds}, "read_at": read_at.isoformat()},
            settings.INSTAGRAM_QUOTA_CACHE_SECONDS,
        )
        return quota, read_at

    def publishing_quota(self, *, credentials: Credentials) -> PublishingQuota:
        body = self.call_json(
            "GET",
            f"{self._user(credentials)}/content_publishing_limit",
            credentials=credentials,
            params={"fields": "quota_usage,config"},
        )
        entry = (body.get("data") or [{}])[0]
        config = entry.get("config", {})
        return PublishingQuota(
            used=int(entry.get("quota_usage", 0)),
            limit=int(config.get("quota_total", self.requirements.daily_post_limit or 0)),
            window_seconds=int(config.get("quota_duration", 86400)),
        )

    def fetch_metrics(self, *, credentials: Credentials, external_id: str) -> Metrics:
        external_id = self._id(external_id, "media id")
        fields = self.call_json(
            "GET", external_id, credentials=credentials, params={"fields": "like_count,comments_count"}
        )
        insights: dict[str, int] = {}
        unavailable = ""
        try:
            body = self.call_json(
                "GET",
                f"{external_id}/insights",
                credentials=credentials,
                params={"metric": "views,reach,likes,comments,shares,saved"},
            )
        except PublishError as exc:
            if exc.kind != ErrorKind.PERMANENT:  # insights are optional; outages are not
                raise
            unavailable = (
                f"Instagram insights (views, reach, shares) are unavailable: {exc.message} "
                "Reconnect the account granting instagram_business_manage_insights."
            )
        else:
            insights = {entry["name"]: _insight_value(entry) for entry in body.get("data", [])}
        return Metrics(
            likes=int(fields.get("like_count", insights.get("likes", 0))),
            comments=int(fields.get("comments_count", insights.get("comments", 0))),
            shares=insights.get("shares"),
            views=insights.get("views"),
            reach=insights.get("reach"),
            unavailable=unavailable,
        )

    # --- Account connection ---------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(self.config["scopes"]),
            "state": state,
        }
        return f"{self.config['authorize_url']}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        short = self.call_json(
            "POST",
            self.config["token_url"],
            data={
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
            secrets=[code],
        )
        if isinstance(short.get("data"), list) and short["data"]:
            short = short["data"][0]
        long_lived = self.call_json(
            "GET",
            f"{self.base_url}/access_token",
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": self.client_secret,
                "access_token": short["access_token"],
            },
            secrets=[short["access_token"]],
        )
        account = Credentials(account_id=0, access_token=long_lived["access_token"])
        me = self.call_json("GET", "me", credentials=account, params={"fields": "user_id,username"})
        return TokenSet(
            access_token=long_lived["access_token"],
            expires_at=expires_at(long_lived.get("expires_in")),
            external_id=str(me.get("user_id") or short.get("user_id", "")),
            handle=me.get("username", ""),
            metadata={"permissions": short.get("permissions", [])},
        )

    def refresh_token(self, *, credentials: Credentials) -> TokenSet:
        body = self.call_json(
            "GET",
            f"{self.base_url}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": credentials.access_token},
            secrets=[credentials.access_token],
        )
        return TokenSet(
            access_token=body["access_token"],
            expires_at=expires_at(body.get("expires_in")),
            external_id=credentials.external_id,
            handle=credentials.handle,
        )


def _insight_value(entry: dict[str, Any]) -> int:
    if "total_value" in entry:
        return int(entry["total_value"].get("value", 0))
    values = entry.get("values") or [{}]
    return int(values[0].get("value", 0))


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if text.endswith("+0000"):  # Graph stamps like 2026-11-20T10:00:00+0000
        text = text[:-5] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
