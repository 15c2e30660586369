"""TikTok Content Posting API adapter against a fake open.tiktokapis.com."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.tiktok import TikTokService
from tests.fakes.platform_server import Reply

from .conftest import CLIENT_SECRET, REFRESH, TOKEN, make_request

OK = {"code": "ok", "message": "", "log_id": "202611202200000A1B2C3D4E5F"}
CREATOR = {
    "data": {
        "creator_avatar_url": "https://p16.tiktokcdn.test/a.jpeg",
        "creator_username": "silkhouse",
        "creator_nickname": "Silk House",
        "privacy_level_options": ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
        "comment_disabled": False,
        "duet_disabled": False,
        "stitch_disabled": True,
        "max_video_post_duration_sec": 600,
    },
    "error": OK,
}
PUBLISH_ID = "p_pub_url~v2.7123456789012345678"


def envelope(data: dict) -> dict:
    return {"data": data, "error": OK}


def failure(code: str, message: str) -> dict:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": "202611202200000FFFF"}}


def script_post(fake) -> None:
    fake.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    fake.reply("POST", "/v2/post/publish/content/init/", envelope({"publish_id": PUBLISH_ID}))
    fake.reply(
        "POST",
        "/v2/post/publish/status/fetch/",
        envelope({"status": "PROCESSING_DOWNLOAD", "uploaded_bytes": 0}),
        envelope({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7440000000000000001], "uploaded_bytes": 0}),
    )


def test_photo_post_queries_the_creator_inits_saves_and_polls(platforms, image, state_log):
    script_post(platforms)
    second = MediaItem(url="https://cdn.postloom.test/media/two.jpg")
    text = "Festive silk collection\nHandwoven in Kanchipuram #silk"

    result = TikTokService().publish(make_request(text=text, media=[image, second], save_state=state_log))

    creator, init, poll1, poll2 = platforms.requests
    assert creator.headers["authorization"] == f"Bearer {TOKEN}"
    assert creator.headers["content-type"] == "application/json; charset=UTF-8"
    assert init.json() == {
        "media_type": "PHOTO",
        "post_mode": "DIRECT_POST",
        "source_info": {"source": "PULL_FROM_URL", "photo_images": [image.url, second.url], "photo_cover_index": 0},
        "post_info": {
            "title": "Festive silk collection",
            "description": text,
            # No choice made for the post: the most private level offered, comments off
            # (TikTok's content sharing guidelines: nothing public or interactive by default).
            "privacy_level": "SELF_ONLY",
            "disable_comment": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "auto_add_music": True,
        },
    }
    assert poll1.json() == {"publish_id": PUBLISH_ID}
    assert state_log.saved == [(2, {"publish_id": PUBLISH_ID})]  # saved right after init, before polling
    assert result.external_id == "7440000000000000001"
    assert result.permalink == "https://www.tiktok.com/@silkhouse/photo/7440000000000000001"


def test_the_posts_own_choices_are_used_when_the_creator_allows_them(platforms, image):
    script_post(platforms)
    options = {"privacy_level": "FOLLOWER_OF_CREATOR", "allow_comment": True, "brand_organic_toggle": True, "auto_add_music": False}

    TikTokService().publish(make_request(media=[image], options=options))

    post_info = platforms.calls(path="/v2/post/publish/content/init/")[0].json()["post_info"]
    assert {k: post_info[k] for k in ("privacy_level", "disable_comment", "brand_organic_toggle", "auto_add_music")} == {
        "privacy_level": "FOLLOWER_OF_CREATOR", "disable_comment": False, "brand_organic_toggle": True, "auto_add_music": False,
    }


@pytest.mark.parametrize(
    ("options", "creator", "code"),
    [
        ({"privacy_level": "PUBLIC_TO_EVERYONE"}, {}, "privacy_level_option_mismatch"),  # not offered to this creator
        ({"allow_comment": True}, {"comment_disabled": True}, "comment_disabled"),
        ({"brand_content_toggle": True}, {}, "brand_content_private"),  # branded content cannot be SELF_ONLY
    ],
)
def test_choices_the_creator_does_not_allow_fail_before_anything_is_posted(platforms, image, options, creator, code):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", {**CREATOR, "data": {**CREATOR["data"], **creator}})

    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image], options=options))

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == code
    assert platforms.calls(path="/v2/post/publish/content/init/") == []


def test_an_unaudited_app_is_refused_anything_but_private_and_the_default_is_private(platforms, image):
    platforms.state["tiktok_unaudited"] = True  # TikTok: unaudited clients may only post SELF_ONLY
    script_post(platforms)

    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image], options={"privacy_level": "FOLLOWER_OF_CREATOR"}))
    assert caught.value.code == "unaudited_client_can_only_post_to_private_accounts"

    result = TikTokService().publish(make_request(media=[image]))  # no choice: SELF_ONLY, accepted
    assert result.external_id == "7440000000000000001"


def test_post_options_are_validated_before_scheduling():
    service = TikTokService()
    assert service.validate_post_options({}) == {}
    assert service.validate_post_options({"privacy_level": "EVERYONE", "allow_comment": "yes", "colour": 1}) == {
        "tiktok": "Unknown TikTok options: colour.",
        "tiktok.privacy_level": "Must be one of PUBLIC_TO_EVERYONE, FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY.",
        "tiktok.allow_comment": "Must be true or false.",
    }
    assert "tiktok.brand_content_toggle" in service.validate_post_options({"brand_content_toggle": True})


def test_redelivered_task_with_a_publish_id_only_polls(platforms, image):
    script_post(platforms)

    result = TikTokService().publish(make_request(media=[image], state={"publish_id": PUBLISH_ID}))

    assert {c.path for c in platforms.requests} == {"/v2/post/publish/status/fetch/"}
    assert result.details == {"publish_id": PUBLISH_ID}


def test_failed_publish_is_permanent(platforms, image):
    platforms.reply("POST", "/v2/post/publish/status/fetch/", envelope({"status": "FAILED", "fail_reason": "picture_size_check_failed"}))

    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image], state={"publish_id": PUBLISH_ID}))

    assert (caught.value.kind, caught.value.code) == (ErrorKind.PERMANENT, "picture_size_check_failed")


def test_text_only_is_refused_without_a_request(platforms):
    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request())
    assert caught.value.kind == ErrorKind.PERMANENT
    assert platforms.requests == []


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "retry_after"),
    [
        (500, failure("internal_error", "Something went wrong. Please try again later."), {}, ErrorKind.TRANSIENT, None),
        (429, failure("rate_limit_exceeded", "API rate limit exceeded"), {}, ErrorKind.RATE_LIMITED, 60.0),
        (429, failure("rate_limit_exceeded", "API rate limit exceeded"), {"Retry-After": "15"}, ErrorKind.RATE_LIMITED, 15.0),
        (401, failure("access_token_invalid", "The access token is invalid or not found in the request."), {}, ErrorKind.AUTH, None),
        (403, failure("spam_risk_too_many_posts", "The daily post cap from the current user has been reached."), {}, ErrorKind.PERMANENT, None),
        (403, failure("unaudited_client_can_only_post_to_private_accounts", "Unaudited clients can only post to a private account"), {}, ErrorKind.PERMANENT, None),
        (400, failure("privacy_level_option_mismatch", "privacy_level is not among the creator's options"), {}, ErrorKind.PERMANENT, None),
        # An error code other than "ok" fails even under HTTP 200.
        (200, failure("invalid_param", "photo_images is empty"), {}, ErrorKind.PERMANENT, None),
    ],
)
def test_envelope_errors_on_init(platforms, image, status, body, headers, kind, retry_after):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.reply("POST", "/v2/post/publish/content/init/", body, status=status, headers=headers)

    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image]))

    assert caught.value.kind == kind
    assert caught.value.code == body["error"]["code"]
    assert caught.value.retry_after == retry_after
    assert body["error"]["log_id"] in caught.value.message


def test_timeout_on_init_is_unconfirmed(platforms, image):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.reply("POST", "/v2/post/publish/content/init/", Reply(body=envelope({"publish_id": PUBLISH_ID}), delay=1.5))
    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image]))
    assert caught.value.kind == ErrorKind.UNCONFIRMED


def test_timeout_on_status_poll_is_transient(platforms, image):
    platforms.reply("POST", "/v2/post/publish/status/fetch/", Reply(body=envelope({"status": "PUBLISH_COMPLETE"}), delay=1.5))
    with pytest.raises(PublishError) as caught:
        TikTokService().publish(make_request(media=[image], state={"publish_id": PUBLISH_ID}))
    assert caught.value.kind == ErrorKind.TRANSIENT


def test_metrics_from_video_query(platforms):
    platforms.reply(
        "POST",
        "/v2/video/query/",
        envelope({"videos": [{"id": "7440000000000000001", "like_count": 120, "comment_count": 8, "share_count": 5, "view_count": 4300}], "cursor": 0, "has_more": False}),
    )

    metrics = TikTokService().fetch_metrics(credentials=make_request().credentials, external_id="7440000000000000001")

    (call,) = platforms.requests
    assert call.params() == {"fields": "id,like_count,comment_count,share_count,view_count"}
    assert call.json() == {"filters": {"video_ids": ["7440000000000000001"]}}
    assert (metrics.likes, metrics.comments, metrics.shares, metrics.views) == (120, 8, 5, 4300)


def test_authorization_url_uses_client_key(platforms):
    url = TikTokService().authorization_url(redirect_uri="https://app.postloom.test/cb", state="t1")
    assert url.startswith(f"{platforms.url}/v2/auth/authorize/?client_key=app-client-id&scope=user.info.basic%2Cvideo.publish%2Cvideo.list")


def test_code_exchange_trusts_the_given_lifetimes(platforms):
    platforms.reply(
        "POST",
        "/v2/oauth/token/",
        {"access_token": "act.tiktok-1", "expires_in": 86400, "open_id": "afd97af1-b87b-48b9-ac98-410aghda5344", "refresh_expires_in": 31536000, "refresh_token": "rft.tiktok-1", "scope": "user.info.basic,video.publish", "token_type": "Bearer"},
    )
    platforms.reply("GET", "/v2/user/info/", envelope({"user": {"open_id": "afd97af1-b87b-48b9-ac98-410aghda5344", "display_name": "Silk House"}}))

    tokens = TikTokService().exchange_code(code="tt-code", redirect_uri="https://app.postloom.test/cb")

    token_call, user = platforms.requests
    assert token_call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_call.form() == {
        "client_key": "app-client-id",
        "client_secret": CLIENT_SECRET,
        "code": "tt-code",
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.postloom.test/cb",
    }
    assert user.params() == {"fields": "open_id,display_name"}
    now = datetime.now(timezone.utc)
    assert now + timedelta(seconds=86390) < tokens.expires_at <= now + timedelta(seconds=86400)
    assert now + timedelta(days=364) < tokens.refresh_expires_at <= now + timedelta(days=365)
    assert (tokens.external_id, tokens.handle, tokens.refresh_token) == ("afd97af1-b87b-48b9-ac98-410aghda5344", "Silk House", "rft.tiktok-1")


def test_refresh_rotates_the_refresh_token(platforms):
    platforms.reply("POST", "/v2/oauth/token/", {"access_token": "act.tiktok-2", "expires_in": 86400, "open_id": "afd97af1", "refresh_expires_in": 31536000, "refresh_token": "rft.tiktok-2", "scope": "video.publish", "token_type": "Bearer"})

    tokens = TikTokService().refresh_token(credentials=make_request().credentials)

    assert platforms.requests[0].form() == {"client_key": "app-client-id", "client_secret": CLIENT_SECRET, "grant_type": "refresh_token", "refresh_token": REFRESH}
    assert (tokens.access_token, tokens.refresh_token) == ("act.tiktok-2", "rft.tiktok-2")


def test_refused_refresh_is_auth(platforms):
    platforms.reply("POST", "/v2/oauth/token/", {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "2026112022"}, status=400)

    with pytest.raises(PublishError) as caught:
        TikTokService().refresh_token(credentials=make_request().credentials)

    assert caught.value.kind == ErrorKind.AUTH
    assert REFRESH not in str(caught.value)
