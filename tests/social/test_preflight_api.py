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


def test_preflight_takes_multipart_only(owner_client):
    # One content type per operation: an image may be uploaded, so the body is multipart/form-data.
    response = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "caption": "Hello"}, format="json")
    assert response.status_code == 415 and response.data["code"] == "unsupported_media_type"


def test_preflight_ok_post(owner_client):
    response = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "caption": "Hello"}, format="multipart")
    assert response.data == {"ok": True, "problems": [], "fixed_asset": None}


def test_preflight_bad_input(owner_client):
    assert owner_client.post("/api/social/preflight/", {"platform": "nope"}, format="multipart").status_code == 400
    assert owner_client.post("/api/social/preflight/", {"platform": "sandbox", "asset_id": 999}, format="multipart").status_code == 404
    junk = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "asset": SimpleUploadedFile("x.jpg", b"nope")}, format="multipart")
    assert junk.status_code == 200 and junk.data["problems"][0]["code"] == "invalid_image"


def test_hashtags_without_hash_count_in_preflight_as_they_do_when_scheduling(owner_client, org):
    """Regression: preflight and scheduling normalise hashtags the one way (social.text), so 31
    tags typed without '#' fail Instagram's 30-hashtag rule in preflight too, not only when scheduled."""
    from backend.social.models import SocialAccount

    image = SimpleUploadedFile("p.jpg", make_image(size=(1080, 1080)))
    tags = [f"saree{n}" for n in range(31)]
    checked = owner_client.post(
        "/api/social/preflight/", {"platform": "instagram", "caption": "New silk", "hashtags": tags, "asset": image}, format="multipart"
    )
    assert checked.status_code == 200, checked.data
    assert checked.data["ok"] is False
    assert [p["code"] for p in checked.data["problems"]] == ["too_many_hashtags"]

    thirty = owner_client.post("/api/social/preflight/", {"platform": "instagram", "caption": "New silk", "hashtags": tags[:30]}, format="multipart")
    assert "too_many_hashtags" not in [p["code"] for p in thirty.data["problems"]]

    account = SocialAccount.objects.create(organization=org, platform="instagram", handle="shop", external_id="1784", access_token="t")
    asset = owner_client.post("/api/media/", {"file": SimpleUploadedFile("p.jpg", make_image())}, format="multipart").data
    scheduled = owner_client.post(
        "/api/schedule/",
        {"social_account": account.pk, "caption": "New silk", "hashtags": tags, "asset_id": asset["id"], "scheduled_time": "2999-01-01T10:00:00Z"},
        format="json",
    )
    assert scheduled.status_code == 400
    assert "30 hashtags" in scheduled.data["hashtags"][0]


def test_preflight_refuses_what_is_not_a_hashtag_as_scheduling_does(owner_client):
    response = owner_client.post("/api/social/preflight/", {"platform": "sandbox", "hashtags": ["two words"]}, format="multipart")
    assert response.status_code == 400
    assert "is not a hashtag" in response.data["hashtags"][0]
