"""Media posts to platforms that download the image need a public https PUBLIC_BASE_URL."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.social.models import SocialAccount
from backend.social.preflight import is_public_https
from tests.conftest import future, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_check(settings):
    settings.MEDIA_URL_CHECK = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # the default
    return settings


def _account(org, owner, platform: str) -> SocialAccount:
    metadata = {"phone_number_id": "106540352242922", "recipients": ["+919800000001"]} if platform == "whatsapp" else {}
    return SocialAccount.objects.create(organization=org, platform=platform, handle="shop", external_id="106540352242922",
                                        access_token="t", metadata=metadata, connected_by=owner)


def _asset(owner_client, org) -> int:
    response = owner_client.post("/api/media/", {"file": SimpleUploadedFile("p.jpg", make_image(size=(1080, 1080))), "organization": org.pk}, format="multipart")
    assert response.status_code == 201, response.data
    return response.data["id"]


@pytest.mark.parametrize("platform", ["instagram", "facebook", "tiktok", "whatsapp"])
def test_a_media_post_is_refused_while_the_media_url_is_not_public_https(owner_client, org, owner, media_check, platform):
    account = _account(org, owner, platform)
    asset_id = _asset(owner_client, org)

    response = owner_client.post(
        "/api/schedule/", {"social_account": account.pk, "caption": "Silk sale", "asset_id": asset_id, "scheduled_time": future(hours=1)},
        format="json",
    )

    assert response.status_code == 400
    assert "media_url_not_public" in str(response.data)
    assert "PUBLIC_BASE_URL" in str(response.data)


def test_a_public_https_base_url_or_the_relaxed_setting_lets_it_through(owner_client, org, owner, media_check):
    account = _account(org, owner, "instagram")
    asset_id = _asset(owner_client, org)
    body = {"social_account": account.pk, "caption": "Silk sale", "asset_id": asset_id, "scheduled_time": future(hours=1)}

    media_check.PUBLIC_BASE_URL = "https://api.ashasarees.example.com"
    assert owner_client.post("/api/schedule/", body, format="json").status_code == 201
    media_check.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    media_check.MEDIA_URL_CHECK = False
    assert owner_client.post("/api/schedule/", body, format="json").status_code == 201


def test_text_posts_and_platforms_that_take_uploads_are_not_affected(owner_client, org, owner, media_check):
    facebook = _account(org, owner, "facebook")
    response = owner_client.post("/api/schedule/", {"social_account": facebook.pk, "caption": "Open today", "scheduled_time": future(hours=1)}, format="json")
    assert response.status_code == 201
    linkedin = SocialAccount.objects.create(organization=org, platform="linkedin", handle="s", external_id="yrZCpj2Z12", access_token="t", connected_by=owner)
    response = owner_client.post(
        "/api/schedule/", {"social_account": linkedin.pk, "caption": "New", "asset_id": _asset(owner_client, org), "scheduled_time": future(hours=1)},
        format="json",
    )
    assert response.status_code == 201  # LinkedIn gets the bytes uploaded


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://api.example.com", True),
        ("https://8.8.8.8", True),
        ("http://api.example.com", False),
        ("https://127.0.0.1:8000", False),
        ("https://10.0.0.5", False),
        ("https://192.168.1.10", False),
        ("https://169.254.169.254", False),
        ("https://[::1]", False),
        ("https://localhost", False),
        ("https://shop.local", False),
        ("https://intranet", False),
    ],
)
def test_is_public_https(url, public):
    assert is_public_https(url) is public
