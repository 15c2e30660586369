"""Keeping platform tokens alive: storing new tokens, refreshing them, and publishing with them.

Which accounts can be refreshed is the adapter's word (`refresh_with`): X, TikTok and LinkedIn
spend a refresh token (X and TikTok rotate it: every refresh returns a new one that replaces the
old, so it must be spent exactly once); Instagram extends its 60-day access token itself (once it
is 24 h old); Facebook Page tokens and WhatsApp system-user tokens have no refresh.

When: a token is refreshed when what is left of its life falls below a quarter of its lifetime,
clamped to [SOCIAL_TOKEN_REFRESH_MIN_LEAD_SECONDS, SOCIAL_TOKEN_REFRESH_WINDOW_SECONDS]: a 60-day
token 7 days before it expires, a 2 h token (X, TikTok) 30 minutes before.

One refresher at a time: `account_refresh_token` locks the row (`select_for_update`) and claims it
with a conditional UPDATE on `token_version` (which also holds on SQLite, where row locks do
nothing), talks to the platform outside any transaction, and stores the result only if the version
is still the one it read. A caller that saw version n and finds n+1 uses those tokens instead of
refreshing again.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .accounts import account_can_publish, account_mark_needs_reconnect
from .models import SocialAccount
from .platforms.base import Credentials, ErrorKind, PublishError, TokenSet
from .platforms.registry import all_services, get_service

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A token this close to its expiry counts as expired (clock skew, request time).
EXPIRY_SKEW = timedelta(seconds=60)
# Errors of the token endpoint that say nothing about the grant: try again later.
TEMPORARY_KINDS = (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED, ErrorKind.UNCONFIRMED)


def credentials_for(account: SocialAccount) -> Credentials:
    return Credentials(
        account_id=account.pk,
        handle=account.handle,
        external_id=account.external_id,
        access_token=account.access_token,
        refresh_token=account.refresh_token,
        user_token=account.user_token,
        expires_at=account.expires_at,
        metadata=dict(account.metadata),
        token_version=account.token_version,
    )


def refresh_platforms() -> list[str]:
    return [service.platform for service in all_services() if service.refresh_with]


def can_refresh(account: SocialAccount, *, now: datetime | None = None) -> bool:
    """Does the account's platform refresh tokens, and does the account hold what that needs?"""
    try:
        service = get_service(account.platform)
    except LookupError:
        return False
    if not service.refresh_with or not account_can_publish(account):
        return False
    now = now or timezone.now()
    if service.refresh_with == "refresh_token":
        return bool(account.refresh_token) and not (account.refresh_expires_at and account.refresh_expires_at <= now)
    if service.refresh_with == "access_token":  # extended while still valid, not after
        return bool(account.access_token) and not (account.expires_at and account.expires_at <= now)
    return False


def is_expired(account: SocialAccount, *, now: datetime | None = None) -> bool:
    return account.expires_at is not None and account.expires_at <= (now or timezone.now()) + EXPIRY_SKEW


def refresh_lead(account: SocialAccount) -> timedelta:
    """How long before expiry the account's token is refreshed (see the module docstring)."""
    window = timedelta(seconds=settings.SOCIAL_TOKEN_REFRESH_WINDOW_SECONDS)
    floor = timedelta(seconds=settings.SOCIAL_TOKEN_REFRESH_MIN_LEAD_SECONDS)
    if account.expires_at is None or account.tokens_updated_at is None:
        return window
    lifetime = account.expires_at - account.tokens_updated_at
    return min(max(lifetime / 4, floor), window)


def needs_refresh(account: SocialAccount, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if account.expires_at is None or not can_refresh(account, now=now):
        return False
    service = get_service(account.platform)
    if service.refresh_min_age_seconds and account.tokens_updated_at is not None:
        if now - account.tokens_updated_at < timedelta(seconds=service.refresh_min_age_seconds):
            return False
    return account.expires_at - now <= refresh_lead(account)


def accounts_expiring(*, now: datetime | None = None):
    """Candidates for the periodic refresh (expiring within the widest window); `needs_refresh` decides."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.SOCIAL_TOKEN_REFRESH_WINDOW_SECONDS)
    return (
        SocialAccount.objects.filter(
            status=SocialAccount.Status.ACTIVE,
            platform__in=refresh_platforms(),
            expires_at__isnull=False,
            expires_at__lte=horizon,
        )
        .filter(Q(refresh_claimed_until__isnull=True) | Q(refresh_claimed_until__lt=now))
        .order_by("expires_at", "id")
    )


def token_fields(tokens: TokenSet, *, keep_refresh_token: str = "") -> dict:
    """The SocialAccount columns a TokenSet sets (a platform that sends no new refresh token keeps the old)."""
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token or keep_refresh_token,
        "user_token": tokens.user_token,
        "expires_at": tokens.expires_at,
        "refresh_expires_at": tokens.refresh_expires_at,
        "tokens_updated_at": timezone.now(),
    }


def _claim_seconds() -> float:
    return 3 * float(settings.SOCIAL_HTTP_TIMEOUT_SECONDS) + 30


def account_refresh_token(*, account_id: int, seen_version: int | None = None) -> SocialAccount:
    """Refresh one account's tokens; return the account with tokens that are current.

    `seen_version`: the token version the caller used; if the tokens changed since, they are
    returned without another refresh. Raises PublishError: AUTH when the account must be
    reconnected (it is then marked `needs_reconnect` with the reason), TRANSIENT when the
    refresh may succeed later (another refresher holds the claim, or the platform was unreachable).
    """
    now = timezone.now()
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().get(pk=account_id)
        version = account.token_version
        if seen_version is not None and version != seen_version:
            return account  # refreshed by someone else meanwhile
        if not can_refresh(account, now=now):
            error = PublishError(
                ErrorKind.AUTH,
                f"The {account.platform} token of {account.handle} cannot be refreshed.",
                code="refresh_not_possible",
            )
            _mark_needs_reconnect(account_id=account_id, version=version, error=error)
            raise error
        claimed = (
            SocialAccount.objects.filter(pk=account_id, token_version=version)
            .filter(Q(refresh_claimed_until__isnull=True) | Q(refresh_claimed_until__lt=now))
            .update(refresh_claimed_until=now + timedelta(seconds=_claim_seconds()))
        )
    if not claimed:
        raise PublishError(ErrorKind.TRANSIENT, "Another worker is refreshing this account's token.", code="refresh_in_progress")

    service = get_service(account.platform)
    try:
        tokens = service.refresh_token(credentials=credentials_for(account))
    except PublishError as error:
        if error.kind in TEMPORARY_KINDS:
            SocialAccount.objects.filter(pk=account_id, token_version=version).update(refresh_claimed_until=None)
            raise PublishError(ErrorKind.TRANSIENT, f"Token refresh failed for now: {error.message}", code=error.code or "refresh_failed") from None
        final = PublishError(ErrorKind.AUTH, f"Token refresh was refused: {error.message}", code=error.code or "refresh_refused")
        _mark_needs_reconnect(account_id=account_id, version=version, error=final)
        raise final from None
    except Exception as exc:  # an unreadable answer: not the account's fault, try again later
        logger.exception("Unexpected error refreshing the token of account %s", account_id)
        SocialAccount.objects.filter(pk=account_id, token_version=version).update(refresh_claimed_until=None)
        raise PublishError(ErrorKind.TRANSIENT, f"Token refresh failed ({type(exc).__name__}).", code="refresh_failed") from None

    stored = SocialAccount.objects.filter(pk=account_id, token_version=version).update(
        **token_fields(tokens, keep_refresh_token=account.refresh_token),  # update() encrypts too
        token_version=F("token_version") + 1,
        refresh_claimed_until=None,
        updated_at=timezone.now(),
    )
    if not stored:  # cannot happen while the claim holds; never overwrite newer tokens
        logger.warning("Refreshed tokens of account %s were not stored: a newer version exists", account_id)
    return SocialAccount.objects.get(pk=account_id)


def _mark_needs_reconnect(*, account_id: int, version: int, error: PublishError) -> None:
    account_mark_needs_reconnect(account_id=account_id, token_version=version, reason=f"{error.message} Reconnect the account.")


def accounts_refresh_expiring(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Refresh every account whose token is about to expire (beat runs this periodically)."""
    now = now or timezone.now()
    limit = limit or settings.SOCIAL_TOKEN_REFRESH_BATCH_SIZE
    counts = {"refreshed": 0, "failed": 0, "skipped": 0}
    for account in accounts_expiring(now=now)[: limit * 4]:
        if counts["refreshed"] + counts["failed"] >= limit:
            break
        if not needs_refresh(account, now=now):
            counts["skipped"] += 1
            continue
        try:
            account_refresh_token(account_id=account.pk, seen_version=account.token_version)
        except PublishError as error:
            counts["failed"] += 1
            logger.warning("Token refresh of account %s failed: %s (%s)", account.pk, error.code, error.kind.value)
        else:
            counts["refreshed"] += 1
    return counts


def with_fresh_credentials(*, account: SocialAccount, call: Callable[[Credentials], T]) -> T:
    """Run `call` with the account's credentials, keeping the token alive around it.

    An expired token that can be refreshed is refreshed first. If the platform answers AUTH and
    the token can be refreshed, it is refreshed once and `call` runs once more; an AUTH answer to
    that second call (or a refused refresh) is final: the caller fails the post and the account
    needs reconnecting.
    """
    if is_expired(account) and can_refresh(account):
        account = account_refresh_token(account_id=account.pk, seen_version=account.token_version)
    try:
        return call(credentials_for(account))
    except PublishError as error:
        if error.kind != ErrorKind.AUTH or not can_refresh(account):
            raise
        first = error
    logger.info("Auth error from %s for account %s: refreshing the token once", account.platform, account.pk)
    account = account_refresh_token(account_id=account.pk, seen_version=account.token_version)
    try:
        return call(credentials_for(account))
    except PublishError as error:
        if error.kind == ErrorKind.AUTH:
            raise PublishError(
                ErrorKind.AUTH,
                f"{error.message} (the platform refused the token again after it was refreshed; first: {first.message})",
                code=error.code,
            ) from None
        raise
