"""Uploaded images are re-encoded from their pixels: only an image is stored and served.

A JPEG from a phone carries the shop's GPS position and the camera in its EXIF, and /media/ is
public; a JPEG/HTML polyglot kept byte for byte is an HTML page waiting for a sniffing browser.
"""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from backend.assets.models import MediaAsset

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg_with_exif(*, size=(400, 200), orientation=6, icc: bytes | None = None, comment: bytes = b"") -> bytes:
    image = Image.new("RGB", size, (200, 30, 40))
    image.paste((20, 200, 40), (0, 0, size[0] // 2, size[1]))  # left half green, to see the rotation
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[GPS_IFD] = {1: "N", 2: (13.0, 4.0, 55.0), 3: "E", 4: (80.0, 16.0, 12.0)}  # Chennai
    buffer = io.BytesIO()
    kwargs = {"exif": exif, "quality": 95}
    if icc:
        kwargs["icc_profile"] = icc
    if comment:
        kwargs["comment"] = comment
    image.save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def _upload(client, org, data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return client.post("/api/media/", {"organization": org.pk, "file": SimpleUploadedFile(name, data, content_type)}, format="multipart")


def _stored(asset_id: int) -> bytes:
    asset = MediaAsset.objects.get(pk=asset_id)
    with asset.file.open("rb") as handle:
        return handle.read()


def test_exif_gps_and_camera_are_not_stored_and_orientation_is_applied(owner_client, org):
    data = _jpeg_with_exif(orientation=6)  # "rotate 90 degrees clockwise to display"
    assert b"PhoneMaker" in data
    response = _upload(owner_client, org, data)
    assert response.status_code == 201, response.content
    stored = _stored(response.json()["id"])
    for secret in (b"PhoneMaker", b"Phone 15 Pro", b"Exif\x00\x00"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert image.size == (200, 400)  # upright: the rotation is in the pixels now
        assert (response.json()["width"], response.json()["height"]) == (200, 400)
        top = image.convert("RGB").getpixel((100, 20))
        assert top[1] > 150 and top[0] < 100  # the green half is on top after a clockwise turn


def test_colour_profile_is_kept(owner_client, org):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    response = _upload(owner_client, org, _jpeg_with_exif(orientation=1, icc=icc))
    assert response.status_code == 201
    with Image.open(io.BytesIO(_stored(response.json()["id"]))) as image:
        assert image.info.get("icc_profile") == icc


def test_jpeg_html_polyglot_is_not_stored_byte_for_byte(owner_client, org):
    html = b"<html><script>alert(document.cookie)</script></html>"
    polyglot = _jpeg_with_exif(orientation=1, comment=html) + html  # in a COM segment and after EOI
    response = _upload(owner_client, org, polyglot)
    assert response.status_code == 201
    stored = _stored(response.json()["id"])
    assert stored != polyglot
    assert b"<script" not in stored and b"<html" not in stored
    assert MediaAsset.objects.get(pk=response.json()["id"]).size == len(stored)


def test_png_text_chunks_are_dropped(owner_client, org):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Shop owner's home address")
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 255, 128)).save(buffer, "PNG", pnginfo=info)
    response = _upload(owner_client, org, buffer.getvalue(), "p.png", "image/png")
    assert response.status_code == 201
    stored = _stored(response.json()["id"])
    assert b"home address" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.getpixel((1, 1)) == (0, 0, 255, 128)


def test_served_media_is_the_clean_file(owner_client, org, client):
    response = _upload(owner_client, org, _jpeg_with_exif(orientation=1))
    served = b"".join(client.get(response.json()["url"].split("testserver", 1)[-1]).streaming_content)
    assert b"PhoneMaker" not in served
    assert served == _stored(response.json()["id"])


def test_animated_gif_keeps_its_frames_and_transparent_palette_png_its_transparency(owner_client, org):
    frames = [Image.new("RGB", (32, 32), (i * 80, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0, comment=b"<html>")
    response = _upload(owner_client, org, buffer.getvalue(), "a.gif", "image/gif")
    assert response.status_code == 201, response.content
    stored = _stored(response.json()["id"])
    assert b"<html>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "GIF" and image.n_frames == 3

    palette = Image.new("P", (16, 16), 0)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    response = _upload(owner_client, org, buffer.getvalue(), "t.png", "image/png")
    assert response.status_code == 201
    with Image.open(io.BytesIO(_stored(response.json()["id"]))) as image:
        assert image.info.get("transparency") == 0


def test_cmyk_jpeg_is_stored_as_a_jpeg(owner_client, org):
    buffer = io.BytesIO()
    Image.new("CMYK", (40, 40), (0, 100, 100, 0)).save(buffer, "JPEG")
    response = _upload(owner_client, org, buffer.getvalue())
    assert response.status_code == 201
    with Image.open(io.BytesIO(_stored(response.json()["id"]))) as image:
        assert image.format == "JPEG"
