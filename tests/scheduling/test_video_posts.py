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


def test_a_tiktok_video_post_resumes_its_upload_on_the_next_attempt(org, owner, make_post, platforms, clip, tmp_path, settings):
    """Through the publisher: the checkpoint is the post's publish_state, so the retry after a
    dropped chunk continues the same upload session and TikTok gets one post."""
    import shutil
    from datetime import timedelta

    from django.utils import timezone

    from backend.assets.services import video_asset_create
    from backend.scheduling.publishing import post_publish
    from tests.social.platforms.test_tiktok import CREATOR
    from tests.videos import padded

    settings.TIKTOK_UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 10.0  # megabytes go through the fake (see test_tiktok_video.py)
    path = tmp_path / "reel.mp4"
    shutil.copy(clip(), path)
    asset = video_asset_create(organization=org, path=str(padded(path, total_bytes=12 * 1024 * 1024)), uploaded_by=owner)
    account = SocialAccount.objects.create(
        organization=org, platform="tiktok", handle="silkhouse", external_id="open-id-1", access_token="act.tiktok-token", connected_by=owner
    )
    post = make_post(account=account, asset=asset, caption="Drape #saree", due_in=timedelta(seconds=-1))
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.state["tiktok_drop_chunk"] = 1

    assert post_publish(post_id=post.pk) == ScheduledPost.Status.SCHEDULED  # transient: retried later
    post.refresh_from_db()
    assert post.publish_state["uploaded_chunks"] == 1
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    assert post_publish(post_id=post.pk) == ScheduledPost.Status.POSTED
    post.refresh_from_db()
    assert post.external_post_id == "7440000000000000099"
    assert len(platforms.calls("POST", "/v2/post/publish/video/init/")) == 1
    with open(asset.file.path, "rb") as fh:
        assert b"".join(p.body for p in platforms.calls("PUT", "/upload/") if not p.reply.drop) == fh.read()
