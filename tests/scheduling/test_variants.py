"""Per-platform variants in one bulk request: account > platform > shared, each through its
platform's preflight, all or nothing."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount
from tests.conftest import future, make_image


@pytest.fixture
def accounts(org, sandbox):
    x = SocialAccount.objects.create(organization=org, platform="twitter", handle="@silks", access_token="t")
    insta = SocialAccount.objects.create(organization=org, platform="instagram", handle="silks", access_token="t", external_id="17841")
    return sandbox, x, insta


@pytest.fixture
def image_id(owner_client):
    return owner_client.post("/api/media/", {"file": SimpleUploadedFile("p.jpg", make_image())}, format="multipart").json()["id"]


LONG = "Festive silk sarees, handwoven in Kanchipuram, now in twelve new colours. " * 5  # 370 characters: too long for X


def test_each_account_gets_its_variant(owner_client, accounts, image_id):
    sandbox, x, insta = accounts
    payload = {
        "social_accounts": [sandbox.pk, x.pk, insta.pk], "caption": LONG, "hashtags": ["silk"], "scheduled_time": future(hours=3),
        "first_comment": "Shop: example.com/silk",
        "variants": {
            "twitter": {"caption": "New Kanchipuram silks, 12 colours", "hashtags": []},
            "instagram": {"asset_id": image_id, "hashtags": ["silk", "saree", "handloom"], "first_comment": "Link in bio"},
            str(sandbox.pk): {"caption": "Sandbox's own words"},
            "sandbox": {"caption": "loses to the account's variant", "hashtags": ["sandboxonly"]},
        },
    }
    response = owner_client.post("/api/schedule/bulk/", payload, format="json")
    assert response.status_code == 201, response.json()
    posts = {post["platform"]: post for post in response.json()["posts"]}
    assert posts["sandbox"]["caption"] == "Sandbox's own words" and posts["sandbox"]["hashtags"] == ["#sandboxonly"]
    assert posts["sandbox"]["first_comment"] == "Shop: example.com/silk"
    assert posts["twitter"]["caption"] == "New Kanchipuram silks, 12 colours" and posts["twitter"]["hashtags"] == []
    assert posts["instagram"]["caption"] == LONG and posts["instagram"]["asset_id"] == image_id
    assert posts["instagram"]["hashtags"] == ["#silk", "#saree", "#handloom"] and posts["instagram"]["first_comment"] == "Link in bio"
    assert len({post["group_id"] for post in posts.values()}) == 1


def test_a_variant_that_fails_its_platforms_preflight_creates_nothing(owner_client, accounts, image_id):
    sandbox, x, insta = accounts
    payload = {
        "social_accounts": [sandbox.pk, x.pk, insta.pk], "caption": LONG, "scheduled_time": future(hours=3),
        "variants": {"instagram": {"asset_id": image_id}},  # no short caption for X
    }
    response = owner_client.post("/api/schedule/bulk/", payload, format="json")
    assert response.status_code == 400
    assert "caption" in response.json()["social_accounts"]["1"]
    # Instagram without its image fails Instagram's preflight (media required).
    payload["variants"] = {"twitter": {"caption": "short"}}
    response = owner_client.post("/api/schedule/bulk/", payload, format="json")
    assert response.status_code == 400 and set(response.json()["social_accounts"]) == {"2"}
    assert ScheduledPost.objects.count() == 0


@pytest.mark.parametrize("variants, key", [
    ({"facebook": {"caption": "x"}}, "facebook"),  # no account on that platform in the request
    ({"myspace": {"caption": "x"}}, "myspace"),
    ({"999999": {"caption": "x"}}, "999999"),
])
def test_variant_keys_must_name_a_listed_account_or_platform(owner_client, accounts, variants, key):
    sandbox, *_ = accounts
    response = owner_client.post("/api/schedule/bulk/", {"social_accounts": [sandbox.pk], "caption": "x", "scheduled_time": future(), "variants": variants}, format="json")
    assert response.status_code == 400 and key in response.json()["variants"]


def test_variant_fields_are_validated(owner_client, accounts, other_org):
    sandbox, *_ = accounts
    response = owner_client.post("/api/schedule/bulk/", {
        "social_accounts": [sandbox.pk], "caption": "x", "scheduled_time": future(),
        "variants": {"sandbox": {"hashtags": ["not a tag!"], "asset_id": 424242}},
    }, format="json")
    assert response.status_code == 400
    assert set(response.json()["variants"]["sandbox"]) == {"hashtags", "asset_id"}
    bad_shape = owner_client.post("/api/schedule/bulk/", {"social_accounts": [sandbox.pk], "caption": "x", "scheduled_time": future(), "variants": ["x"]}, format="json")
    assert bad_shape.status_code == 400
