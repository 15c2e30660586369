"""OAuth connection through the API against the fake platform server."""
from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from backend.accounts.models import Role
from backend.social.models import OAuthState, SocialAccount

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.postloom.test/oauth/callback"
CLIENT_SECRET = "app-secret-abcdef123456"
OK = {"code": "ok", "message": "", "log_id": "202611200000"}

# Per platform: how the fake server answers the code exchange, and what the account must look like.
# Token values are distinctive so the storage test can look for them in raw columns.
EXCHANGES = {
    "facebook": {
        "replies": [
            ("GET", "/v23.0/oauth/access_token", [{"access_token": "fb-SHORT-user-token-1111", "expires_in": 5183}, {"access_token": "fb-LONG-user-token-2222", "expires_in": 5183944}]),
            ("GET", "/v23.0/me/accounts", [{"data": [{"access_token": "fb-PAGE-token-3333", "name": "Silk House", "id": "111"}]}]),
        ],
        "account": ("111", "Silk House"),
        "secrets": ["fb-SHORT-user-token-1111", "fb-LONG-user-token-2222", "fb-PAGE-token-3333"],
    },
    "instagram": {
        "replies": [
            ("POST", "/oauth/access_token", [{"access_token": "ig-SHORT-token-1111", "user_id": 17841400000000000, "permissions": ["instagram_business_basic"]}]),
            ("GET", "/access_token", [{"access_token": "ig-LONG-token-2222", "token_type": "bearer", "expires_in": 5184000}]),
            ("GET", "/v23.0/me", [{"user_id": "17841400000000000", "username": "silkhouse"}]),
        ],
        "account": ("17841400000000000", "silkhouse"),
        "secrets": ["ig-SHORT-token-1111", "ig-LONG-token-2222"],
    },
    "linkedin": {
        "replies": [
            ("POST", "/oauth/v2/accessToken", [{"access_token": "li-ACCESS-token-1111", "expires_in": 5184000, "refresh_token": "li-REFRESH-token-2222", "refresh_token_expires_in": 31536000, "scope": "openid,profile,w_member_social"}]),
            ("GET", "/v2/userinfo", [{"sub": "782bbtaQ", "name": "Asha Rao"}]),
        ],
        "account": ("782bbtaQ", "Asha Rao"),
        "secrets": ["li-ACCESS-token-1111", "li-REFRESH-token-2222"],
    },
    "twitter": {
        "replies": [
            ("POST", "/2/oauth2/token", [{"token_type": "bearer", "expires_in": 7200, "access_token": "x-ACCESS-token-1111", "refresh_token": "x-REFRESH-token-2222", "scope": "tweet.write offline.access"}]),
            ("GET", "/2/users/me", [{"data": {"id": "2244994945", "name": "Silk House", "username": "silkhouse"}}]),
        ],
        "account": ("2244994945", "silkhouse"),
        "secrets": ["x-ACCESS-token-1111", "x-REFRESH-token-2222"],
    },
    "tiktok": {
        "replies": [
            ("POST", "/v2/oauth/token/", [{"access_token": "act.TT-ACCESS-1111", "expires_in": 86400, "open_id": "afd97af1", "refresh_expires_in": 31536000, "refresh_token": "rft.TT-REFRESH-2222", "scope": "video.publish", "token_type": "Bearer"}]),
            ("GET", "/v2/user/info/", [{"data": {"user": {"open_id": "afd97af1", "display_name": "Silk House"}}, "error": OK}]),
        ],
        "account": ("afd97af1", "Silk House"),
        "secrets": ["act.TT-ACCESS-1111", "rft.TT-REFRESH-2222"],
    },
}


def script(platforms, platform):
    for method, path, replies in EXCHANGES[platform]["replies"]:
        platforms.reply(method, path, *replies)


def start(client, org, platform, redirect_uri=REDIRECT):
    return client.post(f"/api/social/oauth/{platform}/start/", {"organization": org.id, "redirect_uri": redirect_uri}, format="json")


def callback(client, platform, state, code="auth-CODE-secret-777"):
    return client.get(f"/api/social/oauth/{platform}/callback/", {"code": code, "state": state})


@pytest.mark.parametrize("platform", sorted(EXCHANGES))
def test_connect_each_platform_with_oauth(platforms, owner_client, org, owner, platform):
    started = start(owner_client, org, platform)
    assert started.status_code == 201, started.data
    query = parse_qs(urlsplit(started.data["authorization_url"]).query)
    assert started.data["authorization_url"].startswith(platforms.url)
    assert query["state"] == [started.data["state"]] and query["redirect_uri"] == [REDIRECT]
    script(platforms, platform)

    response = callback(owner_client, platform, started.data["state"])

    assert response.status_code == 201, response.data
    external_id, handle = EXCHANGES[platform]["account"]
    assert (response.data["platform"], response.data["external_id"], response.data["handle"]) == (platform, external_id, handle)
    assert response.data["status"] == "active"
    assert "access_token" not in response.data and "refresh_token" not in response.data
    account = SocialAccount.objects.get(pk=response.data["id"])
    assert account.organization == org and account.connected_by == owner
    assert account.access_token in EXCHANGES[platform]["secrets"]
    assert account.tokens_updated_at is not None
    # the code went to the platform's token endpoint with the registered redirect URI
    first = platforms.requests[0]
    sent = first.params() if first.method == "GET" else first.form()
    assert sent.get("code") == "auth-CODE-secret-777" and sent.get("redirect_uri") == REDIRECT
    # the state is single use
    again = callback(owner_client, platform, started.data["state"])
    assert again.status_code == 400 and again.data["code"] == "oauth_state_used"


def test_x_uses_pkce_and_sends_the_verifier_with_the_code(platforms, owner_client, org):
    started = start(owner_client, org, "twitter")
    query = {key: values[0] for key, values in parse_qs(urlsplit(started.data["authorization_url"]).query).items()}
    assert query["code_challenge_method"] == "S256"
    script(platforms, "twitter")

    assert callback(owner_client, "twitter", started.data["state"]).status_code == 201

    token_call = platforms.calls("POST", "/2/oauth2/token")[0]
    verifier = token_call.form()["code_verifier"]
    assert token_call.form() == {
        "code": "auth-CODE-secret-777",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    assert token_call.headers["authorization"] == "Basic " + base64.b64encode(f"app-client-id:{CLIENT_SECRET}".encode()).decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == query["code_challenge"]
    assert 43 <= len(verifier) <= 128


def test_platforms_without_pkce_get_no_challenge(platforms, owner_client, org):
    started = start(owner_client, org, "linkedin")
    assert "code_challenge" not in started.data["authorization_url"]
    assert OAuthState.objects.get().code_verifier == ""


def test_reconnecting_the_same_account_updates_it(platforms, owner_client, org):
    account = SocialAccount.objects.create(
        organization=org, platform="twitter", handle="old", external_id="2244994945", access_token="x-OLD",
        status=SocialAccount.Status.NEEDS_RECONNECT, status_reason="Token refresh was refused.",
    )
    started = start(owner_client, org, "twitter")
    script(platforms, "twitter")

    response = callback(owner_client, "twitter", started.data["state"])

    assert response.status_code == 201 and response.data["id"] == account.pk
    account.refresh_from_db()
    assert (account.status, account.status_reason, account.access_token, account.refresh_token) == ("active", "", "x-ACCESS-token-1111", "x-REFRESH-token-2222")
    assert account.handle == "silkhouse" and account.token_version == 1
    assert SocialAccount.objects.count() == 1


def test_expired_state_is_refused(platforms, owner_client, org):
    started = start(owner_client, org, "linkedin")
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = callback(owner_client, "linkedin", started.data["state"])

    assert response.status_code == 400 and response.data["code"] == "oauth_state_expired"
    assert platforms.requests == []


def test_state_is_bound_to_user_and_platform(platforms, owner_client, client_for, member, org):
    started = start(owner_client, org, "linkedin")
    other_admin = client_for(member(org, Role.ADMIN))

    assert callback(other_admin, "linkedin", started.data["state"]).data["code"] == "oauth_state_invalid"
    assert callback(owner_client, "tiktok", started.data["state"]).data["code"] == "oauth_state_invalid"
    assert callback(owner_client, "linkedin", "made-up-state").data["code"] == "oauth_state_invalid"
    assert platforms.requests == []
    # still usable by its owner on its platform
    script(platforms, "linkedin")
    assert callback(owner_client, "linkedin", started.data["state"]).status_code == 201


def test_platform_error_during_exchange_is_a_clear_400(platforms, owner_client, org):
    started = start(owner_client, org, "linkedin")
    platforms.reply("POST", "/oauth/v2/accessToken", {"error": "invalid_request", "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code.", "message": "Unable to retrieve access token", "status": 400}, status=400)

    response = callback(owner_client, "linkedin", started.data["state"])

    assert response.status_code == 400
    assert response.data["code"] == "oauth_exchange_failed"
    assert "LinkedIn refused the connection" in response.data["detail"]
    assert "auth-CODE-secret-777" not in response.data["detail"] and CLIENT_SECRET not in response.data["detail"]
    assert not SocialAccount.objects.exists()


def test_unreadable_platform_answer_is_a_400_not_a_500(platforms, owner_client, org):
    started = start(owner_client, org, "twitter")
    platforms.reply("POST", "/2/oauth2/token", {"token_type": "bearer"})  # no access_token

    response = callback(owner_client, "twitter", started.data["state"])

    assert response.status_code == 400 and response.data["code"] == "oauth_exchange_failed"


def test_user_refusal_on_the_platform_is_a_400(platforms, owner_client, org):
    started = start(owner_client, org, "linkedin")
    response = owner_client.get("/api/social/oauth/linkedin/callback/", {"state": started.data["state"], "error": "user_cancelled_authorize", "error_description": "The user cancelled"})
    assert response.status_code == 400 and "code" in response.data


def test_whatsapp_and_unknown_platforms(platforms, owner_client, org):
    response = start(owner_client, org, "whatsapp")
    assert response.status_code == 400 and response.data["code"] == "oauth_not_supported"
    assert "connect WhatsApp manually" in response.data["detail"].replace("Connect", "connect")
    assert start(owner_client, org, "myspace").status_code == 404
    assert owner_client.get("/api/social/oauth/myspace/callback/", {"code": "c", "state": "s"}).status_code == 404


def test_only_owners_and_admins_of_the_organization_may_connect(platforms, client_for, member, org, other_org):
    editor = client_for(member(org, Role.EDITOR))
    assert start(editor, org, "linkedin").status_code == 403
    admin = client_for(member(org, Role.ADMIN))
    assert start(admin, org, "linkedin").status_code == 201
    outsider = client_for(member(other_org, Role.OWNER))
    response = start(outsider, org, "linkedin")
    assert response.status_code == 400 and "organization" in response.data
    assert OAuthState.objects.count() == 1


def test_a_demoted_user_cannot_finish_the_connection(platforms, owner_client, org, owner):
    from backend.accounts.models import Membership

    started = start(owner_client, org, "linkedin")
    Membership.objects.filter(user=owner).update(role=Role.EDITOR)
    from backend.accounts.permissions import forget_org_roles

    forget_org_roles(owner)
    response = callback(owner_client, "linkedin", started.data["state"])
    assert response.status_code == 403
    assert platforms.requests == []


@pytest.mark.parametrize("redirect_uri", ["ftp://app.postloom.test/cb", "not a url", "javascript:alert(1)"])
def test_redirect_uri_must_be_http(platforms, owner_client, org, redirect_uri):
    response = start(owner_client, org, "linkedin", redirect_uri=redirect_uri)
    assert response.status_code == 400 and "redirect_uri" in response.data


def test_redirect_uri_allow_list(platforms, owner_client, org, settings):
    settings.OAUTH_ALLOWED_REDIRECT_URIS = [REDIRECT]
    assert start(owner_client, org, "linkedin").status_code == 201
    response = start(owner_client, org, "linkedin", redirect_uri="https://evil.example/cb")
    assert response.status_code == 400 and response.data["code"] == "redirect_uri_not_allowed"


def test_unconfigured_platform_is_a_400(owner_client, org, settings):
    config = {**settings.SOCIAL_PLATFORMS, "linkedin": {**settings.SOCIAL_PLATFORMS["linkedin"], "client_id": ""}}
    settings.SOCIAL_PLATFORMS = config
    response = start(owner_client, org, "linkedin")
    assert response.status_code == 400 and response.data["code"] == "platform_not_configured"


def test_callback_requires_authentication(anon):
    assert anon.get("/api/social/oauth/linkedin/callback/", {"code": "c", "state": "s"}).status_code == 401


def _raw_social_rows() -> str:
    """Every column of every row of the social tables and the OAuth state table, as stored."""
    dump = []
    tables = [t for t in connection.introspection.table_names() if t.startswith("social_")]
    assert "social_oauthstate" in tables and "social_socialaccount" in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_no_plaintext_token_or_verifier_is_stored(platforms, owner_client, org):
    secrets = ["auth-CODE-secret-777"]
    states = []
    for platform in sorted(EXCHANGES):
        started = start(owner_client, org, platform)
        states.append(started.data["state"])
        script(platforms, platform)
        assert callback(owner_client, platform, started.data["state"]).status_code == 201
        secrets += EXCHANGES[platform]["secrets"]
    pending = start(owner_client, org, "twitter")  # a state not used yet, with its verifier
    states.append(pending.data["state"])
    verifiers = [OAuthState.objects.filter(platform="twitter").exclude(code_verifier="").first().code_verifier]
    assert verifiers[0]
    manual = owner_client.post(
        "/api/social/accounts/",
        {"organization": org.id, "platform": "whatsapp", "handle": "Silk House WhatsApp", "access_token": "EAAwa-SYSTEM-USER-token-5555",
         "external_id": "106540352242922", "metadata": {"phone_number_id": "106540352242922", "recipients": ["+919876543210"]}},
        format="json",
    )
    assert manual.status_code == 201, manual.data
    manual_li = owner_client.post(
        "/api/social/accounts/",
        {"organization": org.id, "platform": "linkedin", "handle": "Asha", "access_token": "li-MANUAL-token-6666", "refresh_token": "li-MANUAL-refresh-7777"},
        format="json",
    )
    assert manual_li.status_code == 201, manual_li.data
    secrets += ["EAAwa-SYSTEM-USER-token-5555", "li-MANUAL-token-6666", "li-MANUAL-refresh-7777"]

    raw = _raw_social_rows()

    for secret in secrets + verifiers + states:
        assert secret not in raw, f"{secret[:6]}... is stored in plaintext"
    assert raw.count("fernet:") >= len(EXCHANGES) + 2
