"""A connected account's status: one transition table, one writer, one guard.

    active ◄──► needs_reconnect        (an AUTH answer or a refused refresh / new tokens)
      │   ▲           │
      ▼   └───────────┤                (reconnected with OAuth)
    disconnected ◄────┘

`account_transition` is the only code that writes `SocialAccount.status`; `account_publish_guard`
is the only "may this account publish?" check (one message for every caller).
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from backend.accounts.webhooks import webhook_emit

from backend.core.exceptions import InvalidTransition

from .models import SocialAccount
from .serializers import SocialAccountOutput
from .platforms.base import ErrorKind, PublishError

AccountStatus = SocialAccount.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    AccountStatus.ACTIVE: frozenset({AccountStatus.ACTIVE, AccountStatus.NEEDS_RECONNECT, AccountStatus.DISCONNECTED}),
    AccountStatus.NEEDS_RECONNECT: frozenset({AccountStatus.ACTIVE, AccountStatus.NEEDS_RECONNECT, AccountStatus.DISCONNECTED}),
    AccountStatus.DISCONNECTED: frozenset({AccountStatus.ACTIVE}),
}


def account_transition(
    *, account_id: int, to: str, reason: str = "", token_version: int | None = None, current: str | None = None, **fields
) -> bool:
    """Move the account to `to` (compare-and-swap; `fields` are written with it). Returns whether it moved.

    Only from a status the table allows (`current` narrows it to one, raising InvalidTransition
    if the table forbids that move). `token_version`: only while the account still holds the tokens
    of that version, so a problem with old tokens never marks an account whose tokens were
    replaced meanwhile (reconnected, or refreshed by another worker).
    """
    if current is not None:
        if to not in TRANSITIONS.get(current, frozenset()):
            raise InvalidTransition(current=current, to=to, detail=f"A {current} account cannot become {to}.")
        sources = [current]
    else:
        sources = [status for status, targets in TRANSITIONS.items() if to in targets]
    accounts = SocialAccount.objects.filter(pk=account_id, status__in=sources)
    if token_version is not None:
        accounts = accounts.filter(token_version=token_version)
    with transaction.atomic():
        previous = accounts.values_list("status", flat=True).first()
        moved = accounts.update(status=to, status_reason=reason, updated_at=timezone.now(), **fields) == 1
        if moved and to == AccountStatus.NEEDS_RECONNECT and previous != to:
            account = SocialAccount.objects.get(pk=account_id)
            webhook_emit(organization_id=account.organization_id, event="account.needs_reconnect", data=account_webhook_data(account))
    return moved


def account_webhook_data(account: SocialAccount) -> dict:
    """The account as the API shows it (tokens are never part of it)."""
    return SocialAccountOutput(account).data


def account_mark_needs_reconnect(*, account_id: int, token_version: int | None, reason: str) -> bool:
    """The platform refused the account's tokens of `token_version`: a person must reconnect it."""
    return account_transition(
        account_id=account_id, to=AccountStatus.NEEDS_RECONNECT, reason=reason, token_version=token_version,
        refresh_claimed_until=None,
    )


def account_can_publish(account: SocialAccount) -> bool:
    return account.status == AccountStatus.ACTIVE


def account_cannot_publish_message(account: SocialAccount) -> str:
    return (
        f"The {account.platform} account {account.handle} needs to be reconnected before it can publish "
        f"(it is {account.get_status_display().lower()})."
    )


def account_publish_guard(*, account: SocialAccount) -> None:
    """Raise a PERMANENT PublishError (code `account_<status>`) unless the account may publish."""
    if not account_can_publish(account):
        raise PublishError(ErrorKind.PERMANENT, account_cannot_publish_message(account), code="account_" + account.status)
