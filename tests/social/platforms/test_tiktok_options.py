"""A post's TikTok choices: checked when it is scheduled, sent to TikTok when it is published."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backend.scheduling.models import ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.social.models import SocialAccount
from tests.conftest import future, make_image

pytestmark = pytest.mark.django_db

OK = {"code": "ok", "message": "", "log_id": "202611211200000000000000000000"}


@pytest.fixture
def tiktok(org, owner):
    return SocialAccount.objects.create(organization=org, platform="tiktok", handle="silkhouse", external_id="open-id-1",
                                        access_token="act.tiktok", connected_by=owner)


@pytest.fixture
def asset_id(owner_client, org):
    answer = owner_client.post("/api/media/", {"file": SimpleUploadedFile("p.jpg", make_image(size=(1080, 1350))), "organization": org.pk}, format="multipart")
    return answer.data["id"]


@pytest.mark.parametrize(
    "options",
    [
        {"privacy_level": "EVERYONE"},
        {"allow_comment": "yes"},
        {"brand_content_toggle": True},  # branded content can never be SELF_ONLY, the default
        {"colour": "red"},
        "public",
    ],
)
def test_bad_choices_are_a_400_when_scheduling(owner_client, tiktok, asset_id, options):
    answer = owner_client.post(
        "/api/schedule/",
        {"social_account": tiktok.pk, "caption": "Silk", "asset_id": asset_id, "scheduled_time": future(hours=1), "metadata": {"tiktok": options}},
        format="json",
    )

    assert answer.status_code == 400 and "metadata" in answer.json()


def test_the_posts_choices_reach_tiktok(owner_client, tiktok, asset_id, platforms):
    options = {"privacy_level": "FOLLOWER_OF_CREATOR", "allow_comment": True}
    answer = owner_client.post(
        "/api/schedule/",
        {"social_account": tiktok.pk, "caption": "Silk", "asset_id": asset_id, "scheduled_time": future(hours=1), "metadata": {"tiktok": options}},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    ScheduledPost.objects.filter(pk=answer.json()["id"]).update(next_attempt_at=timezone.now() - timedelta(seconds=1), scheduled_time=timezone.now() - timedelta(seconds=1))
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", {"data": {"privacy_level_options": ["FOLLOWER_OF_CREATOR", "SELF_ONLY"], "comment_disabled": False}, "error": OK})
    platforms.reply("POST", "/v2/post/publish/content/init/", {"data": {"publish_id": "v_pub_url~v2.1"}, "error": OK})
    platforms.reply("POST", "/v2/post/publish/status/fetch/", {"data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7440000000000000009]}, "error": OK})

    assert post_publish(post_id=answer.json()["id"]) == "posted"

    post_info = platforms.calls(path="/v2/post/publish/content/init/")[0].json()["post_info"]
    assert (post_info["privacy_level"], post_info["disable_comment"]) == ("FOLLOWER_OF_CREATOR", False)
