import pytest

from backend.accounts.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def signup(anon, **body):
    payload = {"email": "asha@example.com", "password": "Kanjeevaram#2026", "name": "Asha", "organization_name": "Asha Sarees"}
    return anon.post("/api/auth/signup/", {**payload, **body}, format="json")


def test_signup_creates_user_and_owned_organization(anon):
    response = signup(anon)

    assert response.status_code == 201
    assert response.data["user"]["email"] == "asha@example.com"
    assert response.data["organization"]["name"] == "Asha Sarees"
    user = User.objects.get(email="asha@example.com")
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert "password" not in response.data["user"]


def test_signup_applies_password_validators(anon):
    response = signup(anon, password="12345678")

    assert response.status_code == 400
    assert response.data["password"]
    assert not User.objects.exists()


def test_signup_refuses_duplicate_email_in_any_case(anon):
    signup(anon)
    response = signup(anon, email="ASHA@example.com")

    assert response.status_code == 400
    assert "email" in response.data


@pytest.mark.parametrize("body", [{"email": "not-an-email"}, {"password": ""}, {"email": None}])
def test_signup_rejects_malformed_input(anon, body):
    assert signup(anon, **body).status_code == 400


def test_signup_with_idempotency_key_replays_first_response(anon):
    first = anon.post("/api/auth/signup/", {"email": "r@example.com", "password": "Kanjeevaram#2026"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = anon.post("/api/auth/signup/", {"email": "r@example.com", "password": "Kanjeevaram#2026"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.data == first.data
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(email="r@example.com").count() == 1


def test_token_refresh_rotation_and_logout(anon):
    signup(anon)
    tokens = anon.post("/api/auth/token/", {"email": "Asha@example.com", "password": "Kanjeevaram#2026"}, format="json")
    assert tokens.status_code == 200
    access, refresh = tokens.data["access"], tokens.data["refresh"]

    rotated = anon.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert rotated.status_code == 200
    assert rotated.data["refresh"] != refresh
    # the old refresh token was rotated out
    assert anon.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json").status_code == 401

    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated.data['access']}")
    out = anon.post("/api/auth/logout/", {"refresh": rotated.data["refresh"]}, format="json")
    assert out.status_code == 205
    assert anon.post("/api/auth/token/refresh/", {"refresh": rotated.data["refresh"]}, format="json").status_code == 401
    assert anon.post("/api/auth/logout/", {"refresh": "garbage"}, format="json").status_code == 400
    assert access


def test_wrong_password_is_401(anon):
    signup(anon)
    response = anon.post("/api/auth/token/", {"email": "asha@example.com", "password": "wrong"}, format="json")
    assert response.status_code == 401


def test_me_lists_memberships(anon, client_for):
    signup(anon)
    user = User.objects.get(email="asha@example.com")
    response = client_for(user).get("/api/auth/me/")

    assert response.status_code == 200
    assert response.data["email"] == "asha@example.com"
    assert response.data["memberships"][0]["role"] == "owner"
    assert response.data["memberships"][0]["organization"]["name"] == "Asha Sarees"


def test_everything_but_public_endpoints_needs_a_token(anon):
    for path in ["/api/auth/me/", "/api/organizations/", "/api/schedule/", "/api/media/", "/api/social/accounts/", "/api/social/platforms/"]:
        assert anon.get(path).status_code == 401, path
    assert anon.get("/api/schema/").status_code == 200
