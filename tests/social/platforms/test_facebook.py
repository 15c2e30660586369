"""Facebook Pages adapter against a fake Graph API."""
from __future__ import annotations

import json

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, OAuthNotSupported, PublishError
from backend.social.platforms.facebook import FacebookService
from backend.social.platforms.graph import THROTTLE_DEFAULT_SECONDS
from tests.fakes.platforms import graph_throttled

from .conftest import CLIENT_SECRET, TOKEN, make_request

PAGE = "1234567890"


def graph_error(code: int, message: str, subcode: int | None = None, kind: str = "OAuthException") -> dict:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def test_text_post_goes_to_the_page_feed(platforms):
    platforms.reply("POST", f"/v23.0/{PAGE}/feed", {"id": f"{PAGE}_555"})

    result = FacebookService().publish(make_request(text="New cotton kurtis in store"))

    (call,) = platforms.requests
    assert (call.method, call.path) == ("POST", f"/v23.0/{PAGE}/feed")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.form() == {"message": "New cotton kurtis in store"}
    assert result.external_id == f"{PAGE}_555"
    assert result.permalink == f"https://www.facebook.com/{PAGE}_555"


def test_one_image_is_a_photos_post(platforms, image):
    platforms.reply("POST", f"/v23.0/{PAGE}/photos", {"id": "778899", "post_id": f"{PAGE}_778899"})

    result = FacebookService().publish(make_request(media=[image]))

    (call,) = platforms.requests
    assert call.path == f"/v23.0/{PAGE}/photos"
    assert call.form() == {"url": image.url, "message": "Diwali offer: 20% off silk sarees"}
    assert result.external_id == f"{PAGE}_778899"


def test_several_images_are_uploaded_unpublished_then_attached(platforms, image, state_log):
    second = MediaItem(url="https://cdn.postloom.test/media/two.jpg")
    platforms.reply("POST", f"/v23.0/{PAGE}/photos", {"id": "10160000000000001"}, {"id": "10160000000000002"})
    platforms.reply("POST", f"/v23.0/{PAGE}/feed", {"id": f"{PAGE}_900"})

    result = FacebookService().publish(make_request(media=[image, second], save_state=state_log))

    uploads = platforms.calls("POST", f"/v23.0/{PAGE}/photos")
    assert [c.form() for c in uploads] == [
        {"url": image.url, "published": "false"},
        {"url": second.url, "published": "false"},
    ]
    (feed,) = platforms.calls("POST", f"/v23.0/{PAGE}/feed")
    form = feed.form()
    assert form["message"] == "Diwali offer: 20% off silk sarees"
    assert json.loads(form["attached_media[0]"]) == {"media_fbid": "10160000000000001"}
    assert json.loads(form["attached_media[1]"]) == {"media_fbid": "10160000000000002"}
    assert state_log.saved[-1][1] == {"photo_ids": ["10160000000000001", "10160000000000002"]}
    assert result.external_id == f"{PAGE}_900"


def test_redelivery_reuses_uploaded_photos(platforms, image):
    platforms.reply("POST", f"/v23.0/{PAGE}/feed", {"id": f"{PAGE}_901"})
    second = MediaItem(url="https://cdn.postloom.test/media/two.jpg")

    FacebookService().publish(make_request(media=[image, second], state={"photo_ids": ["10160000000000001", "10160000000000002"]}))

    assert [c.path for c in platforms.requests] == [f"/v23.0/{PAGE}/feed"]


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "code", "retry_after"),
    [
        (500, graph_error(1, "An unknown error has occurred."), {}, ErrorKind.TRANSIENT, "1", None),
        # 368 is a policy block: retrying only extends it.
        (400, graph_error(368, "The action attempted has been deemed abusive or is otherwise disallowed"), {}, ErrorKind.PERMANENT, "368", None),
        (400, graph_error(190, "Error validating access token: Session has expired", subcode=463), {}, ErrorKind.AUTH, "190/463", None),
        (403, graph_error(200, "(#200) Requires pages_manage_posts permission"), {}, ErrorKind.PERMANENT, "200", None),
        (400, graph_error(10, "(#10) Application does not have permission for this action"), {}, ErrorKind.PERMANENT, "10", None),
        (400, graph_error(506, "Duplicate status message"), {}, ErrorKind.PERMANENT, "506", None),
    ],
)
def test_graph_errors_map_to_error_kinds(platforms, status, body, headers, kind, code, retry_after):
    platforms.reply("POST", f"/v23.0/{PAGE}/feed", body, status=status, headers=headers)

    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request())

    assert caught.value.kind == kind
    assert caught.value.code == code
    assert caught.value.retry_after == retry_after
    assert body["error"]["message"] in caught.value.message


def test_timeout_on_the_publish_call_is_unconfirmed(platforms):
    from tests.fakes.platform_server import Reply

    platforms.reply("POST", f"/v23.0/{PAGE}/feed", Reply(body={"id": "late"}, delay=1.5))

    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request())

    assert caught.value.kind == ErrorKind.UNCONFIRMED


def test_timeout_on_an_unpublished_upload_is_transient(platforms, image):
    from tests.fakes.platform_server import Reply

    platforms.reply("POST", f"/v23.0/{PAGE}/photos", Reply(body={"id": "late"}, delay=1.5))

    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request(media=[image, image]))

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert platforms.calls("POST", f"/v23.0/{PAGE}/feed") == []


def test_metrics_read_reaction_comment_and_share_summaries(platforms):
    platforms.reply(
        "GET",
        f"/v23.0/{PAGE}_555",
        {
            "reactions": {"data": [], "summary": {"total_count": 14, "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": 3, "can_comment": True}},
            "shares": {"count": 2},
            "id": f"{PAGE}_555",
        },
    )

    metrics = FacebookService().fetch_metrics(credentials=make_request().credentials, external_id=f"{PAGE}_555")

    (call,) = platforms.requests
    assert call.params() == {"fields": "reactions.summary(total_count),comments.summary(true),shares"}
    assert (metrics.likes, metrics.comments, metrics.shares) == (14, 3, 2)


def test_authorization_url(platforms):
    url = FacebookService().authorization_url(redirect_uri="https://app.postloom.test/cb", state="st4te")
    assert url.startswith(f"{platforms.url}/v23.0/dialog/oauth?")
    assert "client_id=app-client-id" in url and "state=st4te" in url
    assert "scope=pages_show_list%2Cpages_read_engagement%2Cpages_manage_posts" in url


def test_code_exchange_yields_a_long_lived_page_token(platforms):
    platforms.reply(
        "GET",
        "/v23.0/oauth/access_token",
        {"access_token": "short-user-token-1111", "token_type": "bearer", "expires_in": 5183},
        {"access_token": "long-user-token-2222", "token_type": "bearer", "expires_in": 5183944},
    )
    platforms.reply(
        "GET",
        "/v23.0/me/accounts",
        {
            "data": [
                {"access_token": "page-token-3333", "category": "Clothing Store", "name": "Silk House", "id": "111", "tasks": ["CREATE_CONTENT"]},
                {"access_token": "page-token-4444", "category": "Shopping", "name": "Silk House Outlet", "id": "222", "tasks": ["CREATE_CONTENT"]},
            ],
            "paging": {"cursors": {"before": "a", "after": "b"}},
        },
    )

    tokens = FacebookService().exchange_code(code="auth-code-xyz", redirect_uri="https://app.postloom.test/cb")

    short, long_lived, accounts = platforms.requests
    assert short.params() == {
        "client_id": "app-client-id",
        "redirect_uri": "https://app.postloom.test/cb",
        "client_secret": CLIENT_SECRET,
        "code": "auth-code-xyz",
    }
    assert long_lived.params() == {
        "grant_type": "fb_exchange_token",
        "client_id": "app-client-id",
        "client_secret": CLIENT_SECRET,
        "fb_exchange_token": "short-user-token-1111",
    }
    assert accounts.headers["authorization"] == "Bearer long-user-token-2222"
    assert accounts.params() == {"fields": "id,name,access_token"}
    assert (tokens.access_token, tokens.external_id, tokens.handle) == ("page-token-3333", "111", "Silk House")
    assert tokens.expires_at is None and tokens.refresh_token == ""
    assert tokens.user_token == "long-user-token-2222"  # kept for video uploads (facebook_video.py)
    assert "long-user-token" not in repr(tokens)
    assert tokens.metadata["pages"] == [{"id": "111", "name": "Silk House"}, {"id": "222", "name": "Silk House Outlet"}]
    assert "page-token" not in repr(tokens)


def test_page_tokens_have_no_refresh():
    with pytest.raises(OAuthNotSupported):
        FacebookService().refresh_token(credentials=make_request().credentials)


@pytest.mark.parametrize(
    ("reply", "code", "retry_after"),
    [
        # Graph throttling is HTTP 400 + code (rate-limiting doc); the wait comes from the usage headers.
        (graph_throttled(4, regain_minutes=3), "4", 180.0),
        (graph_throttled(17, regain_minutes=12), "17", 720.0),
        (graph_throttled(32), "32", THROTTLE_DEFAULT_SECONDS),  # no BUC header: the safe default
        (graph_throttled(613, regain_minutes=1), "613", 60.0),
        (graph_throttled(80001, regain_minutes=25), "80001", 1500.0),
    ],
)
def test_graph_throttling_is_rate_limited_with_the_wait_from_the_usage_headers(platforms, reply, code, retry_after):
    platforms.reply("POST", f"/v23.0/{PAGE}/feed", reply)

    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request())

    assert platforms.requests[0].reply.status == 400  # what Meta sends: no 429, no Retry-After
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.code == code
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize("page_id", ["http://127.0.0.1:6379/x", "../../me/accounts", "123@evil.test", "123#frag", "123/../456", "me"])
def test_a_page_id_that_is_not_an_id_never_reaches_a_request(platforms, page_id):
    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request(external_id=page_id))

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == "invalid_id"
    assert platforms.requests == []
