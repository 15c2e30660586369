from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import MANAGER_ROLES, Organization, User
from backend.accounts.permissions import require_role

from .accounts import account_transition
from .models import SocialAccount


@transaction.atomic
def social_account_connect(
    *,
    organization: Organization,
    by: User,
    platform: str,
    handle: str,
    access_token: str = "",
    refresh_token: str = "",
    expires_at: datetime | None = None,
    external_id: str = "",
    metadata: dict[str, Any] | None = None,
) -> SocialAccount:
    """Connect an account with tokens the caller already holds (manual connection)."""
    require_role(by, organization.pk, MANAGER_ROLES, action="connect social accounts")
    return SocialAccount.objects.create(
        organization=organization,
        platform=platform,
        handle=handle,
        external_id=external_id,
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=expires_at,
        tokens_updated_at=timezone.now() if access_token else None,
        metadata=metadata or {},
        connected_by=by,
    )


@transaction.atomic
def social_account_disconnect(*, account: SocialAccount, by: User) -> tuple[SocialAccount, bool]:
    """Disconnect: forget the tokens, keep the history. Returns the account and whether it was
    connected until now (the scheduling app then cancels what was still to be published)."""
    require_role(by, account.organization_id, MANAGER_ROLES, action="disconnect social accounts")
    account = SocialAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == SocialAccount.Status.DISCONNECTED:
        return account, False
    account_transition(
        account_id=account.pk, to=SocialAccount.Status.DISCONNECTED, current=account.status,
        reason=f"Disconnected by {by.email}.", access_token="", refresh_token="", user_token="", disconnected_at=timezone.now(),
    )
    account.refresh_from_db()
    return account, True
