"""A connected account's status changes only through `account_transition` and its table."""
import pytest

from backend.core.exceptions import Conflict, InvalidTransition
from backend.social.accounts import TRANSITIONS, account_publish_guard, account_transition
from backend.social.models import SocialAccount
from backend.social.platforms.base import ErrorKind, PublishError

pytestmark = pytest.mark.django_db

A = SocialAccount.Status


def test_a_disconnected_account_cannot_be_marked_for_reconnecting(sandbox):
    assert account_transition(account_id=sandbox.pk, to=A.DISCONNECTED, reason="gone")
    assert not account_transition(account_id=sandbox.pk, to=A.NEEDS_RECONNECT, reason="token refused")
    sandbox.refresh_from_db()
    assert (sandbox.status, sandbox.status_reason) == (A.DISCONNECTED, "gone")


def test_a_move_the_table_forbids_is_a_conflict_usable_outside_http(sandbox):
    assert A.NEEDS_RECONNECT not in TRANSITIONS[A.DISCONNECTED]
    with pytest.raises(InvalidTransition) as caught:
        account_transition(account_id=sandbox.pk, to=A.NEEDS_RECONNECT, current=A.DISCONNECTED)
    assert isinstance(caught.value, Conflict) and caught.value.code == "invalid_transition"


def test_one_guard_one_message(sandbox):
    account_publish_guard(account=sandbox)  # active: allowed
    account_transition(account_id=sandbox.pk, to=A.NEEDS_RECONNECT, reason="token refused")
    sandbox.refresh_from_db()
    with pytest.raises(PublishError) as caught:
        account_publish_guard(account=sandbox)
    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == "account_needs_reconnect"
    assert "needs to be reconnected before it can publish" in caught.value.message
