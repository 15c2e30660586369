"""Request and response bodies of the AI endpoints (one serializer per direction and endpoint)."""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from backend.accounts.fields import MemberOrganizationField
from backend.accounts.selectors import member_scope
from backend.assets.models import MediaAsset
from backend.social.serializers import PlatformField

from .models import GenerationJob, Operation
from .posters import API_FIELDS, PosterField
from .providers.base import LANGUAGES, MAX_FIELD_CHARS, MAX_VARIANTS, TONES

PRICE = {"max_digits": 10, "decimal_places": 2, "min_value": 0, "required": False, "allow_null": True, "coerce_to_string": False}


def _text(name: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_FIELD_CHARS[name], required=False, allow_blank=True, allow_null=True, **kwargs)


class _OrganizationInput(serializers.Serializer):
    organization = MemberOrganizationField(
        required=False, help_text="The organization to act in; optional when you belong to exactly one."
    )


class CaptionInput(_OrganizationInput):
    product_name = serializers.CharField(max_length=MAX_FIELD_CHARS["product_name"])
    fabric = _text("fabric")
    color = _text("color")
    category = _text("category")
    price = serializers.DecimalField(**PRICE, help_text="In rupees.")
    original_price = serializers.DecimalField(**PRICE, help_text="The price before the offer; needs price.")
    discount_percent = serializers.IntegerField(
        min_value=1, max_value=95, required=False, allow_null=True,
        help_text="With price and original_price it must match them within one point (leave it out to have it computed).",
    )
    offer = _text("offer")
    occasion = _text("occasion")
    language = serializers.ChoiceField(choices=list(LANGUAGES), default="en")
    tone = serializers.ChoiceField(choices=list(TONES), required=False, allow_null=True)
    platform = PlatformField(required=False, allow_null=True,
                             help_text="Captions and hashtags are fitted to this platform's limits.")
    variants = serializers.IntegerField(min_value=1, max_value=MAX_VARIANTS, default=3)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        data.pop("organization", None)
        return data


class TokenUsageOutput(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class CaptionOutput(serializers.Serializer):
    captions = serializers.ListField(child=serializers.CharField())
    hashtags = serializers.ListField(child=serializers.CharField())
    provider = serializers.CharField()
    model = serializers.CharField()
    usage = TokenUsageOutput(help_text="Tokens the provider reported (zero for the offline provider).")


def _poster_field(field: PosterField) -> serializers.Field:
    """The DRF field for one declared poster input (posters/spec.py POSTER_FIELDS)."""
    opts: dict = {"help_text": field.help, "required": field.required}
    if field.default is not None:
        opts["default"] = field.default
        opts.pop("required")
    elif not field.required:
        opts["allow_null"] = True
    if field.kind in ("text", "festival"):
        return serializers.CharField(max_length=field.max_length, allow_blank=not field.required, **opts)
    if field.kind == "int":
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **opts)
    if field.kind == "money":
        return serializers.DecimalField(**{**PRICE, "required": False, "allow_null": True}, help_text=field.help)
    if field.kind == "currency":
        return serializers.RegexField(r"^[A-Za-z]{3}$", **opts)
    if field.kind == "choice":
        return serializers.ChoiceField(choices=list(field.choices), **opts)
    if field.kind == "platform":
        return PlatformField(**opts)
    if field.kind == "bool":
        return serializers.BooleanField(**opts)
    raise AssertionError(field.kind)


class _PosterInputBase(_OrganizationInput):
    product_image = serializers.FileField(
        required=False, help_text="The product photo (JPEG, PNG, GIF or WebP). Or give asset_id."
    )
    asset_id = serializers.PrimaryKeyRelatedField(
        queryset=MediaAsset.objects.none(), required=False, help_text="A media asset of your organization to use as the product photo."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["asset_id"].queryset = member_scope(MediaAsset.objects.all(), user=request.user)

    def validate_product_image(self, upload):
        if upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {settings.MEDIA_MAX_UPLOAD_BYTES:,} bytes."
            )
        return upload

    def validate(self, attrs: dict) -> dict:
        if attrs.get("currency"):
            attrs["currency"] = attrs["currency"].upper()
        if ("product_image" in attrs) == ("asset_id" in attrs):
            raise serializers.ValidationError({"product_image": ["Send either product_image (a file) or asset_id."]})
        asset, organization = attrs.get("asset_id"), attrs.get("organization")
        if asset is not None and organization is not None and asset.organization_id != organization.pk:
            raise serializers.ValidationError({"asset_id": ["This asset belongs to another organization."]})
        if asset is not None and asset.is_video:
            raise serializers.ValidationError({"asset_id": ["This asset is a video: posters are drawn from a photo."]})
        return attrs

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.validated_data.items() if v is not None and v != ""}
        data.pop("organization", None)
        upload = data.pop("product_image", None)
        asset = data.pop("asset_id", None)
        if upload is not None:
            data["product_image"] = upload.read()
            data["product_image_name"] = upload.name or ""
        else:
            data["product_asset"] = asset
        return data


# The poster's own fields come from their one declaration.
PosterInput = type("PosterInput", (_PosterInputBase,), {f.name: _poster_field(f) for f in API_FIELDS})
PosterInput.__doc__ = "A poster request: the photo plus the fields declared in posters/spec.py."


class PosterAssetOutput(serializers.Serializer):
    asset_id = serializers.IntegerField(help_text="Use it as asset_id in POST /api/schedule/.")
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()


class PosterOutput(serializers.Serializer):
    poster = PosterAssetOutput()
    captions = serializers.ListField(child=serializers.CharField())
    hashtags = serializers.ListField(child=serializers.CharField())
    provider = serializers.CharField()
    model = serializers.CharField()
    usage = TokenUsageOutput()


class JobErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    field = serializers.CharField(allow_null=True, default=None, help_text="The input field at fault, if one is.")


class JobOutput(serializers.ModelSerializer):
    result = PosterOutput(allow_null=True, help_text="Present when the job succeeded.")
    error = JobErrorOutput(allow_null=True, help_text="Present when the job failed.")

    class Meta:
        model = GenerationJob
        fields = ["id", "organization", "kind", "status", "result", "error", "created_at", "started_at", "finished_at"]


class UsageInput(serializers.Serializer):
    organization = MemberOrganizationField(required=False)


class QuotaOutput(serializers.Serializer):
    limit = serializers.IntegerField(allow_null=True, help_text="Units per month; null: unlimited.")
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    resets_at = serializers.DateTimeField()


class UsageOutput(serializers.Serializer):
    organization = serializers.IntegerField()
    plan = serializers.CharField()
    caption = QuotaOutput()
    poster = QuotaOutput()


class UsageLimitErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["usage_limit_exceeded"])
    operation = serializers.ChoiceField(choices=Operation.choices)
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    resets_at = serializers.DateTimeField()

