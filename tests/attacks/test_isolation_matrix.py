"""Tenant isolation, cell by cell: every operation of the live schema x the four roles of A and B's owner.

The operations come from /api/schema/, so a new endpoint fails `test_every_operation_has_expectations`
until someone writes down who may call it. Each cell runs on a fresh world (see world.py): the status
must be the one expected, never a 5xx, and no 2xx answer to B's owner may contain A's data.
Set POSTLOOM_MATRIX_RECORD=1 to print the observed matrix instead of asserting it.
"""
from __future__ import annotations

import os

import pytest
from django.test import override_settings

from .world import MARKER, USERS, build_world, call, client_as, schema_operations

pytestmark = pytest.mark.django_db

ALL = lambda s: (s, s, s, s, s)  # noqa: E731
HEALTH = frozenset({200, 503})  # 503 until beat has ticked; either way no 500
# Columns: owner, admin, editor, viewer of A, and owner of B acting on A's objects. Where B's owner
# names A's organization or account in a body the answer is the one a missing id gets (400), and a
# path naming A's object is a 404, as if it did not exist (test_existence_oracle.py compares them).
EXPECTED: dict[tuple[str, str], tuple] = {
    ("POST", "/api/auth/logout/"): ALL(205),
    ("GET", "/api/auth/me/"): ALL(200),
    ("POST", "/api/auth/signup/"): ALL(201),
    ("POST", "/api/auth/token/"): ALL(200),
    ("POST", "/api/auth/token/refresh/"): ALL(200),
    ("GET", "/api/health/"): ALL(HEALTH),
    ("POST", "/api/invites/{token}/accept/"): ALL(403),
    ("GET", "/api/media/"): ALL(200),
    ("POST", "/api/media/"): (201, 201, 201, 403, 400),
    ("GET", "/api/media/{id}/"): (200, 200, 200, 200, 404),
    ("GET", "/api/organizations/"): ALL(200),
    ("POST", "/api/organizations/"): ALL(201),
    ("GET", "/api/organizations/{id}/"): (200, 200, 200, 200, 404),
    ("PATCH", "/api/organizations/{id}/"): (200, 200, 403, 403, 404),
    ("GET", "/api/organizations/{id}/invites/"): (200, 200, 403, 403, 404),
    ("POST", "/api/organizations/{id}/invites/"): (201, 201, 403, 403, 404),
    ("DELETE", "/api/organizations/{id}/invites/{invite_id}/"): (204, 204, 403, 403, 404),
    ("GET", "/api/organizations/{id}/members/"): (200, 200, 200, 200, 404),
    ("DELETE", "/api/organizations/{id}/members/{user_id}/"): (204, 204, 403, 403, 404),
    ("PATCH", "/api/organizations/{id}/members/{user_id}/"): (200, 200, 403, 403, 404),
    ("GET", "/api/schedule/"): ALL(200),
    ("POST", "/api/schedule/"): (201, 201, 201, 403, 400),
    ("GET", "/api/schedule/analytics/"): (200, 200, 200, 200, 400),
    ("POST", "/api/schedule/bulk/"): (201, 201, 201, 403, 400),
    ("POST", "/api/schedule/process_ready_posts/"): (200, 200, 403, 403, 200),
    ("GET", "/api/schedule/ready_to_post/"): ALL(200),
    ("DELETE", "/api/schedule/{id}/"): (204, 204, 204, 403, 404),
    ("GET", "/api/schedule/{id}/"): (200, 200, 200, 200, 404),
    ("PATCH", "/api/schedule/{id}/"): (200, 200, 200, 403, 404),
    ("PUT", "/api/schedule/{id}/"): (200, 200, 200, 403, 404),
    ("POST", "/api/schedule/{id}/approve/"): (200, 200, 403, 403, 404),
    ("GET", "/api/schedule/{id}/attempts/"): (200, 200, 200, 200, 404),
    ("POST", "/api/schedule/{id}/cancel/"): (200, 200, 200, 403, 404),
    ("GET", "/api/schedule/{id}/metrics/"): (200, 200, 200, 200, 404),
    ("POST", "/api/schedule/{id}/publish_now/"): (202, 202, 403, 403, 404),
    ("POST", "/api/schedule/{id}/refresh_metrics/"): (202, 202, 202, 403, 404),
    ("POST", "/api/schedule/{id}/retry/"): (200, 200, 403, 403, 404),
    ("POST", "/api/schedule/{id}/submit/"): (200, 200, 200, 403, 404),
    ("GET", "/api/social/accounts/"): ALL(200),
    ("POST", "/api/social/accounts/"): (201, 201, 403, 403, 400),
    ("DELETE", "/api/social/accounts/{id}/"): (204, 204, 403, 403, 404),
    ("GET", "/api/social/accounts/{id}/"): (200, 200, 200, 200, 404),
    ("GET", "/api/social/oauth/{platform}/callback/"): ALL(400),
    ("POST", "/api/social/oauth/{platform}/start/"): (201, 201, 403, 403, 400),
    ("GET", "/api/social/platforms/"): ALL(200),
    ("POST", "/api/social/preflight/"): (200, 200, 200, 200, 404),
    ("GET", "/api/social/sandbox/publications/"): ALL(200),
    # Meta calls these, not users: a wrong verify token or no signature is a 403 whoever asks.
    ("GET", "/api/social/webhooks/whatsapp/"): ALL(403),
    ("POST", "/api/social/webhooks/whatsapp/"): ALL(403),
    ("GET", "/api/social/sandbox/publications/{id}/"): (200, 200, 200, 200, 404),
    ("GET", "/api/social/video_fits/"): ALL(200),
    ("POST", "/api/social/video_fits/"): (202, 202, 202, 403, 400),
    ("GET", "/api/social/video_fits/{id}/"): (200, 200, 200, 200, 404),
    ("POST", "/api/textile/caption/"): (200, 200, 200, 403, 400),
    ("GET", "/api/textile/jobs/{id}/"): (200, 200, 200, 200, 404),
    ("POST", "/api/textile/poster/"): (201, 201, 201, 403, 400),
    ("GET", "/api/usage/"): (200, 200, 200, 200, 400),
    # Planning (api.md "Planning"): owner/admin manage slots and webhooks; editors may create and
    # change series (their occurrences wait for approval) and import posts.
    ("GET", "/api/social/accounts/{id}/slots/"): (200, 200, 200, 200, 404),
    ("PUT", "/api/social/accounts/{id}/slots/"): (200, 200, 403, 403, 404),
    ("GET", "/api/schedule/next_slot/"): (200, 200, 200, 200, 400),
    ("GET", "/api/schedule/best_times/"): (200, 200, 200, 200, 400),
    ("POST", "/api/schedule/import/"): (201, 201, 201, 403, 400),
    ("GET", "/api/series/"): ALL(200),
    ("POST", "/api/series/"): (201, 201, 201, 403, 400),
    ("GET", "/api/series/{id}/"): (200, 200, 200, 200, 404),
    ("PATCH", "/api/series/{id}/"): (200, 200, 200, 403, 404),
    ("DELETE", "/api/series/{id}/"): (204, 204, 204, 403, 404),
    ("GET", "/api/webhooks/"): ALL(200),
    ("POST", "/api/webhooks/"): (201, 201, 403, 403, 400),
    # Any member reads an endpoint (never its secret); its delivery log is for owners and admins.
    ("GET", "/api/webhooks/{id}/"): (200, 200, 200, 200, 404),
    ("PATCH", "/api/webhooks/{id}/"): (200, 200, 403, 403, 404),
    ("DELETE", "/api/webhooks/{id}/"): (204, 204, 403, 403, 404),
    ("GET", "/api/webhooks/{id}/deliveries/"): (200, 200, 403, 403, 404),
    ("POST", "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver/"): (202, 202, 403, 403, 404),
}

RECORD = os.environ.get("POSTLOOM_MATRIX_RECORD", "") == "1"
TWITTER_APP = {"client_id": "matrix-client", "client_secret": "matrix-secret"}


def test_every_operation_has_expectations(anon):
    operations = schema_operations(anon)
    missing = [op for op in operations if op not in EXPECTED]
    stale = [op for op in EXPECTED if op not in operations]
    assert not missing, f"operations without an expected status per role (add them to EXPECTED): {missing}"
    assert not stale, f"expectations for operations the schema no longer has: {stale}"


CELLS = [(op, i, user) for op in EXPECTED for i, user in enumerate(USERS)]


@pytest.mark.parametrize("operation, index, user", CELLS, ids=[f"{m} {p} as {u}" for (m, p), _, u in CELLS])
def test_cell(operation, index, user, settings):
    settings.SOCIAL_PLATFORMS = {**settings.SOCIAL_PLATFORMS, "twitter": {**settings.SOCIAL_PLATFORMS["twitter"], **TWITTER_APP}}
    world = build_world()
    caller = world.users[user]
    method, template = operation
    response = call(client_as(caller), method, template, world, caller)
    expected = EXPECTED[operation][index]
    if RECORD:
        with open(os.environ.get("POSTLOOM_MATRIX_FILE", "/tmp/matrix.txt"), "a") as out:
            out.write(f"{method}\t{template}\t{user}\t{response.status_code}\t{response.content[:150]!r}\n")
        return
    allowed = expected if isinstance(expected, frozenset) else {expected}
    assert response.status_code in allowed, (operation, user, response.status_code, getattr(response, "data", None))
    if user == "owner_b" and 200 <= response.status_code < 300:
        assert MARKER not in response.content.decode("utf-8", "replace"), (operation, "leaks A's data to B")
