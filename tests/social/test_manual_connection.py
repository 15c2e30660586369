"""Manual connection (POST /api/social/accounts/): per-platform metadata is validated."""
from __future__ import annotations

import pytest

from backend.social.models import SocialAccount

pytestmark = pytest.mark.django_db


def connect(client, org, platform, metadata, **extra):
    body = {"organization": org.id, "platform": platform, "handle": "Silk House", "access_token": "EAA-system-user-token", "metadata": metadata, **extra}
    return client.post("/api/social/accounts/", body, format="json")


def test_whatsapp_numbers_are_normalised_and_deduplicated(owner_client, org):
    response = connect(
        owner_client, org, "whatsapp",
        {"phone_number_id": "106540352242922", "recipients": ["+91 98765 43210", "+919876543210", "+1 (415) 555-0100"],
         "template": {"name": "diwali_offer", "language": "en_US", "body_text": True}},
    )

    assert response.status_code == 201, response.data
    account = SocialAccount.objects.get()
    assert account.external_id == "106540352242922"
    assert account.metadata["recipients"] == ["+919876543210", "+14155550100"]
    assert account.metadata["template"] == {"name": "diwali_offer", "language": "en_US", "body_text": True}
    assert "access_token" not in response.data


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"recipients": ["+919876543210"]}, "phone_number_id"),
        ({"phone_number_id": "abc", "recipients": ["+919876543210"]}, "phone_number_id"),
        ({"phone_number_id": "106540352242922"}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": []}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": "+919876543210"}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": ["9876543210"]}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": ["+0123456789"]}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": [12345678]}, "recipients"),
        ({"phone_number_id": "106540352242922", "recipients": ["+919876543210"], "template": {"name": "Diwali Offer!", "language": "en_US"}}, "template"),
        ({"phone_number_id": "106540352242922", "recipients": ["+919876543210"], "template": {"name": "diwali"}}, "template"),
        ({"phone_number_id": "106540352242922", "recipients": ["+919876543210"], "template": "diwali"}, "template"),
    ],
)
def test_whatsapp_metadata_errors_are_clear_400s(owner_client, org, metadata, field):
    response = connect(owner_client, org, "whatsapp", metadata)
    assert response.status_code == 400
    assert field in response.data["metadata"]
    assert not SocialAccount.objects.exists()


def test_whatsapp_external_id_must_match_the_phone_number_id(owner_client, org):
    response = connect(owner_client, org, "whatsapp", {"phone_number_id": "1065", "recipients": ["+919876543210"]}, external_id="999")
    assert response.status_code == 400 and "phone_number_id" in response.data["metadata"]


def test_linkedin_page_author(owner_client, org):
    response = connect(owner_client, org, "linkedin", {"organization_id": 5515715, "author_urn": "urn:li:organization:5515715"}, external_id="782bbtaQ")
    assert response.status_code == 201, response.data
    assert SocialAccount.objects.get().metadata == {"organization_id": "5515715", "author_urn": "urn:li:organization:5515715"}


@pytest.mark.parametrize("metadata", [{"author_urn": "urn:li:group:1"}, {"organization_id": "acme"}, {"author_urn": 5}])
def test_linkedin_metadata_errors(owner_client, org, metadata):
    response = connect(owner_client, org, "linkedin", metadata)
    assert response.status_code == 400 and "metadata" in response.data
