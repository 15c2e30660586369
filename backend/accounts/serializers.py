from __future__ import annotations

import zoneinfo

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Invite, Membership, Organization, Role, User
from .permissions import org_roles


def validate_timezone_name(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(f"'{value}' is not an IANA time zone (e.g. Asia/Kolkata).")
    return value


class SignupInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    organization_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrganizationRef(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name"]


class MembershipOfUserOutput(serializers.ModelSerializer):
    organization = OrganizationRef()

    class Meta:
        model = Membership
        fields = ["organization", "role"]


class MeOutput(serializers.ModelSerializer):
    memberships = MembershipOfUserOutput(many=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "date_joined", "memberships"]


class SignupOutput(serializers.Serializer):
    user = UserOutput()
    organization = OrganizationRef()


class LogoutInput(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>` (JWT_ACCESS_MINUTES).")
    refresh = serializers.CharField(help_text="Exchange at /api/auth/token/refresh/; it rotates (the old one is revoked).")


PHONE = {"max_length": 20, "required": False, "allow_blank": True, "regex": r"^\+?[0-9][0-9 ()-]{5,18}$",
         "error_messages": {"invalid": "A phone number: digits, spaces, ( ) and -, optionally starting with +."}}


class OrganizationSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone_name])
    role = serializers.SerializerMethodField()
    phone = serializers.RegexField(**PHONE, help_text="Shown on posters' contact line.")
    whatsapp = serializers.RegexField(**PHONE, help_text="Shown on posters' contact line.")
    address = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                    help_text="Shown on posters' contact line.")

    class Meta:
        model = Organization
        fields = ["id", "name", "timezone", "plan", "phone", "whatsapp", "address", "role", "created_at"]
        read_only_fields = ["id", "plan", "role", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True, help_text="Your role in it."))
    def get_role(self, organization: Organization) -> str | None:
        request = self.context.get("request")
        return org_roles(request.user).get(organization.pk) if request else None


class MemberOutput(serializers.ModelSerializer):
    user = UserOutput()

    class Meta:
        model = Membership
        fields = ["user", "role", "created_at"]


class MemberRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class InviteOutput(serializers.ModelSerializer):
    """A new invite, with its token: shown this once (only a hash is stored)."""

    organization = OrganizationRef()
    token = serializers.CharField(read_only=True, help_text="Send it to the invitee; it cannot be shown again.")

    class Meta:
        model = Invite
        fields = ["id", "organization", "email", "role", "token", "created_at", "expires_at", "accepted_at"]


class InviteListOutput(serializers.ModelSerializer):
    """An invite as managers list it: never its token."""

    expired = serializers.SerializerMethodField()

    class Meta:
        model = Invite
        fields = ["id", "email", "role", "created_at", "expires_at", "accepted_at", "expired"]

    def get_expired(self, invite: Invite) -> bool:
        from django.utils import timezone

        return invite.accepted_at is None and invite.expires_at <= timezone.now()


class AcceptedInviteOutput(serializers.ModelSerializer):
    organization = OrganizationRef()

    class Meta:
        model = Membership
        fields = ["organization", "role"]
