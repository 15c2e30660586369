"""Videos in the media library: streamed to disk, probed with PyAV, a poster frame, 400 for anything else."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.assets.models import MediaAsset

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="reel.mp4"):
    return client.post("/api/media/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_mp4_is_probed_and_gets_a_poster_frame(owner_client, clip, settings):
    response = upload(owner_client, clip().read_bytes(), name="saree-drape.mp4")

    assert response.status_code == 201, response.data
    body = response.data
    assert body["kind"] == "video"
    assert (body["format"], body["content_type"]) == ("MP4", "video/mp4")
    assert (body["width"], body["height"]) == (320, 568)
    assert body["duration"] == pytest.approx(2.0, abs=0.1)
    assert body["frame_rate"] == pytest.approx(24.0)
    assert (body["codec"], body["audio_codec"], body["rotation"]) == ("h264", "aac", 0)
    assert body["bitrate"] > 0
    assert body["size"] == clip().stat().st_size
    asset = MediaAsset.objects.get()
    with asset.thumbnail.open("rb") as fh:
        poster = Image.open(io.BytesIO(fh.read()))
    assert poster.format == "JPEG" and poster.size == (320, 568)
    assert body["thumbnail_url"] == f"{settings.PUBLIC_BASE_URL}{asset.thumbnail.url}"
    with asset.file.open("rb") as fh:
        assert fh.read() == clip().read_bytes()


def test_phone_video_is_measured_upright(owner_client, clip):
    """Stored landscape with a 90° display rotation (how phones record portrait): shown portrait."""
    response = upload(owner_client, clip(size=(568, 320), rotation=90, audio=False).read_bytes())

    assert response.status_code == 201, response.data
    assert (response.data["width"], response.data["height"], response.data["rotation"]) == (320, 568, 90)
    assert response.data["audio_codec"] == ""
    with MediaAsset.objects.get().thumbnail.open("rb") as fh:
        assert Image.open(io.BytesIO(fh.read())).size == (320, 568)


def test_mov_is_recognised_by_its_content(owner_client, clip):
    response = upload(owner_client, clip(container="mov").read_bytes(), name="clip.mp4")

    assert response.status_code == 201, response.data
    assert (response.data["format"], response.data["content_type"]) == ("MOV", "video/quicktime")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"garbage" * 100,  # an MP4 header, no movie
        b"\x00\x00\x00\x08free" + b"\x00" * 64,  # a box, nothing else
        b"this is not a video",
    ],
    ids=["header-only", "empty-box", "text"],
)
def test_what_is_not_a_decodable_video_is_400(owner_client, data):
    response = upload(owner_client, data)

    assert response.status_code == 400
    assert response.data["file"]
    assert not MediaAsset.objects.exists()


def test_truncated_video_is_400(owner_client, clip):
    data = clip().read_bytes()
    response = upload(owner_client, data[: len(data) // 3])

    assert response.status_code == 400
    assert response.data["file"]


def test_video_limits_are_their_own(owner_client, clip, settings):
    data = clip().read_bytes()
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000  # the image limit does not apply to videos
    assert upload(owner_client, data).status_code == 201
    settings.MEDIA_MAX_VIDEO_UPLOAD_BYTES = len(data) - 1
    response = upload(owner_client, data)
    assert response.status_code == 400
    assert "limit" in str(response.data["file"][0])


def test_too_long_video_is_400(owner_client, clip, settings):
    settings.MEDIA_MAX_VIDEO_SECONDS = 1
    response = upload(owner_client, clip().read_bytes())

    assert response.status_code == 400
    assert "at most 1 seconds" in str(response.data["file"][0])


def test_library_filters_by_kind(owner_client, clip):
    from tests.conftest import make_image

    upload(owner_client, clip().read_bytes())
    upload(owner_client, make_image(), name="photo.jpg")

    videos = owner_client.get("/api/media/?kind=video").data
    assert [row["kind"] for row in videos["results"]] == ["video"]
    image = owner_client.get("/api/media/?kind=image").data["results"][0]
    assert (image["duration"], image["thumbnail_url"], image["codec"]) == (None, None, "")


def test_a_poster_is_not_drawn_from_a_video(owner_client, clip):
    video = upload(owner_client, clip().read_bytes()).data

    response = owner_client.post("/api/textile/poster/", {"asset_id": video["id"], "title": "Silk"}, format="json")

    assert response.status_code == 400
    assert "video" in str(response.data["asset_id"])
