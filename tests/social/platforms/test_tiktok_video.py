"""TikTok video posts: FILE_UPLOAD in chunks against a fake that enforces TikTok's chunk rules,
status polling, and resuming after a crash without a second post."""
from __future__ import annotations

import shutil

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.tiktok import TikTokService
from backend.social.platforms.tiktok_video import chunk_plan
from tests.videos import padded

from .conftest import TOKEN, make_request
from .test_tiktok import CREATOR

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _upload_timeout(platforms, settings):
    """Megabytes go through these fakes: the tiny timeout of the platform tests (0.5 s, made for the
    timeout tests) would fail an upload on a loaded machine; a real client gives uploads longer."""
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 10.0


def video_item(path, *, duration=2.0) -> MediaItem:
    return MediaItem(
        url="https://cdn.postloom.test/media/reel.mp4", path=str(path), content_type="video/mp4",
        width=320, height=568, size=path.stat().st_size, kind="video", duration=duration,
    )


@pytest.fixture
def big_clip(clip, tmp_path):
    """The 2 s clip grown to 12 MB: with 5 MB chunks, TikTok wants 2 chunks (5 MB, then 7 MB)."""
    path = tmp_path / "big.mp4"
    shutil.copy(clip(), path)
    return padded(path, total_bytes=12 * MB)


def test_chunk_plan_follows_tiktoks_rules():
    assert chunk_plan(3 * MB, 10 * MB) == (3 * MB, 1)  # under 5 MB: whole
    assert chunk_plan(12 * MB, 5 * MB) == (5 * MB, 2)  # the last chunk takes the rest
    assert chunk_plan(12 * MB, 1 * MB) == (5 * MB, 2)  # never under 5 MB
    assert chunk_plan(200 * MB, 100 * MB) == (64 * MB, 3)  # never over 64 MB
    assert chunk_plan(9000 * MB, 5 * MB)[1] <= 1000


def test_a_small_video_goes_in_one_chunk_then_is_polled(platforms, clip, state_log):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    item = video_item(clip())

    result = TikTokService().publish(make_request(text="Kanchipuram silk, draped #saree", media=[item], save_state=state_log))

    creator, init, put, *polls = platforms.requests
    assert init.path == "/v2/post/publish/video/init/"
    assert init.json() == {
        "post_info": {
            "title": "Kanchipuram silk, draped #saree", "privacy_level": "SELF_ONLY", "disable_comment": True,
            "brand_content_toggle": False, "brand_organic_toggle": False, "disable_duet": True, "disable_stitch": True,
            "video_cover_timestamp_ms": 1000,
        },
        "source_info": {"source": "FILE_UPLOAD", "video_size": item.size, "chunk_size": item.size, "total_chunk_count": 1},
    }
    assert (put.method, put.headers["content-range"], put.reply.status) == ("PUT", f"bytes 0-{item.size - 1}/{item.size}", 201)
    assert "authorization" not in put.headers  # the upload URL carries its own token
    assert put.body == clip().read_bytes()
    assert [p.reply.body["data"]["status"] for p in polls] == ["PROCESSING_UPLOAD", "PUBLISH_COMPLETE"]
    assert result.external_id == "7440000000000000099"
    assert result.permalink == "https://www.tiktok.com/@silkhouse/video/7440000000000000099"
    assert [saved["uploaded_chunks"] for _, saved in state_log.saved] == [0, 1]


def test_a_large_video_goes_in_ordered_chunks(platforms, big_clip, state_log, settings):
    settings.TIKTOK_UPLOAD_CHUNK_BYTES = 5 * MB
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)

    TikTokService().publish(make_request(media=[video_item(big_clip)], save_state=state_log))

    puts = platforms.calls("PUT", "/upload/")
    assert [p.headers["content-range"] for p in puts] == [f"bytes 0-{5 * MB - 1}/{12 * MB}", f"bytes {5 * MB}-{12 * MB - 1}/{12 * MB}"]
    assert [p.reply.status for p in puts] == [206, 201]
    assert b"".join(p.body for p in puts) == big_clip.read_bytes()


def test_a_redelivered_task_resumes_the_upload_and_posts_once(platforms, big_clip, state_log, settings):
    settings.TIKTOK_UPLOAD_CHUNK_BYTES = 5 * MB
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.state["tiktok_drop_chunk"] = 1  # the worker's connection dies on the second chunk
    request = make_request(media=[video_item(big_clip)], save_state=state_log)

    with pytest.raises(PublishError) as crashed:
        TikTokService().publish(request)
    assert crashed.value.kind == ErrorKind.TRANSIENT
    saved = state_log.saved[-1][1]
    assert saved["uploaded_chunks"] == 1

    retried = make_request(media=[video_item(big_clip)], state=dict(saved), save_state=state_log)
    result = TikTokService().publish(retried)

    assert len(platforms.calls("POST", "/v2/post/publish/video/init/")) == 1  # one upload session, one post
    assert len(platforms.calls("POST", "/v2/post/publish/creator_info/query/")) == 1
    puts = [p for p in platforms.calls("PUT", "/upload/") if p.reply and not p.reply.drop]
    assert [p.headers["content-range"].split("/")[0] for p in puts] == [f"bytes 0-{5 * MB - 1}", f"bytes {5 * MB}-{12 * MB - 1}"]
    assert result.external_id == "7440000000000000099"


def test_a_crash_after_the_upload_only_polls(platforms, clip, state_log):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    request = make_request(media=[video_item(clip())], save_state=state_log)
    service = TikTokService()
    service.poll = lambda check, what: (_ for _ in ()).throw(PublishError(ErrorKind.TRANSIENT, "worker died", code="x"))
    with pytest.raises(PublishError):
        service.publish(request)
    saved = state_log.saved[-1][1]

    with pytest.raises(PublishError) as processing:  # uploaded, not published yet: ask again later
        TikTokService().find_publication(credentials=request.credentials, post_id=42, state=saved)
    assert processing.value.kind == ErrorKind.TRANSIENT
    result = TikTokService().publish(make_request(media=[video_item(clip())], state=dict(saved)))

    assert len(platforms.calls("PUT", "/upload/")) == 1
    assert result.external_id == "7440000000000000099"


def test_find_publication_reads_the_upload_session(platforms, big_clip, state_log, settings):
    settings.TIKTOK_UPLOAD_CHUNK_BYTES = 5 * MB
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.state["tiktok_drop_chunk"] = 1
    request = make_request(media=[video_item(big_clip)], save_state=state_log)
    with pytest.raises(PublishError):
        TikTokService().publish(request)
    half = state_log.saved[-1][1]

    assert TikTokService().find_publication(credentials=request.credentials, post_id=42, state=half) is None  # resume is safe

    done = TikTokService().publish(make_request(media=[video_item(big_clip)], state=dict(half)))
    found = TikTokService().find_publication(credentials=request.credentials, post_id=42, state=dict(half, uploaded_chunks=2))
    assert found.external_id == done.external_id


def test_a_video_longer_than_the_creator_may_post_fails_before_uploading(platforms, clip):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", {**CREATOR, "data": {**CREATOR["data"], "max_video_post_duration_sec": 60}})

    with pytest.raises(PublishError) as refused:
        TikTokService().publish(make_request(media=[video_item(clip(), duration=75.0)]))

    assert (refused.value.kind, refused.value.code) == (ErrorKind.PERMANENT, "duration_over_creator_limit")
    assert "at most 60 seconds" in refused.value.message
    assert not platforms.calls("POST", "/v2/post/publish/video/init/")


def test_a_failed_video_is_permanent_with_tiktoks_reason(platforms, clip):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    platforms.state["tiktok_fail_reason"] = "duration_check_failed"

    with pytest.raises(PublishError) as failed:
        TikTokService().publish(make_request(media=[video_item(clip())]))

    assert (failed.value.kind, failed.value.code) == (ErrorKind.PERMANENT, "duration_check_failed")


@pytest.mark.parametrize(
    "source",
    [
        {"video_size": 12 * MB, "chunk_size": 3 * MB, "total_chunk_count": 4},  # chunks under 5 MB
        {"video_size": 12 * MB, "chunk_size": 5 * MB, "total_chunk_count": 3},  # count not size // chunk
        {"video_size": 3 * MB, "chunk_size": 1 * MB, "total_chunk_count": 3},  # under 5 MB: whole
    ],
)
def test_the_fake_refuses_a_chunk_plan_tiktok_refuses(platforms, source):
    import httpx

    platforms.reply("POST", "/v2/post/publish/creator_info/query/", CREATOR)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    httpx.post(f"{platforms.url}/v2/post/publish/creator_info/query/", headers=headers, json={})
    answer = httpx.post(
        f"{platforms.url}/v2/post/publish/video/init/", headers=headers,
        json={"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FILE_UPLOAD", **source}},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_params")
