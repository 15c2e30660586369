"""LinkedIn adapter against a fake REST API (api.linkedin.com/rest)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.social.platforms.base import ErrorKind, OAuthNotSupported, PublishError
from backend.social.platforms.linkedin import LinkedInService, escape_little_text, seconds_to_midnight_utc
from tests.fakes.platform_server import Reply

from .conftest import CLIENT_SECRET, JPEG, TOKEN, make_request

MEMBER = "yrZCpj2Z12"
POST_URN = "urn:li:share:7265000000000000001"


def expected_body(author: str, commentary: str) -> dict:
    return {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def test_escape_little_text_keeps_urls_and_hashtags():
    text = "Sale (today) on *silk* @ 20% off_now! See https://shop.test/a_(b)#top #Silk_Saree [new] <3 ~ {x} | \\"
    assert escape_little_text(text) == (
        "Sale \\(today\\) on \\*silk\\* \\@ 20% off\\_now! See https://shop.test/a_(b)#top #Silk_Saree "
        "\\[new\\] \\<3 \\~ \\{x\\} \\| \\\\"
    )


def test_text_post_sends_the_versioned_headers_and_escaped_commentary(platforms):
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))

    result = LinkedInService().publish(make_request(external_id=MEMBER, text="Wedding silks (new) #Silk"))

    (call,) = platforms.requests
    assert call.path == "/rest/posts"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["linkedin-version"] == "202510"
    assert call.headers["x-restli-protocol-version"] == "2.0.0"
    assert call.json() == expected_body(f"urn:li:person:{MEMBER}", "Wedding silks \\(new\\) #Silk")
    assert result.external_id == POST_URN
    assert result.permalink == f"https://www.linkedin.com/feed/update/{POST_URN}/"


def test_organization_author_from_metadata(platforms):
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))

    LinkedInService().publish(make_request(external_id=MEMBER, metadata={"organization_id": "5515715"}, text="Hi"))

    assert platforms.requests[0].json()["author"] == "urn:li:organization:5515715"


def test_image_post_initializes_uploads_then_posts(platforms, image, state_log):
    image_urn = "urn:li:image:C4E10AQFoyyAjHPMQuQ"
    upload_path = "/dms-uploads/sp/v2/C4E10AQFoyyAjHPMQuQ/uploaded-image/0"
    platforms.reply(
        "POST",
        "/rest/images",
        {"value": {"uploadUrlExpiresAt": 1732147200000, "uploadUrl": f"{platforms.url}{upload_path}?ca=vector_feedshare&app=1&sync=0", "image": image_urn}},
    )
    platforms.reply("PUT", upload_path, Reply(status=201))
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))

    result = LinkedInService().publish(make_request(external_id=MEMBER, media=[image], text="New arrivals", save_state=state_log))

    init, put, post = platforms.requests
    assert init.params() == {"action": "initializeUpload"}
    assert init.json() == {"initializeUploadRequest": {"owner": f"urn:li:person:{MEMBER}"}}
    assert init.headers["linkedin-version"] == "202510"
    assert (put.method, put.path, put.body) == ("PUT", upload_path, JPEG)
    assert put.headers["content-type"] == "image/jpeg"
    assert post.json() == {**expected_body(f"urn:li:person:{MEMBER}", "New arrivals"), "content": {"media": {"id": image_urn}}}
    assert state_log.saved[-1][1] == {"image_urns": [image_urn]}
    assert result.external_id == POST_URN


def test_several_images_are_a_multi_image_post(platforms, image):
    from backend.social.platforms.base import MediaItem

    upload_path = "/dms-uploads/img"
    platforms.reply(
        "POST",
        "/rest/images",
        {"value": {"uploadUrl": f"{platforms.url}{upload_path}", "image": "urn:li:image:A"}},
        {"value": {"uploadUrl": f"{platforms.url}{upload_path}", "image": "urn:li:image:B"}},
    )
    platforms.reply("PUT", upload_path, Reply(status=201))
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))
    second = MediaItem(url="https://cdn.postloom.test/two.jpg", path=image.path, alt_text="Blue silk")

    LinkedInService().publish(make_request(external_id=MEMBER, media=[image, second], text="Two"))

    assert len(platforms.calls("PUT", upload_path)) == 2
    assert platforms.calls("POST", "/rest/posts")[0].json()["content"] == {
        "multiImage": {"images": [{"id": "urn:li:image:A"}, {"id": "urn:li:image:B", "altText": "Blue silk"}]}
    }


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"}, ErrorKind.AUTH),
        (403, {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20251001"}, ErrorKind.PERMANENT),
        (422, {"status": 422, "message": "Content is a duplicate of urn:li:share:7265000000000000000", "code": "DUPLICATE_POST"}, ErrorKind.PERMANENT),
        (500, {"status": 500, "message": "Internal Server Error"}, ErrorKind.TRANSIENT),
        (503, None, ErrorKind.TRANSIENT),
    ],
)
def test_errors_map_to_kinds(platforms, status, body, kind):
    platforms.reply("POST", "/rest/posts", Reply(status=status, body=body))

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER))

    assert caught.value.kind == kind
    if body:
        assert body["message"] in caught.value.message


def test_429_waits_until_midnight_utc(platforms):
    platforms.reply("POST", "/rest/posts", {"status": 429, "message": "Resource level throttle DAY limit for calls to this resource is reached."}, status=429)

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER))

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert abs(caught.value.retry_after - seconds_to_midnight_utc()) < 5


def test_seconds_to_midnight_utc():
    assert seconds_to_midnight_utc(datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)) == 3600


def test_timeout_on_the_post_is_unconfirmed(platforms):
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}, delay=1.5))

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER))

    assert caught.value.kind == ErrorKind.UNCONFIRMED


def test_metrics_from_social_actions(platforms):
    encoded = "urn%3Ali%3Ashare%3A7265000000000000001"
    platforms.reply(
        "GET",
        f"/rest/socialActions/{encoded}",
        {
            "commentsSummary": {"selectedComments": [], "totalFirstLevelComments": 2, "aggregatedTotalComments": 3},
            "target": POST_URN,
            "likesSummary": {"selectedLikes": [], "aggregatedTotalLikes": 11, "likedByCurrentUser": False, "totalLikes": 11},
            "$URN": f"urn:li:socialActions:{POST_URN}",
        },
    )

    metrics = LinkedInService().fetch_metrics(credentials=make_request().credentials, external_id=POST_URN)

    assert platforms.requests[0].headers["linkedin-version"] == "202510"
    assert (metrics.likes, metrics.comments) == (11, 3)


def test_authorization_url_uses_space_separated_scopes(platforms):
    url = LinkedInService().authorization_url(redirect_uri="https://app.postloom.test/cb", state="s1")
    assert url.startswith(f"{platforms.url}/oauth/v2/authorization?response_type=code&client_id=app-client-id")
    assert "scope=openid+profile+w_member_social" in url


def test_code_exchange_reads_the_member_id(platforms):
    platforms.reply("POST", "/oauth/v2/accessToken", {"access_token": "AQV-li-token", "expires_in": 5183999, "scope": "openid,profile,w_member_social", "token_type": "Bearer", "id_token": "eyJ..."})
    platforms.reply("GET", "/v2/userinfo", {"sub": MEMBER, "email_verified": True, "name": "Meena Iyer", "given_name": "Meena", "family_name": "Iyer", "locale": {"country": "IN", "language": "en"}})

    tokens = LinkedInService().exchange_code(code="li-code", redirect_uri="https://app.postloom.test/cb")

    token_call, userinfo = platforms.requests
    assert token_call.form() == {
        "grant_type": "authorization_code",
        "code": "li-code",
        "redirect_uri": "https://app.postloom.test/cb",
        "client_id": "app-client-id",
        "client_secret": CLIENT_SECRET,
    }
    assert userinfo.headers["authorization"] == "Bearer AQV-li-token"
    assert (tokens.access_token, tokens.external_id, tokens.handle, tokens.refresh_token) == ("AQV-li-token", MEMBER, "Meena Iyer", "")
    assert tokens.expires_at is not None and tokens.refresh_expires_at is None


def test_refresh_needs_a_refresh_token(platforms):
    credentials = make_request(external_id=MEMBER).credentials
    credentials.refresh_token = ""
    with pytest.raises(OAuthNotSupported):
        LinkedInService().refresh_token(credentials=credentials)
    assert platforms.requests == []


def test_refresh_with_a_partner_refresh_token(platforms):
    platforms.reply("POST", "/oauth/v2/accessToken", {"access_token": "AQV-new", "expires_in": 5183999, "refresh_token": "AQX-refresh-2", "refresh_token_expires_in": 31535000})

    tokens = LinkedInService().refresh_token(credentials=make_request(external_id=MEMBER).credentials)

    assert platforms.requests[0].form()["grant_type"] == "refresh_token"
    assert platforms.requests[0].form()["refresh_token"].startswith("rt-secret")
    assert (tokens.access_token, tokens.refresh_token, tokens.external_id) == ("AQV-new", "AQX-refresh-2", MEMBER)
    assert tokens.refresh_expires_at is not None
