import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.assets.models import MediaAsset
from tests.conftest import make_image

pytestmark = pytest.mark.django_db


def test_preflight_reports_problems_and_keeps_a_fixed_rendition(owner_client, org, monkeypatch):
    from backend.social.platforms import requirements

    strict = requirements.Requirements(caption_max=10, media_required=True, image_formats=("JPEG",), aspect_ratio_min=0.8, aspect_ratio_max=1.91, name="Strict")
    from backend.social.platforms.sandbox import SandboxService

    monkeypatch.setattr(SandboxService, "requirements", strict)
    image = make_image(fmt="PNG", size=(400, 1200))
    response = owner_client.post(
        "/api/social/preflight/",
        {"platform": "sandbox", "caption": "A caption far too long", "asset": SimpleUploadedFile("p.png", image)},
        format="multipart",
    )

    assert response.status_code == 200
    assert response.data["ok"] is False
    codes = {problem["code"] for problem in response.data["problems"]}
    assert {"caption_too_long", "unsupported_format", "aspect_ratio_out_of_range"} <= codes
    fixed = response.data["fixed_asset"]
    assert fixed["format"] == "JPEG"
    assert 0.8 <= fixed["width"] / fixed["height"] <= 1.91
    asset = MediaAsset.objects.get(pk=fixed["id"])
    assert asset.organization == org and asset.source == "fitted"
    with Image.open(asset.file.path) as stored:
        assert stored.format == "JPEG"


def test_preflight_ok_post(owner_client):
    response = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "caption": "Hello"}, format="json")
    assert response.data == {"ok": True, "problems": [], "fixed_asset": None}


def test_preflight_bad_input(owner_client):
    assert owner_client.post("/api/social/preflight/", {"platform": "nope"}, format="json").status_code == 400
    assert owner_client.post("/api/social/preflight/", {"platform": "sandbox", "asset_id": 999}, format="json").status_code == 404
    junk = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "asset": SimpleUploadedFile("x.jpg", b"nope")}, format="multipart")
    assert junk.status_code == 200 and junk.data["problems"][0]["code"] == "invalid_image"
