"""Refresh-token families: reusing a rotated refresh token revokes every token of its family.

djangorestframework-simplejwt (5.5.1) rotates refresh tokens and blacklists the rotated one
(ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION), so a rotated token is refused, but its
successor keeps working: a thief who refreshed first keeps the session. RFC 6819 section 5.2.2.3
asks for more: when a rotated token comes back, revoke the family. simplejwt has no family
notion, so each refresh token carries a `fam` claim (kept through rotation, since rotation copies
the claims) and a revoked family is a row in RevokedTokenFamily.
"""
from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from .models import RevokedTokenFamily

FAMILY_CLAIM = "fam"


class FamilyRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)  # records the OutstandingToken (without the claim yet)
        token[FAMILY_CLAIM] = uuid.uuid4().hex
        OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).update(token=str(token))
        return token


def token_family_revoke(*, family: str, user_id, reason: str) -> None:
    """Revokes a family: no token carrying it is refreshed again."""
    try:
        with transaction.atomic():
            RevokedTokenFamily.objects.create(family=family, user_id=user_id, reason=reason)
    except IntegrityError:
        pass  # already revoked


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    token_class = FamilyRefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An email is at most 254 characters; a longer one made SQLite's LIKE fail (a 500).
        self.fields[self.username_field] = serializers.CharField(max_length=254, write_only=True)


class TokenRefreshSerializer(serializers.Serializer):
    """simplejwt's refresh, plus family revocation on reuse and a 401 (not a 500) for a deleted user."""

    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        raw = attrs["refresh"]
        try:
            refresh = FamilyRefreshToken(raw)
        except TokenError as exc:
            self._revoke_family_if_reused(raw)
            raise InvalidToken(str(exc)) from None
        family = refresh.get(FAMILY_CLAIM)
        if family and RevokedTokenFamily.objects.filter(family=family).exists():
            raise InvalidToken("This session was revoked: a refresh token was used twice. Sign in again.")
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        User = get_user_model()
        user = User.objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first() if user_id else None
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed("No active account found for the given token.", "no_active_account")
        data = {"access": str(refresh.access_token)}
        # Rotation: the presented token is blacklisted, a successor of the same family issued.
        # Two requests racing with one token: only one creates the blacklist row; the other is a reuse.
        _, created = refresh.blacklist()
        if not created:
            if family:
                token_family_revoke(family=family, user_id=user.pk, reason="reuse")
            raise InvalidToken("Token is blacklisted")
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        data["refresh"] = str(refresh)
        return data

    @staticmethod
    def _revoke_family_if_reused(raw: str) -> None:
        """A validly signed, unexpired refresh token that was already rotated: revoke its family."""
        from rest_framework_simplejwt.state import token_backend

        try:
            payload = token_backend.decode(raw, verify=True)  # signature and expiry checked
        except Exception:
            return
        if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
            return
        family = payload.get(FAMILY_CLAIM)
        jti = payload.get(api_settings.JTI_CLAIM)
        if family and jti and BlacklistedToken.objects.filter(token__jti=jti).exists():
            token_family_revoke(family=family, user_id=_existing_user_id(payload), reason="reuse")


def _existing_user_id(payload: dict):
    user_id = payload.get(api_settings.USER_ID_CLAIM)
    User = get_user_model()
    return user_id if user_id and User.objects.filter(pk=user_id).exists() else None

