"""X (API v2) adapter against a fake api.x.com."""
from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.social.platforms.base import ErrorKind, PublishError, pkce_challenge, pkce_pair
from backend.social.platforms.twitter import TwitterService
from tests.fakes.platform_server import Reply

from .conftest import CLIENT_SECRET, JPEG, REFRESH, TOKEN, make_request

TWEET = {"data": {"id": "1859000000000000001", "text": "Diwali offer: 20% off silk sarees", "edit_history_tweet_ids": ["1859000000000000001"]}}


def problem(title: str, detail: str, status: int, type_: str) -> dict:
    return {"title": title, "detail": detail, "type": type_, "status": status}


def test_text_tweet(platforms):
    platforms.reply("POST", "/2/tweets", TWEET, status=201)

    result = TwitterService().publish(make_request(handle="silkhouse"))

    (call,) = platforms.requests
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.json() == {"text": "Diwali offer: 20% off silk sarees"}
    assert result.external_id == "1859000000000000001"
    assert result.permalink == "https://x.com/silkhouse/status/1859000000000000001"


def test_image_tweet_uploads_media_first(platforms, image, state_log):
    platforms.reply(
        "POST",
        "/2/media/upload",
        {"data": {"id": "1880028106020515840", "media_key": "3_1880028106020515840", "size": 17, "expires_after_secs": 86400, "image": {"image_type": "image/jpeg", "w": 1080, "h": 1080}}},
    )
    platforms.reply("POST", "/2/tweets", TWEET, status=201)

    TwitterService().publish(make_request(media=[image], save_state=state_log))

    upload, tweet = platforms.requests
    assert upload.headers["authorization"] == f"Bearer {TOKEN}"
    assert upload.headers["content-type"].startswith("multipart/form-data")
    parts = upload.multipart()
    assert parts["media"] == ("offer.jpg", JPEG)
    assert parts["media_category"] == (None, b"tweet_image")
    assert tweet.json() == {"text": "Diwali offer: 20% off silk sarees", "media": {"media_ids": ["1880028106020515840"]}}
    assert state_log.saved[-1][1] == {"media_ids": ["1880028106020515840"]}


def test_429_waits_until_x_rate_limit_reset(platforms):
    reset = int(time.time()) + 900
    platforms.reply(
        "POST",
        "/2/tweets",
        problem("Too Many Requests", "Too Many Requests", 429, "about:blank"),
        status=429,
        headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset), "Content-Type": "application/problem+json"},
    )

    with pytest.raises(PublishError) as caught:
        TwitterService().publish(make_request())

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 890 <= caught.value.retry_after <= 900


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, problem("Unauthorized", "Unauthorized", 401, "about:blank"), ErrorKind.AUTH),
        (403, problem("Forbidden", "You are not allowed to create a Tweet with duplicate content.", 403, "about:blank"), ErrorKind.PERMANENT),
        (400, {"errors": [{"parameters": {"text": [""]}, "message": "Invalid text"}], "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"}, ErrorKind.PERMANENT),
        (503, problem("Service Unavailable", "Service Unavailable", 503, "about:blank"), ErrorKind.TRANSIENT),
    ],
)
def test_problem_json_errors(platforms, status, body, kind):
    platforms.reply("POST", "/2/tweets", body, status=status, headers={"Content-Type": "application/problem+json"})

    with pytest.raises(PublishError) as caught:
        TwitterService().publish(make_request())

    assert caught.value.kind == kind
    assert body["detail"] in caught.value.message


def test_timeout_on_the_tweet_is_unconfirmed_but_on_upload_transient(platforms, image):
    platforms.reply("POST", "/2/tweets", Reply(status=201, body=TWEET, delay=1.5))
    with pytest.raises(PublishError) as caught:
        TwitterService().publish(make_request())
    assert caught.value.kind == ErrorKind.UNCONFIRMED

    platforms.reply("POST", "/2/media/upload", Reply(body={"data": {"id": "1"}}, delay=1.5))
    with pytest.raises(PublishError) as caught:
        TwitterService().publish(make_request(media=[image]))
    assert caught.value.kind == ErrorKind.TRANSIENT


def test_metrics_from_public_metrics(platforms):
    platforms.reply(
        "GET",
        "/2/tweets/1859000000000000001",
        {"data": {"id": "1859000000000000001", "text": "x", "public_metrics": {"retweet_count": 3, "reply_count": 2, "like_count": 17, "quote_count": 1, "bookmark_count": 0, "impression_count": 804}}},
    )

    metrics = TwitterService().fetch_metrics(credentials=make_request().credentials, external_id="1859000000000000001")

    assert platforms.requests[0].params() == {"tweet.fields": "public_metrics"}
    assert (metrics.likes, metrics.comments, metrics.shares, metrics.impressions) == (17, 2, 4, 804)


def test_authorization_url_carries_the_pkce_challenge(platforms):
    verifier, challenge = pkce_pair()
    assert challenge == pkce_challenge(verifier)

    url = TwitterService().authorization_url(redirect_uri="https://app.postloom.test/cb", state="s9", code_challenge=challenge)

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "app-client-id",
        "redirect_uri": "https://app.postloom.test/cb",
        "scope": "tweet.read tweet.write users.read media.write offline.access",
        "state": "s9",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def test_code_exchange_as_a_confidential_client(platforms):
    platforms.reply("POST", "/2/oauth2/token", {"token_type": "bearer", "expires_in": 7200, "access_token": "x-access-1", "scope": "tweet.read tweet.write users.read media.write offline.access", "refresh_token": "x-refresh-1"})
    platforms.reply("GET", "/2/users/me", {"data": {"id": "2244994945", "name": "Silk House", "username": "silkhouse"}})

    tokens = TwitterService().exchange_code(code="x-code", redirect_uri="https://app.postloom.test/cb", code_verifier="v" * 50)

    token_call, me = platforms.requests
    expected_basic = base64.b64encode(f"app-client-id:{CLIENT_SECRET}".encode()).decode()
    assert token_call.headers["authorization"] == f"Basic {expected_basic}"
    assert token_call.form() == {
        "code": "x-code",
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.postloom.test/cb",
        "code_verifier": "v" * 50,
    }
    assert me.headers["authorization"] == "Bearer x-access-1"
    assert (tokens.access_token, tokens.refresh_token, tokens.external_id, tokens.handle) == ("x-access-1", "x-refresh-1", "2244994945", "silkhouse")


def test_refresh_as_a_public_client_rotates_the_refresh_token(platforms, settings):
    settings.SOCIAL_PLATFORMS["twitter"]["client_secret"] = ""
    platforms.reply("POST", "/2/oauth2/token", {"token_type": "bearer", "expires_in": 7200, "access_token": "x-access-2", "scope": "tweet.write offline.access", "refresh_token": "x-refresh-2"})

    tokens = TwitterService().refresh_token(credentials=make_request().credentials)

    (call,) = platforms.requests
    assert "authorization" not in call.headers
    assert call.form() == {"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": "app-client-id"}
    assert (tokens.access_token, tokens.refresh_token) == ("x-access-2", "x-refresh-2")


def test_rejected_refresh_is_an_auth_error_without_the_token(platforms):
    platforms.reply("POST", "/2/oauth2/token", {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}, status=400)

    with pytest.raises(PublishError) as caught:
        TwitterService().refresh_token(credentials=make_request().credentials)

    assert caught.value.kind == ErrorKind.AUTH
    assert caught.value.code == "invalid_request"
    assert REFRESH not in str(caught.value)


def test_usage_capped_fails_with_a_clear_message_instead_of_waiting(platforms):
    from tests.fakes.platforms import x_usage_capped

    platforms.reply("POST", "/2/tweets", x_usage_capped())

    with pytest.raises(PublishError) as caught:
        TwitterService().publish(make_request())

    assert platforms.requests[0].reply.status == 429
    assert caught.value.kind == ErrorKind.PERMANENT  # no window frees a monthly cap
    assert caught.value.code == "usage_capped"
    assert caught.value.retry_after is None
    assert "monthly usage cap" in caught.value.message


@pytest.mark.parametrize("tweet_id", ["../users/me", "1?x=1", "http://127.0.0.1/", "12%2F34"])
def test_a_post_id_that_is_not_a_snowflake_never_reaches_a_request(platforms, tweet_id):
    with pytest.raises(PublishError) as caught:
        TwitterService().fetch_metrics(credentials=make_request().credentials, external_id=tweet_id)

    assert caught.value.code == "invalid_id"
    assert platforms.requests == []
