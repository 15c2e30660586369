"""A manually connected account's ids are checked against the platform's formats before they
are stored (they end up in request URLs: the issue's SSRF reproduction used `external_id`)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/social/accounts/"


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
@pytest.mark.parametrize("external_id", ["http://127.0.0.1:6379/x", "../../me/accounts", "123@evil.test", "123#x", "12 34", ""])
def test_graph_accounts_need_a_numeric_id(owner_client, org, platform, external_id):
    answer = owner_client.post(URL, {"organization": org.pk, "platform": platform, "handle": "shop", "access_token": "EAAG-token", "external_id": external_id}, format="json")

    assert answer.status_code == 400
    assert "external_id" in answer.json()


def test_a_numeric_page_id_is_accepted(owner_client, org):
    answer = owner_client.post(URL, {"organization": org.pk, "platform": "facebook", "handle": "shop", "access_token": "EAAG-token", "external_id": " 104350000000001 "}, format="json")

    assert answer.status_code == 201 and answer.json()["external_id"] == "104350000000001"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"external_id": "http://10.0.0.1/"}, "external_id"),
        ({"metadata": {"author_urn": "urn:li:organization:12/../../admin"}}, "metadata"),
        ({"metadata": {"author_urn": "urn:li:organization:acme"}}, "metadata"),  # Page ids are digits
        ({"metadata": {"organization_id": "1?x=2"}}, "metadata"),
    ],
)
def test_linkedin_ids_are_checked(owner_client, org, fields, key):
    body = {"organization": org.pk, "platform": "linkedin", "handle": "Asha", "access_token": "AQV-token", **fields}
    answer = owner_client.post(URL, body, format="json")

    assert answer.status_code == 400 and key in answer.json()


def test_whatsapp_phone_number_id_is_checked(owner_client, org):
    body = {"organization": org.pk, "platform": "whatsapp", "handle": "Asha", "access_token": "EAAG-system-user",
            "metadata": {"phone_number_id": "http://127.0.0.1/", "recipients": ["+919800000001"]}}
    answer = owner_client.post(URL, body, format="json")

    assert answer.status_code == 400 and "phone_number_id" in answer.json()["metadata"]
