"""Connecting an account with OAuth 2.0: start (authorization URL + state) and callback (code → account).

The state is random, single use, expires after OAUTH_STATE_TTL_SECONDS, and is bound to the user,
organization, platform and redirect URI that started it; only its SHA-256 is stored. Platforms
with `pkce = True` (X) get an S256 challenge; the verifier is kept encrypted with the state and
sent with the code exchange. The exchange itself (including long-lived token exchanges) is the
adapter's; a platform error there is a 400 `oauth_exchange_failed`, never a 5xx.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import MANAGER_ROLES, Organization, User
from backend.accounts.permissions import require_role
from backend.core.exceptions import DomainError

from .models import OAuthState, SocialAccount
from .platforms.base import PublishError, SocialMediaService, pkce_pair
from .tokens import token_fields

logger = logging.getLogger(__name__)


class OAuthError(DomainError):
    """A 400 `{"detail", "code"}` of the OAuth flow (a domain error, mapped at the edge)."""

    default_detail = "The OAuth connection failed."
    default_code = "oauth_error"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _require_oauth(service: SocialMediaService) -> None:
    if not service.oauth_supported:
        raise OAuthError(
            detail=f"{service.name} accounts are not connected with OAuth.{service.manual_connection_hint} with POST /api/social/accounts/.",
            code="oauth_not_supported",
        )
    config = settings.SOCIAL_PLATFORMS.get(service.platform, {})
    if not config.get("client_id") or not config.get("authorize_url"):
        raise OAuthError(detail=f"{service.name} has no OAuth app configured on this server.", code="platform_not_configured")


def redirect_uri_allowed(redirect_uri: str) -> bool:
    allowed = settings.OAUTH_ALLOWED_REDIRECT_URIS
    return not allowed or redirect_uri in allowed


@transaction.atomic
def oauth_start(*, by: User, organization: Organization, service: SocialMediaService, redirect_uri: str) -> tuple[str, str]:
    """A new single-use state and the platform's authorization URL; returns (authorization_url, state)."""
    require_role(by, organization.pk, MANAGER_ROLES, action="connect social accounts")
    _require_oauth(service)
    if not redirect_uri_allowed(redirect_uri):
        raise OAuthError(detail="This redirect_uri is not allowed (see OAUTH_ALLOWED_REDIRECT_URIS).", code="redirect_uri_not_allowed")
    now = timezone.now()
    OAuthState.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()  # forget stale ones
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair() if service.pkce else ("", None)
    OAuthState.objects.create(
        state_hash=_hash(state),
        user=by,
        organization=organization,
        platform=service.platform,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
        expires_at=now + timedelta(seconds=settings.OAUTH_STATE_TTL_SECONDS),
    )
    url = service.authorization_url(redirect_uri=redirect_uri, state=state, code_challenge=challenge)
    return url, state


def _use_state(*, by: User, service: SocialMediaService, state: str) -> OAuthState:
    """Spend the state (once, whatever happens next) or raise a 400."""
    now = timezone.now()
    with transaction.atomic():
        record = OAuthState.objects.select_for_update().filter(state_hash=_hash(state)).first()
        # Someone else's state, or one for another platform, reads as unknown: reveal nothing.
        if record is None or record.user_id != by.pk or record.platform != service.platform:
            raise OAuthError(detail="Unknown OAuth state: start the connection again.", code="oauth_state_invalid")
        if record.used_at is not None:
            raise OAuthError(detail="This OAuth state was already used: start the connection again.", code="oauth_state_used")
        if record.expires_at <= now:
            raise OAuthError(detail="This OAuth state has expired: start the connection again.", code="oauth_state_expired")
        # The compare-and-swap also holds on SQLite, where the row lock does nothing.
        if not OAuthState.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=now):
            raise OAuthError(detail="This OAuth state was already used: start the connection again.", code="oauth_state_used")
    return record


def oauth_complete(*, by: User, service: SocialMediaService, code: str, state: str) -> SocialAccount:
    """Exchange the code of a callback for tokens and connect (or reconnect) the account."""
    _require_oauth(service)
    record = _use_state(by=by, service=service, state=state)
    require_role(by, record.organization_id, MANAGER_ROLES, action="connect social accounts")
    try:
        tokens = service.exchange_code(code=code, redirect_uri=record.redirect_uri, code_verifier=record.code_verifier or None)
    except PublishError as error:
        raise OAuthError(detail=f"{service.name} refused the connection: {error.message}", code="oauth_exchange_failed") from None
    except Exception as exc:  # an answer the adapter could not read: still the platform's side
        logger.warning("OAuth exchange with %s failed: %s", service.platform, type(exc).__name__)
        raise OAuthError(detail=f"{service.name} gave an unexpected answer to the connection ({type(exc).__name__}).", code="oauth_exchange_failed") from None
    return _account_store(by=by, organization_id=record.organization_id, platform=service.platform, tokens=tokens)


@transaction.atomic
def _account_store(*, by: User, organization_id: int, platform: str, tokens) -> SocialAccount:
    """Create the account, or update the one with the same platform id (new tokens, reactivated)."""
    account = None
    if tokens.external_id:
        account = (
            SocialAccount.objects.select_for_update()
            .filter(organization_id=organization_id, platform=platform, external_id=tokens.external_id)
            .order_by("-id")
            .first()
        )
    fields = {
        **token_fields(tokens),
        "handle": (tokens.handle or tokens.external_id or platform)[:255],
        "status": SocialAccount.Status.ACTIVE,
        "status_reason": "",
        "disconnected_at": None,
        "refresh_claimed_until": None,
        "connected_by": by,
    }
    if account is None:
        return SocialAccount.objects.create(
            organization_id=organization_id, platform=platform, external_id=tokens.external_id,
            metadata=dict(tokens.metadata), **fields,
        )
    for name, value in fields.items():
        setattr(account, name, value)
    account.metadata = {**account.metadata, **tokens.metadata}
    account.token_version += 1
    account.save()
    return account
