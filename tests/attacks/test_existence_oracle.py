"""Naming something of another organization answers exactly like naming something that does not exist.

Otherwise ids can be enumerated: `?organization=<B's id>` said 200-and-empty while a missing id said 400.
"""
from __future__ import annotations

import pytest

from backend.accounts.models import Organization, Role
from backend.social.models import SocialAccount

from .world import build_world, client_as

pytestmark = pytest.mark.django_db

MISSING = 10**9


def _same_answer(client, path, param, other_id):
    theirs = client.get(path, {param: other_id})
    missing = client.get(path, {param: MISSING})
    assert theirs.status_code == missing.status_code, (path, param, theirs.status_code, missing.status_code)
    assert theirs.json() == _replace(missing.json(), str(MISSING), str(other_id)), (path, param)
    return theirs


def _replace(value, old, new):
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value.replace(old, new) if isinstance(value, str) else value


@pytest.mark.parametrize("path, param, target", [
    ("/api/schedule/", "organization", "org"),
    ("/api/schedule/", "social_account", "account"),
    ("/api/social/accounts/", "organization", "org"),
    ("/api/media/", "organization", "org"),
    ("/api/social/sandbox/publications/", "organization", "org"),
    ("/api/social/sandbox/publications/", "social_account", "account"),
    ("/api/social/sandbox/publications/", "post", "post"),
    ("/api/usage/", "organization", "org"),
    ("/api/schedule/analytics/", "organization", "org"),
    ("/api/schedule/", "series", "series"),
    ("/api/schedule/next_slot/", "social_account", "account"),
    ("/api/schedule/best_times/", "social_account", "account"),
])
def test_filter_naming_another_organizations_object_answers_like_a_missing_id(path, param, target):
    world = build_world()
    stranger = client_as(world.users["owner_b"])
    other_id = {"org": world.org.pk, "account": world.account.pk, "post": world.posts["scheduled"].pk, "series": world.extra["series"].pk}[target]
    _same_answer(stranger, path, param, other_id)


def test_filters_on_ones_own_organization_still_work(owner_client, org, sandbox):
    for path in ("/api/schedule/", "/api/social/accounts/", "/api/media/", "/api/social/sandbox/publications/"):
        assert owner_client.get(path, {"organization": org.pk}).status_code == 200, path
    assert owner_client.get("/api/social/accounts/", {"organization": org.pk}).json()["count"] == 1
    assert owner_client.get("/api/schedule/", {"social_account": sandbox.pk}).status_code == 200
    assert Organization.objects.count() and SocialAccount.objects.count() and Role.OWNER


@pytest.mark.parametrize("path, body, target", [
    ("/api/schedule/", {"social_account": "{id}", "caption": "x", "scheduled_time": "2099-01-01T00:00:00Z"}, "account"),
    ("/api/schedule/", {"social_account": "{own}", "asset_id": "{id}", "caption": "x", "scheduled_time": "2099-01-01T00:00:00Z"}, "asset"),
    ("/api/social/accounts/", {"organization": "{id}", "platform": "sandbox", "handle": "h"}, "org"),
    ("/api/social/preflight/", {"platform": "sandbox", "caption": "x", "asset_id": "{id}"}, "asset"),
    ("/api/textile/caption/", {"organization": "{id}", "product_name": "Saree", "price": "100"}, "org"),
    ("/api/textile/poster/", {"asset_id": "{id}", "title": "Silk", "price": "2000", "original_price": "2500"}, "asset"),
    ("/api/series/", {"social_account": "{id}", "rrule": "FREQ=DAILY;COUNT=2", "dtstart": "2099-01-01T09:00:00", "timezone": "UTC"}, "account"),
    ("/api/series/", {"social_account": "{own}", "asset_id": "{id}", "rrule": "FREQ=DAILY;COUNT=2", "dtstart": "2099-01-01T09:00:00", "timezone": "UTC"}, "asset"),
    ("/api/webhooks/", {"organization": "{id}", "url": "https://93.184.215.14/hooks", "events": ["post.posted"]}, "org"),
])
def test_body_naming_another_organizations_object_answers_like_a_missing_id(path, body, target):
    from backend.social.models import SocialAccount as Account

    world = build_world()
    own = Account.objects.create(organization=world.org_b, platform="sandbox", handle="@b")
    other_id = {"org": world.org.pk, "account": world.account.pk, "asset": world.asset.pk}[target]
    stranger = client_as(world.users["owner_b"])

    def send(object_id):
        filled = {k: (object_id if v == "{id}" else own.pk if v == "{own}" else v) for k, v in body.items()}
        return stranger.post(path, filled, format="json")

    theirs, missing = send(other_id), send(MISSING)
    assert theirs.status_code == missing.status_code, (path, theirs.status_code, missing.status_code)
    assert theirs.json() == _replace(missing.json(), str(MISSING), str(other_id)), (path, theirs.json(), missing.json())
