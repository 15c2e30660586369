"""`manage.py rotate_token_keys`: after prepending a new key and running it, the old key can go."""
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from backend.core.crypto import PREFIX

from backend.social.models import OAuthState, SocialAccount

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, pk: int) -> bytes:
    """The Fernet token as stored in the column (after the field's prefix)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0][len(PREFIX):].encode()


def test_rotation_re_encrypts_every_token_with_the_newest_key(org, owner, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    account = SocialAccount.objects.create(organization=org, platform="linkedin", handle="shop", access_token="access-1", refresh_token="refresh-1")
    state = OAuthState.objects.create(
        state_hash="h" * 64, user=owner, organization=org, platform="twitter", redirect_uri="https://shop.example/cb",
        code_verifier="verifier-1", expires_at=timezone.now(),
    )
    assert Fernet(old).decrypt(stored("social_socialaccount", "access_token", account.pk)) == b"access-1"

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_token_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone

    account = SocialAccount.objects.get(pk=account.pk)
    assert (account.access_token, account.refresh_token) == ("access-1", "refresh-1")
    assert OAuthState.objects.get(pk=state.pk).code_verifier == "verifier-1"
    raw = stored("social_socialaccount", "refresh_token", account.pk)
    assert Fernet(new).decrypt(raw) == b"refresh-1"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(raw)
