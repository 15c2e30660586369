from datetime import timedelta

import pytest
from django.db import connection

from backend.accounts.models import Role
from backend.scheduling.models import ScheduledPost
from backend.social.models import SandboxPublication, SocialAccount

pytestmark = pytest.mark.django_db


def test_connect_sandbox_account_tokens_are_write_only_and_encrypted(owner_client, org):
    response = owner_client.post(
        "/api/social/accounts/",
        {"organization": org.id, "platform": "sandbox", "handle": "@shop", "access_token": "tok-SECRET-123"},
        format="json",
    )

    assert response.status_code == 201
    assert "access_token" not in response.data and "refresh_token" not in response.data
    assert "tok-SECRET-123" not in str(owner_client.get(f"/api/social/accounts/{response.data['id']}/").data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM social_socialaccount WHERE id = %s", [response.data["id"]])
        stored = cursor.fetchone()[0]
    assert "tok-SECRET-123" not in stored and stored.startswith("fernet:")
    assert SocialAccount.objects.get().access_token == "tok-SECRET-123"


@pytest.mark.parametrize(
    "change, field",
    [({"platform": "myspace"}, "platform"), ({"organization": 99999}, "organization"), ({"handle": ""}, "handle")],
)
def test_connect_validation(owner_client, org, change, field):
    body = {"organization": org.id, "platform": "sandbox", "handle": "@shop", **change}
    response = owner_client.post("/api/social/accounts/", body, format="json")
    assert response.status_code == 400
    assert field in response.data


def test_editors_cannot_connect_or_disconnect(client_for, member, org, sandbox):
    client = client_for(member(org, Role.EDITOR))
    assert client.post("/api/social/accounts/", {"organization": org.id, "platform": "sandbox", "handle": "x"}, format="json").status_code == 403
    assert client.delete(f"/api/social/accounts/{sandbox.id}/").status_code == 403
    assert client.get("/api/social/accounts/").data["count"] == 1


def test_disconnect_keeps_history_and_cancels_scheduled_posts(owner_client, sandbox, owner):
    from django.utils import timezone

    when = timezone.now() + timedelta(hours=1)
    common = dict(organization=sandbox.organization, social_account=sandbox, platform="sandbox", scheduled_time=when, next_attempt_at=when, created_by=owner)
    scheduled = ScheduledPost.objects.create(status="scheduled", **common)
    posted = ScheduledPost.objects.create(status="posted", **common)

    assert owner_client.delete(f"/api/social/accounts/{sandbox.id}/").status_code == 204
    sandbox.refresh_from_db()
    scheduled.refresh_from_db()
    posted.refresh_from_db()
    assert sandbox.status == "disconnected" and sandbox.access_token == ""
    assert scheduled.status == "cancelled" and "disconnected" in scheduled.error_message
    assert posted.status == "posted"
    assert owner_client.get(f"/api/social/accounts/{sandbox.id}/").status_code == 200


def test_other_organizations_accounts_are_404(owner_client, other_sandbox):
    assert owner_client.get(f"/api/social/accounts/{other_sandbox.id}/").status_code == 404
    assert owner_client.delete(f"/api/social/accounts/{other_sandbox.id}/").status_code == 404


def test_platforms_list_requirements(owner_client):
    response = owner_client.get("/api/social/platforms/")
    assert response.status_code == 200
    sandbox = next(row for row in response.data if row["platform"] == "sandbox")
    assert {"caption_max", "hashtag_max", "media_required", "image_formats", "aspect_ratio_min", "aspect_ratio_max", "max_image_bytes", "daily_post_limit"} <= set(sandbox)


def test_sandbox_publications_are_listed_per_organization(owner_client, sandbox, other_sandbox):
    SandboxPublication.objects.create(social_account=sandbox, caption="mine")
    SandboxPublication.objects.create(social_account=other_sandbox, caption="theirs")
    response = owner_client.get("/api/social/sandbox/publications/")
    assert [row["caption"] for row in response.data["results"]] == ["mine"]
