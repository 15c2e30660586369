"""The fakes are witnesses: they refuse what the real platforms refuse (each rule cites its doc
in tests/fakes/platforms.py), whatever a test scripted as the happy answer."""
from __future__ import annotations

from datetime import date

import httpx
import pytest

from tests.fakes.platforms import linkedin_version_active

from .conftest import TOKEN

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_graph_refuses_a_call_without_a_token_and_an_id_that_is_no_object(platforms):
    platforms.reply("GET", "/v23.0/1234567890", {"id": "1234567890"})  # the scripted happy answer

    no_token = httpx.get(f"{platforms.url}/v23.0/1234567890")
    not_an_object = httpx.get(f"{platforms.url}/v23.0/internal-host", headers=BEARER)

    assert no_token.status_code == 400 and no_token.json()["error"]["code"] == 104
    assert not_an_object.status_code == 400 and (not_an_object.json()["error"]["code"], not_an_object.json()["error"]["error_subcode"]) == (100, 33)
    assert httpx.get(f"{platforms.url}/v23.0/1234567890", headers=BEARER).json() == {"id": "1234567890"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"to": "919800000001", "type": "text", "text": {"body": "hi"}}, 100),  # no messaging_product
        ({"messaging_product": "whatsapp", "to": "call me", "type": "text", "text": {"body": "hi"}}, 100),
        ({"messaging_product": "whatsapp", "to": "919800000001", "type": "template", "template": {"name": "offer"}}, 131008),
        ({"messaging_product": "whatsapp", "to": "919800000001", "type": "template", "template": {"name": "offer", "language": {"code": "en"},
          "components": [{"type": "body", "parameters": [{"type": "text", "text": "20% off     today"}]}]}}, 132018),
    ],
)
def test_whatsapp_refuses_malformed_messages_like_meta(platforms, body, code):
    platforms.reply("POST", "/v23.0/106540352242922/messages", {"messages": [{"id": "wamid.x"}]})

    answer = httpx.post(f"{platforms.url}/v23.0/106540352242922/messages", json=body, headers=BEARER)

    assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_linkedin_refuses_missing_and_sunset_versions(platforms):
    platforms.reply("POST", "/rest/posts", {})
    missing = httpx.post(f"{platforms.url}/rest/posts", json={}, headers=BEARER)
    dead = httpx.post(f"{platforms.url}/rest/posts", json={}, headers={**BEARER, "LinkedIn-Version": "202511"})
    incomplete = httpx.post(f"{platforms.url}/rest/posts", json={"author": "urn:li:person:abc"}, headers={**BEARER, "LinkedIn-Version": "202603"})

    assert missing.status_code == 400 and missing.json()["code"] == "VERSION_MISSING"
    assert dead.status_code == 426 and dead.json() == {"status": 426, "code": "NONEXISTENT_VERSION", "message": "Requested version 202511 is not active"}
    assert incomplete.status_code == 422 and "/commentary" in incomplete.json()["message"]


def test_linkedin_versions_follow_the_published_sunsets():
    today = date(2026, 11, 21)
    assert not linkedin_version_active("202510", today) and not linkedin_version_active("202511", today)
    assert linkedin_version_active("202601", today) and linkedin_version_active("202603", today)
    assert linkedin_version_active("202609", today)  # a year's support from September 2026
    assert not linkedin_version_active("202612", today)  # not released yet
    assert not linkedin_version_active("202603", date(2027, 3, 16))


def test_tiktok_refuses_a_privacy_level_the_creator_was_not_offered(platforms):
    platforms.reply("POST", "/v2/post/publish/creator_info/query/", {"data": {"privacy_level_options": ["SELF_ONLY"]}, "error": {"code": "ok"}})
    platforms.reply("POST", "/v2/post/publish/content/init/", {"data": {"publish_id": "p"}, "error": {"code": "ok"}})
    httpx.post(f"{platforms.url}/v2/post/publish/creator_info/query/", json={}, headers=BEARER)

    answer = httpx.post(f"{platforms.url}/v2/post/publish/content/init/", json={"post_info": {"privacy_level": "PUBLIC_TO_EVERYONE"}}, headers=BEARER)

    assert answer.status_code == 400 and answer.json()["error"]["code"] == "privacy_level_option_mismatch"
