import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.assets.models import MediaAsset
from tests.conftest import make_image

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="photo.jpg", **extra):
    return client.post("/api/media/", {"file": SimpleUploadedFile(name, data), **extra}, format="multipart")


def png_bomb(width=50000, height=50000) -> bytes:
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")


def test_upload_is_sniffed_by_content(owner_client, org):
    response = upload(owner_client, make_image(fmt="PNG", size=(640, 480)), name="looks-like.jpg")

    assert response.status_code == 201
    assert response.data["format"] == "PNG"
    assert (response.data["width"], response.data["height"]) == (640, 480)
    assert response.data["url"].startswith("http")
    assert MediaAsset.objects.get().organization == org


@pytest.mark.parametrize(
    "data",
    [b"this is not an image at all", b"", make_image()[:200], png_bomb()],
    ids=["text", "empty", "truncated", "bomb"],
)
def test_bad_files_are_400(owner_client, data):
    response = upload(owner_client, data)
    assert response.status_code == 400
    assert response.data["file"]
    assert not MediaAsset.objects.exists()


def test_oversized_upload_is_400(owner_client, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    response = upload(owner_client, make_image(size=(300, 300)))
    assert response.status_code == 400
    assert "limit" in str(response.data["file"][0])


def test_library_is_per_organization(owner_client, client_for, member, other_org):
    upload(owner_client, make_image())
    stranger = client_for(member(other_org, Role.OWNER))
    assert stranger.get("/api/media/").data["count"] == 0
    assert owner_client.get("/api/media/").data["count"] == 1
    asset_id = MediaAsset.objects.get().id
    assert stranger.get(f"/api/media/{asset_id}/").status_code == 404


def test_viewer_cannot_upload(client_for, member, org):
    assert upload(client_for(member(org, Role.VIEWER)), make_image()).status_code == 403


def test_missing_file_is_400(owner_client):
    assert owner_client.post("/api/media/", {}, format="multipart").status_code == 400
