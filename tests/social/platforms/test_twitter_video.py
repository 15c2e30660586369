"""X videos: the v2 chunked upload (initialize, ordered ≤ 5 MB segments, finalize, processing
status) against a fake that enforces it, then one post; resumes after a crash."""
from __future__ import annotations

import shutil

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.twitter import TwitterService
from tests.videos import padded

from .conftest import make_request

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _upload_timeout(platforms, settings):
    """Megabytes go through these fakes: the tiny timeout of the platform tests (0.5 s, made for the
    timeout tests) would fail an upload on a loaded machine; a real client gives uploads longer."""
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 10.0
TWEET = {"data": {"id": "1863000000000000077", "text": "Drape"}}


def video_item(path) -> MediaItem:
    return MediaItem(url="https://cdn.postloom.test/media/reel.mp4", path=str(path), content_type="video/mp4",
                     width=320, height=568, size=path.stat().st_size, kind="video", duration=2.0)


@pytest.fixture
def big_clip(clip, tmp_path):
    """The clip grown to 2.5 MB: with 1 MB segments, three (1, 1, 0.5)."""
    path = tmp_path / "big.mp4"
    shutil.copy(clip(), path)
    return padded(path, total_bytes=5 * MB // 2)


def test_a_video_is_uploaded_in_segments_processed_then_posted(platforms, big_clip, state_log, settings):
    settings.X_MEDIA_CHUNK_BYTES = 1 * MB
    platforms.reply("POST", "/2/tweets", TWEET, status=201)

    result = TwitterService().publish(make_request(text="Drape", media=[video_item(big_clip)], save_state=state_log))

    init = platforms.calls("POST", "/2/media/upload/initialize")[0]
    assert init.json() == {"media_type": "video/mp4", "total_bytes": 5 * MB // 2, "media_category": "tweet_video"}
    media_id = init.reply.body["data"]["id"]
    appends = platforms.calls("POST", f"/2/media/upload/{media_id}/append")
    parts = [a.multipart() for a in appends]
    assert [p["segment_index"][1] for p in parts] == [b"0", b"1", b"2"]
    assert b"".join(p["media"][1] for p in parts) == big_clip.read_bytes()
    assert len(platforms.calls("POST", f"/2/media/upload/{media_id}/finalize")) == 1
    statuses = platforms.calls("GET", "/2/media/upload")
    assert [s.params() for s in statuses][0] == {"command": "STATUS", "media_id": media_id}
    assert [s.reply.body["data"]["processing_info"]["state"] for s in statuses] == ["in_progress", "succeeded"]
    tweet = platforms.calls("POST", "/2/tweets")[0]
    assert tweet.json() == {"text": "Drape", "media": {"media_ids": [media_id]}}
    assert result.external_id == "1863000000000000077"
    assert state_log.saved[-1][1]["media_ids"] == [media_id]


def test_a_crash_mid_upload_resumes_at_the_next_segment(platforms, big_clip, state_log, settings):
    settings.X_MEDIA_CHUNK_BYTES = 1 * MB
    platforms.reply("POST", "/2/tweets", TWEET, status=201)
    platforms.state["x_drop_segment"] = 2

    with pytest.raises(PublishError) as crashed:
        TwitterService().publish(make_request(media=[video_item(big_clip)], save_state=state_log))
    assert crashed.value.kind == ErrorKind.TRANSIENT
    saved = dict(state_log.saved[-1][1])
    assert saved["x_video"]["segments"] == 2

    TwitterService().publish(make_request(media=[video_item(big_clip)], state=saved, save_state=state_log))

    assert len(platforms.calls("POST", "/2/media/upload/initialize")) == 1
    media_id = saved["x_video"]["media_id"]
    indexes = [a.multipart()["segment_index"][1] for a in platforms.calls("POST", f"/2/media/upload/{media_id}/append")]
    assert indexes == [b"0", b"1", b"2", b"2"]  # the dropped segment again, nothing before it
    assert len(platforms.calls("POST", "/2/tweets")) == 1


def test_processing_that_outlasts_an_attempt_is_polled_again_not_uploaded_again(platforms, clip, state_log):
    platforms.reply("POST", "/2/tweets", TWEET, status=201)
    platforms.state["x_processing_polls"] = 6  # the test settings poll 4 times per attempt

    with pytest.raises(PublishError) as waiting:
        TwitterService().publish(make_request(media=[video_item(clip())], save_state=state_log))
    assert waiting.value.code == "still_processing"
    saved = dict(state_log.saved[-1][1])

    TwitterService().publish(make_request(media=[video_item(clip())], state=saved))

    assert len(platforms.calls("POST", "/2/media/upload/initialize")) == 1
    assert len(platforms.calls("POST", f"/2/media/upload/{saved['x_video']['media_id']}/finalize")) == 1
    assert len(platforms.calls("POST", "/2/tweets")) == 1


def test_a_video_x_cannot_process_fails_permanently_without_a_post(platforms, clip):
    platforms.state["x_video_error"] = "Unsupported video format"

    with pytest.raises(PublishError) as failed:
        TwitterService().publish(make_request(media=[video_item(clip())]))

    assert (failed.value.kind, failed.value.code) == (ErrorKind.PERMANENT, "InvalidMedia")
    assert "Unsupported video format" in failed.value.message
    assert not platforms.calls("POST", "/2/tweets")


def test_the_fake_refuses_what_x_refuses(platforms):
    import httpx

    headers = {"Authorization": "Bearer token"}
    media_id = httpx.post(f"{platforms.url}/2/media/upload/initialize", headers=headers,
                          json={"media_type": "video/mp4", "total_bytes": 10, "media_category": "tweet_video"}).json()["data"]["id"]
    too_big = httpx.post(f"{platforms.url}/2/media/upload/{media_id}/append", headers=headers,
                         data={"segment_index": "0"}, files={"media": ("s", b"x" * (5 * MB + 1))})
    httpx.post(f"{platforms.url}/2/media/upload/{media_id}/append", headers=headers, data={"segment_index": "0"}, files={"media": ("s", b"x" * 4)})
    short = httpx.post(f"{platforms.url}/2/media/upload/{media_id}/finalize", headers=headers)
    unprocessed = httpx.post(f"{platforms.url}/2/tweets", headers=headers, json={"text": "x", "media": {"media_ids": [media_id]}})

    assert too_big.status_code == 400
    assert (short.status_code, short.json()["detail"]) == (400, "Segments do not add up to provided total file size.")
    assert (unprocessed.status_code, unprocessed.json()["detail"]) == (400, "Your media IDs are invalid.")
