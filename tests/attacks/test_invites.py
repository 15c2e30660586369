"""Invites are bound to the email they name, stored hashed, listable and revocable by managers, and expire."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import Invite, Membership, Role
from backend.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _invite(client, org, email="new@example.com", role="editor"):
    response = client.post(f"/api/organizations/{org.pk}/invites/", {"email": email, "role": role}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_accepting_an_invite_meant_for_another_email_is_403(owner_client, org, make_user, client_for):
    token = _invite(owner_client, org, "asha@example.com")["token"]
    thief = make_user("thief@example.com")
    response = client_for(thief).post(f"/api/invites/{token}/accept/")
    assert response.status_code == 403
    assert response.json()["code"] == "invite_email_mismatch"
    assert not Membership.objects.filter(user=thief, organization=org).exists()
    # the invite is still there for the person it names (email compared case-insensitively)
    asha = make_user("Asha@Example.com")
    assert client_for(asha).post(f"/api/invites/{token}/accept/").status_code == 200
    assert Membership.objects.get(user=asha, organization=org).role == Role.EDITOR


def test_invite_tokens_are_stored_hashed(owner_client, org):
    token = _invite(owner_client, org)["token"]
    invite = Invite.objects.get()
    stored = {f.name: getattr(invite, f.attname) for f in Invite._meta.concrete_fields}
    assert token not in [str(v) for v in stored.values()]
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_an_idempotent_invite_keeps_its_token_encrypted_and_replays_it(owner_client, org):
    body, key = {"email": "new@example.com", "role": "editor"}, "invite-1"
    first = owner_client.post(f"/api/organizations/{org.pk}/invites/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = owner_client.post(f"/api/organizations/{org.pk}/invites/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert first.json()["token"] not in json.dumps(IdempotencyRecord.objects.get(key=key).response_body)
    assert Invite.objects.count() == 1


def test_managers_list_invites_without_tokens(owner_client, org, member, client_for):
    _invite(owner_client, org, "one@example.com")
    _invite(owner_client, org, "two@example.com", role="viewer")
    for role in (Role.OWNER, Role.ADMIN):
        response = client_for(member(org, role)).get(f"/api/organizations/{org.pk}/invites/")
        assert response.status_code == 200
        rows = response.json()["results"]
        assert {row["email"] for row in rows} == {"one@example.com", "two@example.com"}
        assert all("token" not in row for row in rows)
    for role in (Role.EDITOR, Role.VIEWER):
        assert client_for(member(org, role)).get(f"/api/organizations/{org.pk}/invites/").status_code == 403


def test_revoked_invite_cannot_be_accepted(owner_client, org, make_user, client_for):
    created = _invite(owner_client, org, "late@example.com")
    assert owner_client.delete(f"/api/organizations/{org.pk}/invites/{created['id']}/").status_code == 204
    response = client_for(make_user("late@example.com")).post(f"/api/invites/{created['token']}/accept/")
    assert response.status_code == 404
    assert owner_client.get(f"/api/organizations/{org.pk}/invites/").json()["count"] == 0


def test_other_organizations_cannot_list_or_revoke_invites(owner_client, org, other_org, member, client_for):
    created = _invite(owner_client, org)
    stranger = client_for(member(other_org, Role.OWNER))
    assert stranger.get(f"/api/organizations/{org.pk}/invites/").status_code == 404
    assert stranger.delete(f"/api/organizations/{org.pk}/invites/{created['id']}/").status_code == 404
    # an invite id of another organization under one's own organization is a 404 too
    own = member(other_org, Role.OWNER)
    other_org_id = Membership.objects.get(user=own).organization_id
    assert client_for(own).delete(f"/api/organizations/{other_org_id}/invites/{created['id']}/").status_code == 404
    assert Invite.objects.filter(pk=created["id"]).exists()


def test_expired_invite_is_refused_even_for_its_email(owner_client, org, make_user, client_for):
    token = _invite(owner_client, org, "slow@example.com")["token"]
    Invite.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_for(make_user("slow@example.com")).post(f"/api/invites/{token}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "invite_expired"
    assert not Membership.objects.filter(user__email="slow@example.com").exists()


def test_an_invite_is_used_once(owner_client, org, make_user, client_for):
    token = _invite(owner_client, org, "once@example.com")["token"]
    user = make_user("once@example.com")
    assert client_for(user).post(f"/api/invites/{token}/accept/").status_code == 200
    assert client_for(user).post(f"/api/invites/{token}/accept/").status_code == 409
