"""LinkedIn adapter against a fake REST API (api.linkedin.com/rest)."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from backend.social.platforms.base import ErrorKind, OAuthNotSupported, PublishError
from backend.social.platforms.linkedin import LinkedInService, escape_little_text, seconds_to_midnight_utc
from tests.fakes.platform_server import Reply

from .conftest import CLIENT_SECRET, JPEG, TOKEN, make_request

MEMBER = "yrZCpj2Z12"
LIVE_VERSION = "202603"  # the default: live until 2027-03-16 (LinkedIn migrations table)
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
    assert call.headers["linkedin-version"] == LIVE_VERSION
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
    platforms.reply("GET", f"/rest/images/{quote(image_urn, safe='')}", {"id": image_urn, "status": "PROCESSING"}, {"id": image_urn, "status": "AVAILABLE"})
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))

    result = LinkedInService().publish(make_request(external_id=MEMBER, media=[image], text="New arrivals", save_state=state_log))

    init, put, poll1, poll2, post = platforms.requests
    assert [poll1.reply.body["status"], poll2.reply.body["status"]] == ["PROCESSING", "AVAILABLE"]
    assert init.params() == {"action": "initializeUpload"}
    assert init.json() == {"initializeUploadRequest": {"owner": f"urn:li:person:{MEMBER}"}}
    assert init.headers["linkedin-version"] == LIVE_VERSION
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
    for urn in ("urn:li:image:A", "urn:li:image:B"):
        platforms.reply("GET", f"/rest/images/{quote(urn, safe='')}", {"id": urn, "status": "AVAILABLE"})
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

    assert platforms.requests[0].headers["linkedin-version"] == LIVE_VERSION
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


def test_a_sunset_version_is_refused_by_linkedin_and_fails_naming_the_setting(platforms, settings):
    settings.SOCIAL_PLATFORMS["linkedin"]["api_version"] = "202510"  # sunset 2026-10-15

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER, text="Hi"))

    assert platforms.requests[0].reply.status == 426
    assert caught.value.kind == ErrorKind.PERMANENT
    assert caught.value.code == "NONEXISTENT_VERSION"
    assert "Requested version 202510 is not active" in caught.value.message
    assert "LINKEDIN_API_VERSION" in caught.value.message


def _script_upload(platforms, urn: str) -> None:
    upload_path = "/dms-uploads/sp/v2/one/uploaded-image/0"
    platforms.reply("POST", "/rest/images", {"value": {"uploadUrl": f"{platforms.url}{upload_path}", "image": urn}})
    platforms.reply("PUT", upload_path, Reply(status=201))
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))


def test_an_image_still_processing_after_the_polls_is_transient_and_nothing_is_posted(platforms, image, state_log):
    urn = "urn:li:image:C4E10AQSlow"
    _script_upload(platforms, urn)
    platforms.reply("GET", f"/rest/images/{quote(urn, safe='')}", {"id": urn, "status": "PROCESSING"})

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER, media=[image], save_state=state_log))

    assert caught.value.kind == ErrorKind.TRANSIENT and caught.value.code == "still_processing"
    assert len(platforms.calls("GET", f"/rest/images/{quote(urn, safe='')}")) == 4  # SOCIAL_POLL_MAX_ATTEMPTS
    assert platforms.calls("POST", "/rest/posts") == []
    assert state_log.saved[-1][1] == {"image_urns": [urn]}  # the next attempt polls, it does not upload again


def test_an_image_linkedin_could_not_process_is_permanent(platforms, image):
    urn = "urn:li:image:C4E10AQBroken"
    _script_upload(platforms, urn)
    platforms.reply("GET", f"/rest/images/{quote(urn, safe='')}", {"id": urn, "status": "PROCESSING_FAILED"})

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER, media=[image]))

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == "PROCESSING_FAILED"
    assert platforms.calls("POST", "/rest/posts") == []


def test_a_member_token_that_may_not_read_images_waits_one_interval_then_posts(platforms, image):
    urn = "urn:li:image:C4E10AQMember"
    _script_upload(platforms, urn)
    platforms.reply(
        "GET", f"/rest/images/{quote(urn, safe='')}",
        Reply(403, {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "Not enough permissions to access: images.GET.20260301"}),
    )
    service = LinkedInService()
    waits: list[float] = []
    service.sleep = waits.append

    result = service.publish(make_request(external_id=MEMBER, media=[image]))

    assert result.external_id == POST_URN
    assert waits == [0.0]  # one poll interval (0 in the tests)


def test_the_fake_refuses_a_post_whose_image_was_never_reported_available(platforms):
    import httpx

    body = {**expected_body(f"urn:li:person:{MEMBER}", "x"), "content": {"media": {"id": "urn:li:image:C4E10AQNever"}}}
    answer = httpx.post(f"{platforms.url}/rest/posts", json=body, headers={"LinkedIn-Version": LIVE_VERSION, "Authorization": f"Bearer {TOKEN}"})

    assert answer.status_code == 400 and "AVAILABLE" in answer.json()["message"]


@pytest.mark.parametrize(
    "upload_url",
    ["http://169.254.169.254/latest/meta-data/", "https://evil.test/upload", "{fake}@evil.test/x", "{fake}/dms-uploads/../../admin", "{fake}/up#frag", "//evil.test/x"],
)
def test_an_upload_url_off_linkedin_hosts_is_refused(platforms, image, upload_url):
    upload_url = upload_url.replace("{fake}", platforms.url)
    platforms.reply("POST", "/rest/images", {"value": {"uploadUrl": upload_url, "image": "urn:li:image:C4E10AQX"}})

    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER, media=[image]))

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == "url_refused"
    assert [(r.method, r.path) for r in platforms.requests] == [("POST", "/rest/images")]


@pytest.mark.parametrize("metadata", [{"author_urn": "http://127.0.0.1:8080/"}, {"author_urn": "urn:li:person:a/../b"}, {"organization_id": "12?x=1"}])
def test_an_author_that_is_not_a_urn_never_reaches_a_request(platforms, metadata):
    with pytest.raises(PublishError) as caught:
        LinkedInService().publish(make_request(external_id=MEMBER, metadata=metadata, text="Hi"))

    assert caught.value.code == "invalid_id"
    assert platforms.requests == []


def test_metrics_without_the_read_scope_are_unavailable_with_the_reason(platforms):
    credentials = make_request(external_id=MEMBER, metadata={"scope": "openid,profile,w_member_social"}).credentials

    metrics = LinkedInService().fetch_metrics(credentials=credentials, external_id=POST_URN)

    assert platforms.requests == []
    assert metrics.likes is None and "r_member_social" in metrics.unavailable


def test_metrics_refused_with_403_are_unavailable_with_the_reason(platforms):
    platforms.reply(
        "GET", f"/rest/socialActions/{quote(POST_URN, safe='')}",
        Reply(403, {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "Not enough permissions to access: partnerApiSocialAction.GET.20260301"}),
    )

    metrics = LinkedInService().fetch_metrics(credentials=make_request(external_id=MEMBER, metadata={"organization_id": "5515715"}).credentials, external_id=POST_URN)

    assert "r_organization_social" in metrics.unavailable and "partnerApiSocialAction" in metrics.unavailable


@pytest.mark.django_db
def test_a_reading_without_the_scope_shows_why_through_the_api(platforms, owner_client, org, owner):
    from django.utils import timezone

    from backend.scheduling.metrics import post_metrics_fetch
    from backend.scheduling.models import ScheduledPost
    from backend.social.models import SocialAccount

    account = SocialAccount.objects.create(organization=org, platform="linkedin", handle="Asha", external_id=MEMBER, access_token="AQV",
                                           metadata={"scope": "openid,profile,w_member_social"}, connected_by=owner)
    post = ScheduledPost.objects.create(organization=org, social_account=account, platform="linkedin", caption="x", scheduled_time=timezone.now(),
                                        status="posted", external_post_id=POST_URN, posted_at=timezone.now(), created_by=owner)

    post_metrics_fetch(post_id=post.pk)

    body = owner_client.get(f"/api/schedule/{post.pk}/metrics/").json()
    assert body["likes"] is None and body["fetched_at"] is not None
    assert "r_member_social" in body["unavailable"]
    assert platforms.requests == []  # not asked: the token cannot read it
