"""First comments through each adapter's `publish_comment` hook, against a fake server that answers
as each platform's current reference documents (cited per test)."""
from __future__ import annotations

import pytest

from backend.social.platforms.base import CommentRequest, Credentials, ErrorKind, PublishError
from backend.social.platforms.facebook import FacebookService
from backend.social.platforms.instagram import InstagramService
from backend.social.platforms.linkedin import LinkedInService
from backend.social.platforms.registry import get_service
from backend.social.platforms.twitter import TwitterService
from tests.fakes.platform_server import Reply

from .conftest import TOKEN


def comment(external_id: str, text: str = "Shop now: https://shop.test/silk (20% off)", **credentials) -> CommentRequest:
    return CommentRequest(
        post_id=42, external_id=external_id, text=text,
        credentials=Credentials(account_id=7, handle="silkhouse", external_id=credentials.pop("member", "1234567890"), access_token=TOKEN, **credentials),
    )


def test_facebook_comments_on_the_page_post(platforms):
    # Graph API, Object Comments (POST /{object-id}/comments, `message`): answers {"id": "<comment-id>"}.
    platforms.reply("POST", "/v23.0/1234567890_555/comments", {"id": "555_9001"})
    result = FacebookService().publish_comment(comment("1234567890_555"))
    (call,) = platforms.requests
    assert call.form() == {"message": "Shop now: https://shop.test/silk (20% off)"}
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert result.external_id == "555_9001"


def test_instagram_comments_on_the_media(platforms):
    # IG Media Comments reference: POST /<IG_MEDIA_ID>/comments?message=<MESSAGE_CONTENT> → {"id": "17870913679156914"}.
    platforms.reply("POST", "/v23.0/17895695668004550/comments", {"id": "17870913679156914"})
    result = InstagramService().publish_comment(comment("17895695668004550", text="Link in bio ✨"))
    (call,) = platforms.requests
    assert call.params() == {"message": "Link in bio ✨"}
    assert result.external_id == "17870913679156914"


def test_x_replies_to_the_post(platforms):
    # X API v2 Create Post: POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}} → 201 {"data": {"id", "text"}}.
    platforms.reply("POST", "/2/tweets", {"data": {"id": "1850000000000000002", "text": "More colours inside"}}, status=201)
    result = TwitterService().publish_comment(comment("1850000000000000001", text="More colours inside"))
    (call,) = platforms.requests
    assert call.json() == {"text": "More colours inside", "reply": {"in_reply_to_tweet_id": "1850000000000000001"}}
    assert result.external_id == "1850000000000000002"


def test_linkedin_comments_through_social_actions(platforms):
    # Comments API, Create a Comment: POST /rest/socialActions/{shareUrn}/comments with
    # {actor, object, message: {text}} → 201; the comment URN in x-restli-id and the body.
    urn = "urn:li:share:7265000000000000001"
    comment_urn = "urn:li:comment:(urn:li:activity:7265000000000000009,7265100000000000001)"
    platforms.reply("POST", f"/rest/socialActions/{urn.replace(':', '%3A')}/comments",
                    Reply(status=201, headers={"x-restli-id": comment_urn}, body={"$URN": comment_urn, "object": urn}))
    result = LinkedInService().publish_comment(comment(urn, member="yrZCpj2Z12"))
    (call,) = platforms.requests
    assert call.headers["linkedin-version"] and call.headers["x-restli-protocol-version"] == "2.0.0"
    assert call.json() == {
        "actor": "urn:li:person:yrZCpj2Z12", "object": urn,
        "message": {"text": "Shop now: https://shop.test/silk \\(20% off\\)"},
    }
    assert result.external_id == comment_urn


def test_platform_errors_keep_their_kind(platforms):
    # Graph error body, code 2 ("Service temporarily unavailable", Graph API error codes): transient.
    platforms.reply("POST", "/v23.0/1_2/comments", {"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2}}, status=503)
    with pytest.raises(PublishError) as raised:
        FacebookService().publish_comment(comment("1_2"))
    assert raised.value.kind == ErrorKind.TRANSIENT
    platforms.reply("POST", "/2/tweets", {"title": "Forbidden", "detail": "You are not allowed to reply.", "type": "about:blank", "status": 403}, status=403)
    with pytest.raises(PublishError) as raised:
        TwitterService().publish_comment(comment("1"))
    assert raised.value.kind == ErrorKind.PERMANENT and "not allowed" in raised.value.message


def test_a_timeout_after_sending_is_unconfirmed(platforms):
    platforms.reply("POST", "/2/tweets", Reply(body={"data": {"id": "late"}}, delay=1.5))
    with pytest.raises(PublishError) as raised:
        TwitterService().publish_comment(comment("1"))
    assert raised.value.kind == ErrorKind.UNCONFIRMED


@pytest.mark.parametrize("platform", ["tiktok", "whatsapp"])
def test_platforms_without_comments_say_so(platform):
    service = get_service(platform)
    assert service.supports_first_comment is False
    with pytest.raises(PublishError) as raised:
        service.publish_comment(comment("x"))
    assert raised.value.kind == ErrorKind.PERMANENT and raised.value.code == "comments_not_supported"
