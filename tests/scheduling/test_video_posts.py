"""Posts carry a video asset like an image; the sandbox records what it received."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.scheduling import tasks  # noqa: F401  (registers the publish task, so eager Celery runs it)
from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount
from tests.conftest import future

pytestmark = pytest.mark.django_db


def upload_video(client, path):
    response = client.post("/api/media/", {"file": SimpleUploadedFile("reel.mp4", path.read_bytes())}, format="multipart")
    assert response.status_code == 201, response.data
    return response.data


def test_a_video_post_is_scheduled_and_the_sandbox_records_duration_and_size(owner_client, sandbox, clip, django_capture_on_commit_callbacks):
    video = upload_video(owner_client, clip())

    response = owner_client.post(
        "/api/schedule/",
        {"social_account": sandbox.pk, "caption": "Watch the drape of our Kanchipuram silk", "asset_id": video["id"], "scheduled_time": future()},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["asset_url"] == video["url"]

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/api/schedule/{response.data['id']}/publish_now/").status_code == 202

    post = ScheduledPost.objects.get(pk=response.data["id"])
    assert post.status == ScheduledPost.Status.POSTED
    publication = owner_client.get("/api/social/sandbox/publications/").data["results"][0]
    assert publication["media"] == [video["url"]]
    assert publication["media_details"] == [
        {"url": video["url"], "kind": "video", "size": video["size"], "width": 320, "height": 568, "duration": video["duration"]}
    ]


def test_a_platform_that_takes_no_video_refuses_it_when_scheduled(owner_client, org, owner, clip):
    whatsapp = SocialAccount.objects.create(
        organization=org, platform="whatsapp", handle="shop", external_id="123456789012345", connected_by=owner,
        metadata={"phone_number_id": "123456789012345", "recipients": ["+919876543210"]},
    )
    video = upload_video(owner_client, clip())

    response = owner_client.post(
        "/api/schedule/",
        {"social_account": whatsapp.pk, "caption": "New arrivals", "asset_id": video["id"], "scheduled_time": future()},
        format="json",
    )

    assert response.status_code == 400
    assert "WhatsApp posts take images only" in str(response.data["asset_id"])


def test_a_video_too_short_for_reels_is_refused_at_scheduling(owner_client, org, owner, clip):
    instagram = SocialAccount.objects.create(
        organization=org, platform="instagram", handle="shop", external_id="17841400000000000", connected_by=owner
    )
    video = upload_video(owner_client, clip())  # 2 s: Reels need 3

    response = owner_client.post(
        "/api/schedule/",
        {"social_account": instagram.pk, "caption": "Drape", "asset_id": video["id"], "scheduled_time": future()},
        format="json",
    )

    assert response.status_code == 400
    assert "at least 3 seconds" in str(response.data["asset_id"])
