"""Encryption at rest for secrets (platform tokens), with key rotation.

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (Fernet keys, newest first). Encrypting always
uses the newest key; decrypting tries each, so a rotated-out key keeps old rows readable until
`manage.py rotate_token_keys` re-encrypts them. With no keys configured (a laptop), a key is
derived from SECRET_KEY so the embedded defaults work; production sets its own keys.
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = base64.urlsafe_b64encode(hashlib.sha256(f"postloom-fields:{secret_key}".encode()).digest())
        keys = (derived.decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be Fernet keys (url-safe base64 of 32 bytes)") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    if value == "":
        return ""
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value:
        return ""
    if not value.startswith(PREFIX):
        raise DecryptionError("stored value is not encrypted")
    try:
        return fernet().decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this value") from None


def rotate(value: str) -> str:
    """Re-encrypt a stored value with the newest key."""
    if not value:
        return value
    return PREFIX + fernet().rotate(value[len(PREFIX):].encode()).decode()
