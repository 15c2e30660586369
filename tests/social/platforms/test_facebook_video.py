"""Facebook Page videos: Meta's Resumable Upload API (session with the user token, chunks at the
server's offset) then `POST /{page-id}/videos` on the video host, against a fake that enforces it;
resumes after a crash mid-transfer; a Page connected without a user token is told to reconnect."""
from __future__ import annotations

import shutil

import pytest

from backend.social.platforms.base import ErrorKind, MediaItem, PublishError
from backend.social.platforms.facebook import FacebookService
from backend.social.platforms.facebook_video import CHUNK_BYTES

from .conftest import TOKEN, make_request
from tests.videos import padded

PAGE = "1234567890"
APP_ID = "584544743160774"
USER_TOKEN = "EAAIT-secret-long-lived-user-token-42"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _facebook_app(platforms, settings):
    settings.SOCIAL_PLATFORMS["facebook"]["client_id"] = APP_ID
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 10.0  # megabytes go through the fake (see test_linkedin_video.py)
    platforms.state["facebook_user_token"] = USER_TOKEN


@pytest.fixture
def video(clip, tmp_path) -> MediaItem:
    """The clip grown to 9 MB: three transfers of 4 MB (4, 4, 1)."""
    path = tmp_path / "drape.mp4"
    shutil.copy(clip(), path)
    padded(path, total_bytes=9 * MB)
    return MediaItem(url="https://cdn.postloom.test/media/drape.mp4", path=str(path), content_type="video/mp4",
                     width=320, height=568, size=path.stat().st_size, kind="video", duration=2.0)


def request_for(video, **kwargs):
    request = make_request(external_id=PAGE, media=[video], **kwargs)
    request.credentials.user_token = USER_TOKEN
    return request


def test_a_video_is_uploaded_in_chunks_then_published_on_the_page(platforms, video, state_log):
    result = FacebookService().publish(request_for(video, text="Silk drape", save_state=state_log))

    start = platforms.calls("POST", f"/v23.0/{APP_ID}/uploads")[0]
    assert start.params() == {"file_name": "drape.mp4", "file_length": str(9 * MB), "file_type": "video/mp4", "access_token": USER_TOKEN}
    session = start.reply.body["id"]
    transfers = platforms.calls("POST", f"/v23.0/{session}")
    assert [t.headers["file_offset"] for t in transfers] == ["0", str(CHUNK_BYTES), str(2 * CHUNK_BYTES)]
    assert all(t.headers["authorization"] == f"OAuth {USER_TOKEN}" for t in transfers)
    publish = platforms.calls("POST", f"/v23.0/{PAGE}/videos")[0]
    assert publish.headers["authorization"] == f"Bearer {TOKEN}"  # the Page token publishes
    assert publish.form() == {"description": "Silk drape", "fbuploader_video_file_chunk": transfers[-1].reply.body["h"]}
    assert platforms.state["facebook_videos"][0]["bytes"] == open(video.path, "rb").read()
    assert result.external_id == publish.reply.body["id"]
    assert result.permalink == f"https://www.facebook.com/{result.external_id}"
    assert state_log.saved[0][1]["facebook_video"] == {"session": session, "offset": 0}


def test_a_crash_mid_transfer_resumes_at_the_servers_offset_without_a_second_session(platforms, video, state_log):
    platforms.state["facebook_drop_chunk"] = 1  # the second chunk lands, its answer never comes back

    with pytest.raises(PublishError) as crashed:
        FacebookService().publish(request_for(video, save_state=state_log))
    assert crashed.value.kind == ErrorKind.TRANSIENT
    saved = dict(state_log.saved[-1][1])
    assert saved["facebook_video"]["offset"] == CHUNK_BYTES  # what we knew; the server has more

    FacebookService().publish(request_for(video, state=saved, save_state=state_log))

    assert len(platforms.calls("POST", f"/v23.0/{APP_ID}/uploads")) == 1
    session = saved["facebook_video"]["session"]
    assert len(platforms.calls("GET", f"/v23.0/{session}")) == 1
    offsets = [t.headers["file_offset"] for t in platforms.calls("POST", f"/v23.0/{session}")]
    assert offsets == ["0", str(CHUNK_BYTES), str(2 * CHUNK_BYTES)]  # the dropped chunk is not sent again
    assert len(platforms.calls("POST", f"/v23.0/{PAGE}/videos")) == 1
    assert platforms.state["facebook_videos"][0]["bytes"] == open(video.path, "rb").read()


def test_a_redelivery_after_the_upload_publishes_without_uploading_again(platforms, video, state_log):
    FacebookService().publish(request_for(video, save_state=state_log))
    done = dict(state_log.saved[-1][1])
    uploads = len(platforms.requests)
    platforms.state.pop("facebook_videos")

    FacebookService().publish(request_for(video, state=done))

    assert [r.path for r in platforms.requests[uploads:]] == [f"/v23.0/{PAGE}/videos"]


def test_a_page_connected_without_a_user_token_is_told_to_reconnect(platforms, video):
    request = make_request(external_id=PAGE, media=[video])

    with pytest.raises(PublishError) as failed:
        FacebookService().publish(request)

    assert (failed.value.kind, failed.value.code) == (ErrorKind.PERMANENT, "reconnect_for_video")
    assert "reconnect the Page" in failed.value.message
    assert not platforms.requests


def test_a_token_meta_does_not_take_as_the_apps_user_token_is_refused_without_leaking(platforms, video):
    platforms.state["facebook_user_token"] = "another-token"

    with pytest.raises(PublishError) as failed:
        FacebookService().publish(request_for(video))

    assert failed.value.kind == ErrorKind.PERMANENT  # (#100) not a user token of the app
    assert USER_TOKEN not in str(failed.value)


def test_graph_errors_of_the_video_post_map_like_the_image_posts(platforms, video):
    platforms.state["facebook_video_error"] = (190, "Error validating access token: Session has expired")
    with pytest.raises(PublishError) as auth:
        FacebookService().publish(request_for(video))
    assert auth.value.kind == ErrorKind.AUTH

    platforms.state["facebook_video_error"] = (368, "The action attempted has been deemed abusive")
    with pytest.raises(PublishError) as blocked:
        FacebookService().publish(request_for(video))
    assert (blocked.value.kind, blocked.value.code) == (ErrorKind.PERMANENT, "368")


def test_the_fake_refuses_a_wrong_offset_and_a_page_token(platforms):
    import httpx

    answer = httpx.post(f"{platforms.url}/v23.0/{APP_ID}/uploads", params={"file_name": "a.mp4", "file_length": 10, "file_type": "video/mp4", "access_token": TOKEN})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
    session = httpx.post(f"{platforms.url}/v23.0/{APP_ID}/uploads", params={"file_name": "a.mp4", "file_length": 10, "file_type": "video/mp4", "access_token": USER_TOKEN}).json()["id"]
    wrong = httpx.post(f"{platforms.url}/v23.0/{session}", content=b"12345", headers={"Authorization": f"OAuth {USER_TOKEN}", "file_offset": "5"})
    assert wrong.status_code == 400 and "expects 0" in wrong.json()["error"]["message"]
    user_published = httpx.post(f"{platforms.url}/v23.0/{PAGE}/videos", data={"fbuploader_video_file_chunk": "2:c2FtcGxlx"}, headers={"Authorization": f"Bearer {USER_TOKEN}"})
    assert user_published.status_code == 400 and user_published.json()["error"]["code"] == 200
