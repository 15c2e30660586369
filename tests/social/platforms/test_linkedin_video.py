"""LinkedIn videos: the Videos API's multi-part upload (parts with ETags, finalizeUpload, processing)
against a fake that enforces it, then one post referencing the video; resumes after a crash."""
from __future__ import annotations

import shutil

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.linkedin import LinkedInService
from tests.fakes.platform_server import Reply
from tests.videos import padded

from .conftest import make_request
from .test_linkedin import MEMBER, POST_URN

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _upload_timeout(platforms, settings):
    """Megabytes go through these fakes: the tiny timeout of the platform tests (0.5 s, made for the
    timeout tests) would fail an upload on a loaded machine; a real client gives uploads longer."""
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 10.0


@pytest.fixture
def video(clip, tmp_path) -> MediaItem:
    """The clip grown to 9 MB: three parts of LinkedIn's 4 MB (4, 4, 1)."""
    path = tmp_path / "reel.mp4"
    shutil.copy(clip(), path)
    padded(path, total_bytes=9 * MB)
    return MediaItem(url="https://cdn.postloom.test/media/reel.mp4", path=str(path), content_type="video/mp4",
                     width=320, height=568, size=path.stat().st_size, kind="video", duration=2.0)


def test_a_video_is_uploaded_in_parts_finalized_processed_then_posted(platforms, video, state_log):
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))

    result = LinkedInService().publish(make_request(external_id=MEMBER, text="Drape", media=[video], save_state=state_log))

    init = platforms.calls("POST", "/rest/videos")[0]
    assert init.params() == {"action": "initializeUpload"}
    assert init.json() == {"initializeUploadRequest": {"owner": f"urn:li:person:{MEMBER}", "fileSizeBytes": 9 * MB, "uploadCaptions": False, "uploadThumbnail": False}}
    urn = init.reply.body["value"]["video"]
    parts = [r for r in platforms.requests if r.method == "PUT"]
    assert [len(p.body) for p in parts] == [4 * MB, 4 * MB, 1 * MB]
    assert b"".join(p.body for p in parts) == open(video.path, "rb").read()
    finalize = platforms.calls("POST", "/rest/videos")[1]
    assert finalize.json()["finalizeUploadRequest"]["uploadedPartIds"] == [p.reply.headers["ETag"] for p in parts]
    post = platforms.calls("POST", "/rest/posts")[0]
    assert post.json()["content"] == {"media": {"id": urn}}
    assert result.external_id == POST_URN


def test_a_crash_mid_upload_resumes_at_the_next_part(platforms, video, state_log):
    platforms.reply("POST", "/rest/posts", Reply(status=201, headers={"x-restli-id": POST_URN}))
    platforms.state["linkedin_drop_part"] = 1

    with pytest.raises(PublishError) as crashed:
        LinkedInService().publish(make_request(external_id=MEMBER, media=[video], save_state=state_log))
    assert crashed.value.kind == ErrorKind.TRANSIENT
    saved = dict(state_log.saved[-1][1])
    assert len(saved["linkedin_video"]["etags"]) == 1

    LinkedInService().publish(make_request(external_id=MEMBER, media=[video], state=saved, save_state=state_log))

    assert len([r for r in platforms.calls("POST", "/rest/videos") if r.params()["action"] == "initializeUpload"]) == 1
    puts = [r.path for r in platforms.requests if r.method == "PUT"]
    assert [p.rsplit("/", 1)[1] for p in puts] == ["part0", "part1", "part1", "part2"]
    assert len(platforms.calls("POST", "/rest/posts")) == 1


def test_a_video_linkedin_cannot_process_fails_permanently_without_a_post(platforms, video):
    platforms.state["linkedin_video_error"] = "VIDEO_TOO_SHORT"

    with pytest.raises(PublishError) as failed:
        LinkedInService().publish(make_request(external_id=MEMBER, media=[video]))

    assert (failed.value.kind, failed.value.code) == (ErrorKind.PERMANENT, "PROCESSING_FAILED")
    assert not platforms.calls("POST", "/rest/posts")


def test_the_fake_refuses_a_post_with_a_video_still_processing(platforms, video):
    import httpx

    headers = {"Authorization": "Bearer t", "LinkedIn-Version": "202603"}
    value = httpx.post(f"{platforms.url}/rest/videos?action=initializeUpload", headers=headers,
                       json={"initializeUploadRequest": {"owner": f"urn:li:person:{MEMBER}", "fileSizeBytes": 9 * MB}}).json()["value"]
    answer = httpx.post(f"{platforms.url}/rest/posts", headers=headers, json={
        "author": f"urn:li:person:{MEMBER}", "commentary": "x", "visibility": "PUBLIC", "distribution": {}, "lifecycleState": "PUBLISHED",
        "content": {"media": {"id": value["video"]}},
    })
    assert answer.status_code == 400
    assert "not ready" in answer.json()["message"]
