from __future__ import annotations

import re

from rest_framework import serializers

from backend.accounts.fields import MemberOrganizationField
from backend.assets.serializers import MediaAssetOutput

from .models import SandboxComment, SandboxPublication, SocialAccount
from .platforms.registry import platform_choices


class PlatformField(serializers.ChoiceField):
    """One of the registered platforms (the registry is complete once the apps are loaded)."""

    def __init__(self, **kwargs):
        super().__init__(choices=platform_choices(), **kwargs)


class SocialAccountOutput(serializers.ModelSerializer):
    has_refresh_token = serializers.SerializerMethodField()

    class Meta:
        model = SocialAccount
        fields = [
            "id", "organization", "platform", "handle", "external_id", "status", "status_reason",
            "expires_at", "has_refresh_token", "metadata", "created_at", "updated_at", "disconnected_at",
        ]

    def get_has_refresh_token(self, account: SocialAccount) -> bool:
        return bool(account.refresh_token)


class SocialAccountInput(serializers.Serializer):
    organization = MemberOrganizationField()
    platform = PlatformField()
    handle = serializers.CharField(max_length=255)
    access_token = serializers.CharField(write_only=True, required=False, allow_blank=True, default="", max_length=4096)
    refresh_token = serializers.CharField(write_only=True, required=False, allow_blank=True, default="", max_length=4096)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    external_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    metadata = serializers.DictField(required=False, default=dict)

    def validate(self, data):
        if data["platform"] != "sandbox" and not data["access_token"]:
            raise serializers.ValidationError({"access_token": ["An access token is required for this platform."]})
        validate_metadata = METADATA_VALIDATORS.get(data["platform"])
        if validate_metadata is not None:
            data["metadata"], data["external_id"] = validate_metadata(dict(data["metadata"]), data["external_id"])
        return data


E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
NUMBER_SEPARATORS_RE = re.compile(r"[\s().-]")
GRAPH_ID_RE = re.compile(r"^\d{1,32}$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
LINKEDIN_URN_RE = re.compile(r"^urn:li:(person|organization):[A-Za-z0-9_-]{1,64}$")
MAX_RECIPIENTS = 10000


def _whatsapp_metadata(metadata: dict, external_id: str) -> tuple[dict, str]:
    """phone_number_id (required), recipients (E.164, deduplicated), template {name, language, body_text?}."""
    errors: dict = {}
    phone_number_id = str(metadata.get("phone_number_id", "")).strip()
    if not GRAPH_ID_RE.match(phone_number_id):
        errors["phone_number_id"] = ["The WhatsApp phone number id (digits, from WhatsApp Manager > API setup) is required."]
    elif external_id and external_id != phone_number_id:
        errors["phone_number_id"] = ["Must be the same as external_id (or leave external_id empty)."]
    recipients = metadata.get("recipients")
    clean: list[str] = []
    if not isinstance(recipients, list) or not recipients:
        errors["recipients"] = ["A list of opted-in customers' numbers in E.164 form (e.g. +919876543210) is required."]
    elif len(recipients) > MAX_RECIPIENTS:
        errors["recipients"] = [f"At most {MAX_RECIPIENTS} recipients."]
    else:
        bad = []
        for number in recipients:
            normal = NUMBER_SEPARATORS_RE.sub("", number) if isinstance(number, str) else ""
            if E164_RE.match(normal):
                clean.append(normal)
            else:
                bad.append(str(number)[:32])
        if bad:
            errors["recipients"] = [f"Not an E.164 number (+ country code and number): {value!r}." for value in bad[:10]]
    template = metadata.get("template")
    if template is not None:
        if not isinstance(template, dict):
            errors["template"] = ["Must be an object {name, language, body_text?}."]
        else:
            problems = []
            if not TEMPLATE_NAME_RE.match(str(template.get("name", ""))):
                problems.append("name: the approved template's name (lower-case letters, digits, underscores).")
            if not LANGUAGE_RE.match(str(template.get("language", ""))):
                problems.append("language: the template's language code, e.g. en_US or hi.")
            if "body_text" in template and not isinstance(template["body_text"], bool):
                problems.append("body_text: true or false.")
            if problems:
                errors["template"] = problems
            else:
                template = {"name": template["name"], "language": template["language"], "body_text": bool(template.get("body_text", False))}
    if errors:
        raise serializers.ValidationError({"metadata": errors})
    metadata.update(phone_number_id=phone_number_id, recipients=list(dict.fromkeys(clean)))
    if template is not None:
        metadata["template"] = template
    return metadata, phone_number_id


def _linkedin_metadata(metadata: dict, external_id: str) -> tuple[dict, str]:
    """author_urn (urn:li:person:... or urn:li:organization:...) and organization_id (digits) are optional."""
    errors: dict = {}
    if "author_urn" in metadata and not LINKEDIN_URN_RE.match(str(metadata["author_urn"])):
        errors["author_urn"] = ["Must be urn:li:person:{id} or urn:li:organization:{id}."]
    if "organization_id" in metadata:
        organization_id = str(metadata["organization_id"]).strip()
        if not organization_id.isdigit() or len(organization_id) > 32:
            errors["organization_id"] = ["Must be the LinkedIn Page's numeric id."]
        else:
            metadata["organization_id"] = organization_id
    if errors:
        raise serializers.ValidationError({"metadata": errors})
    return metadata, external_id


METADATA_VALIDATORS = {"whatsapp": _whatsapp_metadata, "linkedin": _linkedin_metadata}


class PlatformOutput(serializers.Serializer):
    platform = serializers.CharField()
    name = serializers.CharField()
    caption_max = serializers.IntegerField()
    caption_counting = serializers.CharField()
    hashtag_max = serializers.IntegerField(allow_null=True)
    mention_max = serializers.IntegerField(allow_null=True)
    media_required = serializers.BooleanField()
    media_max = serializers.IntegerField()
    image_formats = serializers.ListField(child=serializers.CharField())
    aspect_ratio_min = serializers.FloatField(allow_null=True)
    aspect_ratio_max = serializers.FloatField(allow_null=True)
    max_image_bytes = serializers.IntegerField(allow_null=True)
    min_width = serializers.IntegerField(allow_null=True)
    max_width = serializers.IntegerField(allow_null=True)
    max_height = serializers.IntegerField(allow_null=True)
    max_pixels = serializers.IntegerField(allow_null=True)
    daily_post_limit = serializers.IntegerField(allow_null=True)


class PreflightInput(serializers.Serializer):
    platform = PlatformField()
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=70000, trim_whitespace=False)
    hashtags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list, max_length=60)
    asset = serializers.FileField(required=False, help_text="An image to check (multipart).")
    asset_id = serializers.IntegerField(required=False, help_text="Or a media asset of your organizations.")
    organization = MemberOrganizationField(required=False, help_text="Where to keep the fixed image of an uploaded file.")

    def validate(self, data):
        if "asset" in data and "asset_id" in data:
            raise serializers.ValidationError({"asset": ["Send either a file or an asset_id, not both."]})
        return data


class ProblemOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField()


class PreflightOutput(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Would the platform accept the post exactly as given?")
    problems = ProblemOutput(many=True)
    fixed_asset = MediaAssetOutput(required=False, allow_null=True, help_text="A rendition of the image that passes the image rules, saved in the media library.")


class SandboxCommentOutput(serializers.ModelSerializer):
    class Meta:
        model = SandboxComment
        fields = ["external_id", "text", "created_at"]


class SandboxPublicationOutput(serializers.ModelSerializer):
    comments = SandboxCommentOutput(many=True, read_only=True, help_text="First comments the sandbox received on this publication")

    class Meta:
        model = SandboxPublication
        fields = ["id", "post", "social_account", "caption", "media", "external_id", "published_at", "comments"]


class OAuthStartInput(serializers.Serializer):
    organization = MemberOrganizationField()
    redirect_uri = serializers.URLField(
        max_length=2000, help_text="Where the platform sends the user back (http or https; registered with the platform's app)."
    )

    def validate_redirect_uri(self, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Enter an http or https URL.")
        return value


class OAuthStartOutput(serializers.Serializer):
    authorization_url = serializers.URLField(help_text="Send the user here to grant access.")
    state = serializers.CharField(help_text="Single use; comes back on the callback. Expires after OAUTH_STATE_TTL_SECONDS.")


class OAuthCallbackInput(serializers.Serializer):
    code = serializers.CharField(max_length=4096, required=False, help_text="The authorization code the platform returned.")
    state = serializers.CharField(max_length=512)
    error = serializers.CharField(max_length=200, required=False, help_text="Set by the platform when the user refused.")
    error_description = serializers.CharField(max_length=1000, required=False)

    def validate(self, data):
        if "error" in data:
            raise serializers.ValidationError(
                {"code": [f"The platform did not grant access: {data.get('error_description') or data['error']}."]}
            )
        if not data.get("code"):
            raise serializers.ValidationError({"code": ["This field is required."]})
        return data


class PostMetricsOutput(serializers.Serializer):
    likes = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    shares = serializers.IntegerField(allow_null=True)
    views = serializers.IntegerField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True)
    fetched_at = serializers.DateTimeField(allow_null=True, help_text="When the platform was read; null before the first reading.")
