"""Attacks on sign-in and sessions: throttle bypasses, token reuse, deleted users, readable secrets."""
from __future__ import annotations

import jwt
import pytest
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from backend.accounts.models import RevokedTokenFamily, User
from backend.social.models import SocialAccount

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Passw0rd!"


@pytest.fixture
def rates(monkeypatch):
    """Sets throttle rates for one test (DRF binds them to the throttle class at import)."""

    def set_rates(**rates):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "1000/min", "login_account": "1000/min", "ai_burst": "1000/min", **rates})

    return set_rates


def test_rotating_x_forwarded_for_does_not_bypass_the_login_throttle(anon, rates, make_user):
    rates(auth="5/min")
    statuses = [
        anon.post("/api/auth/token/", {"email": f"nobody{i}@example.com", "password": "wrong"}, format="json",
                  HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(10)
    ]
    assert statuses == [401] * 5 + [429] * 5


def test_rotating_x_forwarded_for_does_not_bypass_the_signup_throttle(anon, rates):
    rates(auth="5/min")
    statuses = [
        anon.post("/api/auth/signup/", {"email": f"new{i}@example.com", "password": "Kanjeevaram#2026"}, format="json",
                  HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(8)
    ]
    assert statuses == [201] * 5 + [429] * 3
    assert User.objects.count() == 5


def test_guessing_one_account_from_many_addresses_is_throttled_per_account(anon, rates, make_user):
    rates(login_account="3/min")
    victim = make_user("victim@example.com")
    statuses = [
        anon.post("/api/auth/token/", {"email": "Victim@Example.com ", "password": f"guess{i}"}, format="json",
                  REMOTE_ADDR=f"192.0.2.{i}").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 3 + [429] * 3
    # another account is not affected
    make_user("bystander@example.com")
    assert anon.post("/api/auth/token/", {"email": "bystander@example.com", "password": PASSWORD}, format="json").status_code == 200
    assert victim.pk


def test_with_one_trusted_proxy_the_client_is_the_address_the_proxy_appended(anon, rates, settings):
    rates(auth="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    def attempt(forwarded):
        return anon.post("/api/auth/token/", {"email": "x@example.com", "password": "x"}, format="json",
                         HTTP_X_FORWARDED_FOR=forwarded).status_code
    # the client spoofs the first entry each time; the proxy appends the real address last
    assert [attempt(f"10.0.0.{i}, 203.0.113.7") for i in range(3)] == [401, 401, 429]
    assert attempt("10.0.0.9, 203.0.113.8") == 401  # another real client


def _login(client, email):
    response = client.post("/api/auth/token/", {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def _refresh(client, token):
    return client.post("/api/auth/token/refresh/", {"refresh": token}, format="json")


def test_reusing_a_rotated_refresh_token_revokes_its_successor(anon, make_user):
    make_user("asha@example.com")
    first = _login(anon, "asha@example.com")["refresh"]
    second = _refresh(anon, first).json()["refresh"]
    # the thief (or the user) presents the rotated token again: refused, and the family is revoked
    assert _refresh(anon, first).status_code == 401
    assert RevokedTokenFamily.objects.count() == 1
    assert _refresh(anon, second).status_code == 401
    # a fresh sign-in starts a new family and works
    third = _login(anon, "asha@example.com")["refresh"]
    assert _refresh(anon, third).status_code == 200


def test_refresh_rotation_keeps_working_without_reuse(anon, make_user):
    make_user("ravi@example.com")
    token = _login(anon, "ravi@example.com")["refresh"]
    for _ in range(3):
        response = _refresh(anon, token)
        assert response.status_code == 200
        token = response.json()["refresh"]
    assert not RevokedTokenFamily.objects.exists()


def test_refresh_token_of_a_deleted_user_is_401(anon, make_user):
    user = make_user("gone@example.com")
    refresh = _login(anon, "gone@example.com")["refresh"]
    user.delete()
    response = _refresh(anon, refresh)
    assert response.status_code == 401
    assert response.json()["code"] in ("no_active_account", "token_not_valid")


def test_refresh_token_of_a_deactivated_user_is_401(anon, make_user):
    user = make_user("off@example.com")
    refresh = _login(anon, "off@example.com")["refresh"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _refresh(anon, refresh).status_code == 401


def test_jwt_signed_with_the_old_public_development_key_is_refused(anon, make_user):
    user = make_user()
    forged = jwt.encode(
        {"token_type": "access", "user_id": str(user.pk), "jti": "x" * 32, "exp": 4102444800, "iat": 1700000000},
        "postloom-insecure-development-key-change-me", algorithm="HS256",
    )
    assert anon.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_admin_pages_show_no_token_values(client, make_user, org, owner):
    admin_user = make_user("root@example.com", is_staff=True, is_superuser=True)
    anon_login = __import__("rest_framework.test", fromlist=["APIClient"]).APIClient()
    refresh = _login(anon_login, owner.email)["refresh"]
    account = SocialAccount.objects.create(
        organization=org, platform="sandbox", handle="@h", access_token="EAAB-secret-access-token", refresh_token="secret-refresh-token",
    )
    client.force_login(admin_user)
    outstanding = OutstandingToken.objects.get(token=refresh)
    pages = [
        "/admin/token_blacklist/outstandingtoken/", f"/admin/token_blacklist/outstandingtoken/{outstanding.pk}/change/",
        "/admin/social/socialaccount/", f"/admin/social/socialaccount/{account.pk}/change/",
        "/admin/accounts/invite/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for secret in (refresh, refresh.split(".")[1], "EAAB-secret-access-token", "secret-refresh-token"):
            assert secret not in html, (page, secret[:12])
