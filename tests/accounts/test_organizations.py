import pytest

from backend.accounts.models import Invite, Membership, Role, invite_token_new

pytestmark = pytest.mark.django_db


def test_list_only_my_organizations(owner_client, org, other_org):
    response = owner_client.get("/api/organizations/")

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [org.id]
    assert response.data["results"][0]["role"] == "owner"


def test_create_makes_caller_owner(owner_client, owner):
    response = owner_client.post("/api/organizations/", {"name": "Second Shop", "timezone": "Asia/Kolkata"}, format="json")

    assert response.status_code == 201
    assert Membership.objects.get(user=owner, organization_id=response.data["id"]).role == Role.OWNER


def test_other_organization_is_404(owner_client, other_org):
    assert owner_client.get(f"/api/organizations/{other_org.id}/").status_code == 404
    assert owner_client.patch(f"/api/organizations/{other_org.id}/", {"name": "x"}, format="json").status_code == 404
    assert owner_client.get(f"/api/organizations/{other_org.id}/members/").status_code == 404


def test_patch_name_and_timezone_plan_is_read_only(owner_client, org):
    response = owner_client.patch(f"/api/organizations/{org.id}/", {"name": "New", "timezone": "Europe/London", "plan": "pro"}, format="json")

    assert response.status_code == 200
    org.refresh_from_db()
    assert (org.name, org.timezone, org.plan) == ("New", "Europe/London", "free")


def test_invalid_timezone_is_400(owner_client, org):
    response = owner_client.patch(f"/api/organizations/{org.id}/", {"timezone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "timezone" in response.data


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_non_managers_cannot_edit_organization_or_invite(member, client_for, org, role):
    client = client_for(member(org, role))
    assert client.patch(f"/api/organizations/{org.id}/", {"name": "x"}, format="json").status_code == 403
    assert client.post(f"/api/organizations/{org.id}/invites/", {"email": "a@b.co", "role": "viewer"}, format="json").status_code == 403


def test_invite_and_accept(owner_client, org, make_user, client_for):
    response = owner_client.post(f"/api/organizations/{org.id}/invites/", {"email": "new@example.com", "role": "editor"}, format="json")
    assert response.status_code == 201
    token = response.data["token"]

    newcomer = make_user("new@example.com")
    accepted = client_for(newcomer).post(f"/api/invites/{token}/accept/")
    assert accepted.status_code == 200
    assert accepted.data["role"] == "editor"
    assert Membership.objects.get(user=newcomer, organization=org).role == Role.EDITOR
    # single use (and bound to its email: anyone else gets a 403, see tests/attacks/test_invites.py)
    assert client_for(newcomer).post(f"/api/invites/{token}/accept/").status_code == 409
    assert client_for(newcomer).post("/api/invites/nope/accept/").status_code == 404


def test_admin_cannot_invite_owner(member, client_for, org):
    client = client_for(member(org, Role.ADMIN))
    assert client.post(f"/api/organizations/{org.id}/invites/", {"email": "a@b.co", "role": "owner"}, format="json").status_code == 403
    assert client.post(f"/api/organizations/{org.id}/invites/", {"email": "a@b.co", "role": "admin"}, format="json").status_code == 201


def test_members_list(owner_client, org, member):
    member(org, Role.VIEWER)
    response = owner_client.get(f"/api/organizations/{org.id}/members/")

    assert response.status_code == 200
    assert sorted(row["role"] for row in response.data["results"]) == ["owner", "viewer"]
    assert set(response.data["results"][0]["user"]) == {"id", "email", "name"}


def test_member_role_rules(org, owner, member, client_for):
    admin = member(org, Role.ADMIN)
    editor = member(org, Role.EDITOR)
    admin_client = client_for(admin)

    assert admin_client.patch(f"/api/organizations/{org.id}/members/{editor.id}/", {"role": "viewer"}, format="json").status_code == 200
    # an admin cannot touch an owner, nor make an owner
    assert admin_client.patch(f"/api/organizations/{org.id}/members/{owner.id}/", {"role": "viewer"}, format="json").status_code == 403
    assert admin_client.delete(f"/api/organizations/{org.id}/members/{owner.id}/").status_code == 403
    assert admin_client.patch(f"/api/organizations/{org.id}/members/{editor.id}/", {"role": "owner"}, format="json").status_code == 403
    # viewers cannot manage members
    assert client_for(editor).delete(f"/api/organizations/{org.id}/members/{admin.id}/").status_code == 403
    # unknown member
    assert admin_client.patch(f"/api/organizations/{org.id}/members/999999/", {"role": "viewer"}, format="json").status_code == 404
    assert admin_client.patch(f"/api/organizations/{org.id}/members/{editor.id}/", {"role": "king"}, format="json").status_code == 400


def test_last_owner_cannot_leave_or_be_demoted(org, owner, owner_client, member):
    assert owner_client.patch(f"/api/organizations/{org.id}/members/{owner.id}/", {"role": "admin"}, format="json").status_code == 409
    assert owner_client.delete(f"/api/organizations/{org.id}/members/{owner.id}/").status_code == 409
    second = member(org, Role.ADMIN)
    assert owner_client.patch(f"/api/organizations/{org.id}/members/{second.id}/", {"role": "owner"}, format="json").status_code == 200
    assert owner_client.delete(f"/api/organizations/{org.id}/members/{owner.id}/").status_code == 204
    assert not Membership.objects.filter(user=owner, organization=org).exists()


def test_any_member_can_leave(org, member, client_for):
    viewer = member(org, Role.VIEWER)
    assert client_for(viewer).delete(f"/api/organizations/{org.id}/members/{viewer.id}/").status_code == 204


def test_expired_invite(owner_client, org, make_user, client_for):
    from datetime import timedelta

    from django.utils import timezone

    token, token_hash = invite_token_new()
    Invite.objects.create(organization=org, email="x@example.com", role=Role.VIEWER, token_hash=token_hash,
                          expires_at=timezone.now() - timedelta(days=1))
    response = client_for(make_user("x@example.com")).post(f"/api/invites/{token}/accept/")
    assert response.status_code == 409
    assert response.data["code"] == "invite_expired"
