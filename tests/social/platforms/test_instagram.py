"""Instagram adapter (Instagram Login, graph.instagram.com) against a fake Graph API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.instagram import InstagramService, PublishingQuota
from tests.fakes.platform_server import Reply

from .conftest import CLIENT_SECRET, TOKEN, make_request

IG = "17841400000000001"
CAPTION = "Diwali offer: 20% off silk sarees"


def ig_error(code: int, subcode: int | None, message: str, transient: bool = False) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "is_transient": transient, "fbtrace_id": "AxYz"}
    if subcode:
        error["error_subcode"] = subcode
        error["error_user_msg"] = message
    return {"error": error}


def script_publish(fake, *, container: str = "17889455560051444", media_id: str = "17912345678900200") -> None:
    fake.reply("POST", f"/v23.0/{IG}/media", {"id": container})
    fake.reply("GET", f"/v23.0/{container}", {"status_code": "IN_PROGRESS", "id": container}, {"status_code": "FINISHED", "id": container})
    fake.reply("POST", f"/v23.0/{IG}/media_publish", {"id": media_id})
    fake.reply("GET", f"/v23.0/{media_id}", {"permalink": f"https://www.instagram.com/p/{media_id}/", "id": media_id})


def test_image_post_creates_a_container_waits_and_publishes(platforms, image, state_log):
    script_publish(platforms)
    image = MediaItem(url=image.url, path=image.path, alt_text="Red silk saree")

    result = InstagramService().publish(make_request(external_id=IG, media=[image], save_state=state_log))

    calls = [(c.method, c.path) for c in platforms.requests]
    assert calls == [
        ("POST", f"/v23.0/{IG}/media"),
        ("GET", "/v23.0/17889455560051444"),
        ("GET", "/v23.0/17889455560051444"),
        ("POST", f"/v23.0/{IG}/media_publish"),
        ("GET", "/v23.0/17912345678900200"),
    ]
    create, poll, _, publish, permalink = platforms.requests
    assert create.json() == {"image_url": image.url, "caption": CAPTION, "alt_text": "Red silk saree"}
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    assert poll.params() == {"fields": "status_code"}
    assert publish.json() == {"creation_id": "17889455560051444"}
    assert permalink.params() == {"fields": "permalink"}
    # The container id was checkpointed before media_publish went out (request #4).
    first_save_at, first_state = state_log.saved[0]
    assert first_state["creation_id"] == "17889455560051444" and first_save_at == 1
    assert result.external_id == "17912345678900200"
    assert result.permalink == "https://www.instagram.com/p/17912345678900200/"


def test_carousel_makes_child_containers_then_a_carousel(platforms, image):
    platforms.reply("POST", f"/v23.0/{IG}/media", {"id": "17889455560052001"}, {"id": "17889455560052002"}, {"id": "17889455560051555"})
    platforms.reply("GET", "/v23.0/17889455560051555", {"status_code": "FINISHED"})
    platforms.reply("POST", f"/v23.0/{IG}/media_publish", {"id": "17912345678900300"})
    platforms.reply("GET", "/v23.0/17912345678900300", {"permalink": "https://www.instagram.com/p/17912345678900300/"})
    second = MediaItem(url="https://cdn.postloom.test/media/two.jpg")

    InstagramService().publish(make_request(external_id=IG, media=[image, second]))

    bodies = [c.json() for c in platforms.calls("POST", f"/v23.0/{IG}/media")]
    assert bodies == [
        {"image_url": image.url, "is_carousel_item": True},
        {"image_url": second.url, "is_carousel_item": True},
        {"media_type": "CAROUSEL", "children": "17889455560052001,17889455560052002", "caption": CAPTION},
    ]


def test_redelivered_task_reuses_the_saved_container_and_publishes_once(platforms, image):
    script_publish(platforms, container="17889455560051444")
    state = {"creation_id": "17889455560051444", "publish_started_at": datetime.now(timezone.utc).isoformat()}

    result = InstagramService().publish(make_request(external_id=IG, media=[image], state=state))

    assert platforms.calls("POST", f"/v23.0/{IG}/media") == []
    assert len(platforms.calls("POST", f"/v23.0/{IG}/media_publish")) == 1
    assert result.external_id == "17912345678900200"


def test_published_container_is_not_published_again_the_media_is_found(platforms, image, state_log):
    started = datetime.now(timezone.utc) - timedelta(minutes=2)
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "PUBLISHED", "id": "17889455560051444"})
    platforms.reply(
        "GET",
        f"/v23.0/{IG}/media",
        {
            "data": [
                {"id": "17912345678900999", "caption": "Another post", "permalink": "https://www.instagram.com/p/17912345678900999/", "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")},
                {"id": "17912345678900200", "caption": CAPTION, "permalink": "https://www.instagram.com/p/17912345678900200/", "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")},
            ],
            "paging": {"cursors": {"before": "x", "after": "y"}},
        },
    )
    state = {"creation_id": "17889455560051444", "publish_started_at": started.isoformat()}

    result = InstagramService().publish(make_request(external_id=IG, media=[image], state=state, save_state=state_log))

    assert platforms.calls("POST", f"/v23.0/{IG}/media_publish") == []
    assert platforms.calls("POST", f"/v23.0/{IG}/media") == []
    (listing,) = platforms.calls("GET", f"/v23.0/{IG}/media")
    assert listing.params() == {"fields": "id,caption,permalink,timestamp", "limit": "25"}
    assert (result.external_id, result.permalink) == ("17912345678900200", "https://www.instagram.com/p/17912345678900200/")
    assert state_log.saved[-1][1]["media_id"] == "17912345678900200"


def test_published_container_without_a_matching_media_is_unconfirmed(platforms, image):
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "PUBLISHED"})
    platforms.reply("GET", f"/v23.0/{IG}/media", {"data": [{"id": "17912345678900001", "caption": "old", "timestamp": "2026-01-01T10:00:00+0000"}]})
    state = {"creation_id": "17889455560051444", "publish_started_at": datetime.now(timezone.utc).isoformat()}

    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG, media=[image], state=state))

    assert caught.value.kind == ErrorKind.UNCONFIRMED
    assert platforms.calls("POST", f"/v23.0/{IG}/media_publish") == []


def test_polling_is_bounded_and_ends_transient(platforms, image):
    platforms.reply("POST", f"/v23.0/{IG}/media", {"id": "17889455560051444"})
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "IN_PROGRESS"})
    slept: list[float] = []
    service = InstagramService()
    service.sleep = slept.append

    with pytest.raises(PublishError) as caught:
        service.publish(make_request(external_id=IG, media=[image]))

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert len(platforms.calls("GET", "/v23.0/17889455560051444")) == 4  # SOCIAL_POLL_MAX_ATTEMPTS
    assert slept == [0.0, 0.0, 0.0]
    assert platforms.calls("POST", f"/v23.0/{IG}/media_publish") == []


def test_container_error_status_is_permanent(platforms, image):
    platforms.reply("POST", f"/v23.0/{IG}/media", {"id": "17889455560051444"})
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "ERROR"})

    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG, media=[image]))

    assert caught.value.kind == ErrorKind.PERMANENT


def test_text_only_post_is_refused_without_a_request(platforms):
    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG))
    assert caught.value.kind == ErrorKind.PERMANENT
    assert platforms.requests == []


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "code", "retry_after"),
    [
        (400, ig_error(9007, 2207027, "Media ID is not available", True), {}, ErrorKind.TRANSIENT, "9007/2207027", None),
        (400, ig_error(9, 2207042, "You reached maximum number of posts that is allowed to be published by Content Publishing API"), {}, ErrorKind.RATE_LIMITED, "9/2207042", 3600.0),
        (500, ig_error(-1, 2207001, "Server error", True), {}, ErrorKind.TRANSIENT, "-1/2207001", None),
        (429, ig_error(4, None, "Application request limit reached", True), {"Retry-After": "60"}, ErrorKind.RATE_LIMITED, "4", 60.0),
        (401, ig_error(190, None, "Error validating access token: The session has been invalidated"), {}, ErrorKind.AUTH, "190", None),
        (400, ig_error(4, 2207051, "We restrict certain activity to protect our community"), {}, ErrorKind.PERMANENT, "4/2207051", None),
        (400, ig_error(36003, 2207009, "The submitted image with aspect ratio is not supported"), {}, ErrorKind.PERMANENT, "36003/2207009", None),
    ],
)
def test_errors_on_media_publish_map_to_kinds(platforms, image, status, body, headers, kind, code, retry_after):
    platforms.reply("POST", f"/v23.0/{IG}/media", {"id": "17889455560051444"})
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "FINISHED"})
    platforms.reply("POST", f"/v23.0/{IG}/media_publish", body, status=status, headers=headers)

    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG, media=[image]))

    assert (caught.value.kind, caught.value.code, caught.value.retry_after) == (kind, code, retry_after)


def test_read_timeout_on_media_publish_is_unconfirmed(platforms, image):
    platforms.reply("POST", f"/v23.0/{IG}/media", {"id": "17889455560051444"})
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "FINISHED"})
    platforms.reply("POST", f"/v23.0/{IG}/media_publish", Reply(body={"id": "17912345678900001"}, delay=1.5))

    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG, media=[image]))

    assert caught.value.kind == ErrorKind.UNCONFIRMED


def test_read_timeout_on_container_creation_is_transient(platforms, image):
    platforms.reply("POST", f"/v23.0/{IG}/media", Reply(body={"id": "17889455560051001"}, delay=1.5))

    with pytest.raises(PublishError) as caught:
        InstagramService().publish(make_request(external_id=IG, media=[image]))

    assert caught.value.kind == ErrorKind.TRANSIENT


def test_publishing_quota(platforms):
    platforms.reply(
        "GET",
        f"/v23.0/{IG}/content_publishing_limit",
        {"data": [{"quota_usage": 12, "config": {"quota_total": 50, "quota_duration": 86400}}]},
    )

    quota = InstagramService().publishing_quota(credentials=make_request(external_id=IG).credentials)

    assert platforms.requests[0].params() == {"fields": "quota_usage,config"}
    assert quota == PublishingQuota(used=12, limit=50, window_seconds=86400)
    assert quota.remaining == 38


def test_metrics_from_fields_and_insights(platforms):
    platforms.reply("GET", "/v23.0/17912345678900200", {"like_count": 31, "comments_count": 4, "id": "17912345678900200"})
    platforms.reply(
        "GET",
        "/v23.0/17912345678900200/insights",
        {
            "data": [
                {"name": "views", "period": "lifetime", "values": [{"value": 950}], "title": "Views", "id": "17912345678900200/insights/views/lifetime"},
                {"name": "reach", "period": "lifetime", "values": [{"value": 610}], "title": "Accounts reached", "id": "17912345678900200/insights/reach/lifetime"},
                {"name": "shares", "period": "lifetime", "values": [{"value": 5}], "title": "Shares", "id": "17912345678900200/insights/shares/lifetime"},
                {"name": "saved", "period": "lifetime", "values": [{"value": 9}], "title": "Saved", "id": "17912345678900200/insights/saved/lifetime"},
            ]
        },
    )

    metrics = InstagramService().fetch_metrics(credentials=make_request().credentials, external_id="17912345678900200")

    fields, insights = platforms.requests
    assert fields.params() == {"fields": "like_count,comments_count"}
    assert insights.params() == {"metric": "views,reach,likes,comments,shares,saved"}
    assert (metrics.likes, metrics.comments, metrics.shares, metrics.views, metrics.reach) == (31, 4, 5, 950, 610)


def test_insights_without_their_permission_leave_the_basic_counts_and_say_why(platforms):
    platforms.reply("GET", "/v23.0/17912345678900200", {"like_count": 31, "comments_count": 4, "id": "17912345678900200"})
    platforms.reply(
        "GET", "/v23.0/17912345678900200/insights",
        ig_error(10, None, "(#10) Application does not have permission for this action"), status=403,
    )

    metrics = InstagramService().fetch_metrics(credentials=make_request().credentials, external_id="17912345678900200")

    assert (metrics.likes, metrics.comments, metrics.views, metrics.reach) == (31, 4, None, None)
    assert "instagram_business_manage_insights" in metrics.unavailable


def test_the_default_scopes_can_read_insights(settings):
    assert "instagram_business_manage_insights" in settings.SOCIAL_PLATFORMS["instagram"]["scopes"]


def test_code_exchange_gets_a_long_lived_token(platforms):
    platforms.reply(
        "POST",
        "/oauth/access_token",
        {"access_token": "IGQ-short-1111", "user_id": 9000001, "permissions": ["instagram_business_basic", "instagram_business_content_publish"]},
    )
    platforms.reply("GET", "/access_token", {"access_token": "IGQ-long-2222", "token_type": "bearer", "expires_in": 5183944})
    platforms.reply("GET", "/v23.0/me", {"user_id": IG, "username": "silkhouse", "id": "9000001"})

    before = datetime.now(timezone.utc)
    tokens = InstagramService().exchange_code(code="ig-code-abc", redirect_uri="https://app.postloom.test/cb")

    short, long_lived, me = platforms.requests
    assert short.form() == {
        "client_id": "app-client-id",
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.postloom.test/cb",
        "code": "ig-code-abc",
    }
    assert long_lived.params() == {"grant_type": "ig_exchange_token", "client_secret": CLIENT_SECRET, "access_token": "IGQ-short-1111"}
    assert me.headers["authorization"] == "Bearer IGQ-long-2222"
    assert me.params() == {"fields": "user_id,username"}
    assert (tokens.access_token, tokens.external_id, tokens.handle) == ("IGQ-long-2222", IG, "silkhouse")
    assert before + timedelta(seconds=5183944) <= tokens.expires_at <= datetime.now(timezone.utc) + timedelta(seconds=5183944)


def test_refresh_extends_the_long_lived_token(platforms):
    platforms.reply("GET", "/refresh_access_token", {"access_token": "IGQ-new-3333", "token_type": "bearer", "expires_in": 5184000})

    tokens = InstagramService().refresh_token(credentials=make_request(external_id=IG).credentials)

    (call,) = platforms.requests
    assert call.params() == {"grant_type": "ig_refresh_token", "access_token": TOKEN}
    assert tokens.access_token == "IGQ-new-3333" and tokens.external_id == IG
    assert tokens.expires_at > datetime.now(timezone.utc) + timedelta(days=59)


# --- find_publication: after a worker died mid-publish --------------------------------------
def _find(state, text=CAPTION):
    request = make_request(external_id=IG)
    return InstagramService().find_publication(credentials=request.credentials, post_id=42, state=state, text=text)


def test_find_publication_without_a_container_knows_nothing_was_published(platforms):
    assert _find({}) is None
    assert platforms.requests == []


def test_find_publication_with_an_unpublished_container_says_not_published(platforms):
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "FINISHED", "id": "17889455560051444"})
    assert _find({"creation_id": "17889455560051444", "publish_started_at": datetime.now(timezone.utc).isoformat()}) is None
    assert platforms.calls("POST", f"/v23.0/{IG}/media_publish") == []


def test_find_publication_returns_the_saved_media(platforms):
    platforms.reply("GET", "/v23.0/17912345678900200", {"permalink": "https://www.instagram.com/p/17912345678900200/", "id": "17912345678900200"})
    found = _find({"creation_id": "17889455560051444", "media_id": "17912345678900200"})
    assert (found.external_id, found.permalink) == ("17912345678900200", "https://www.instagram.com/p/17912345678900200/")


def test_find_publication_finds_the_media_of_a_published_container(platforms):
    now = datetime.now(timezone.utc)
    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "PUBLISHED", "id": "17889455560051444"})
    platforms.reply("GET", f"/v23.0/{IG}/media", {"data": [{"id": "17912345678900200", "caption": CAPTION, "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S+0000")}]})
    found = _find({"creation_id": "17889455560051444", "publish_started_at": (now - timedelta(minutes=1)).isoformat()})
    assert found.external_id == "17912345678900200"


def test_find_publication_of_a_published_container_not_found_is_unknown(platforms):
    from backend.social.platforms.base import PublicationUnknown

    platforms.reply("GET", "/v23.0/17889455560051444", {"status_code": "PUBLISHED"})
    platforms.reply("GET", f"/v23.0/{IG}/media", {"data": []})
    with pytest.raises(PublicationUnknown):
        _find({"creation_id": "17889455560051444", "publish_started_at": datetime.now(timezone.utc).isoformat()})
