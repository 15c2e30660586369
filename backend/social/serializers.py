from __future__ import annotations

from rest_framework import serializers

from backend.accounts.fields import MemberObjectField, MemberOrganizationField
from backend.assets.models import MediaAsset
from backend.core.serializers import JSONObjectField
from backend.assets.serializers import MediaAssetOutput
from backend.core.datetimes import BoundedDateTimeField
from backend.core.serializer_fields import BoundedListField

from .models import SandboxComment, SandboxPublication, SocialAccount, VideoFitJob
from .platforms.base import MetadataInvalid
from .platforms.registry import get_service, platform_choices
from .text import InvalidHashtag, normalise_hashtags


class PlatformField(serializers.ChoiceField):
    """One of the registered platforms (the registry is complete once the apps are loaded)."""

    def __init__(self, **kwargs):
        super().__init__(choices=platform_choices(), **kwargs)


class HashtagsField(BoundedListField):
    """A post's hashtags, normalised the one way (social.text.normalise_hashtags): '#' added, duplicates dropped."""

    child = serializers.CharField(max_length=100)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        tags = super().to_internal_value(data)
        try:
            return normalise_hashtags(tags)
        except InvalidHashtag as exc:
            raise serializers.ValidationError(str(exc)) from None


class SocialAccountOutput(serializers.ModelSerializer):
    platform = PlatformField(read_only=True)
    metadata = JSONObjectField(read_only=True, help_text="Platform-specific settings (see README, Connecting platforms).")
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
    expires_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    external_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    metadata = JSONObjectField(required=False, default=dict, help_text="Platform-specific settings, e.g. WhatsApp's "
                               "phone_number_id and recipients (see README, Connecting platforms).")

    def validate(self, data):
        service = get_service(data["platform"])
        if service.requires_access_token and not data["access_token"]:
            raise serializers.ValidationError({"access_token": ["An access token is required for this platform."]})
        try:
            data["metadata"], data["external_id"] = service.clean_metadata(metadata=dict(data["metadata"]), external_id=data["external_id"])
        except MetadataInvalid as exc:
            errors = dict(exc.errors)
            top = {"external_id": errors.pop("external_id")} if "external_id" in errors else {}
            raise serializers.ValidationError({**top, **({"metadata": errors} if errors else {})}) from None
        return data


class VideoRequirementsOutput(serializers.Serializer):
    source = serializers.CharField(help_text="The platform's document these limits come from.")
    containers = serializers.ListField(child=serializers.CharField())
    video_codecs = serializers.ListField(child=serializers.CharField(), help_text="FFmpeg codec names (empty: any).")
    audio_codecs = serializers.ListField(child=serializers.CharField(), help_text="FFmpeg codec names (empty: any); silent videos always pass.")
    min_seconds = serializers.FloatField(allow_null=True)
    max_seconds = serializers.FloatField(allow_null=True)
    max_bytes = serializers.IntegerField(allow_null=True)
    aspect_ratio_min = serializers.FloatField(allow_null=True)
    aspect_ratio_max = serializers.FloatField(allow_null=True)
    min_side = serializers.IntegerField(allow_null=True)
    long_side_max = serializers.IntegerField(allow_null=True)
    short_side_max = serializers.IntegerField(allow_null=True)
    max_width = serializers.IntegerField(allow_null=True)
    min_frame_rate = serializers.FloatField(allow_null=True)
    max_frame_rate = serializers.FloatField(allow_null=True)
    max_audio_channels = serializers.IntegerField(allow_null=True)
    max_audio_sample_rate = serializers.IntegerField(allow_null=True)
    fit_aspect_ratio = serializers.FloatField(allow_null=True, help_text="The shape an auto-fit pads or crops to.")
    caption_max = serializers.IntegerField(allow_null=True, help_text="A shorter caption limit for video posts (null: the platform's).")
    fetched_by_platform = serializers.BooleanField(help_text="The platform downloads the video from its public URL (PUBLIC_BASE_URL must be public https).")


class PlatformOutput(serializers.Serializer):
    platform = PlatformField()
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
    video = VideoRequirementsOutput(allow_null=True, help_text="What the platform accepts as a video; null: images only.")


class PreflightInput(serializers.Serializer):
    platform = PlatformField()
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=70000, trim_whitespace=False)
    hashtags = HashtagsField(required=False, default=list)
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
    video_fit = serializers.ChoiceField(
        choices=["", "fit", "fit_with_trim"], required=False,
        help_text='Videos: "fit" when an auto-fit rendition (POST /api/social/video_fits/) removes every video problem, '
        '"fit_with_trim" when it must also cut the video to the platform\'s longest, "" when none can (or none is needed).',
    )


class VideoFitErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class VideoFitInput(serializers.Serializer):
    asset_id = MemberObjectField(model=MediaAsset, help_text="A video of your organizations' media library.")
    platform = PlatformField()
    mode = serializers.ChoiceField(choices=VideoFitJob.Mode.choices, default=VideoFitJob.Mode.PAD,
                                   help_text="When the shape is refused: pad (keep the whole picture) or crop around the centre.")
    trim = serializers.BooleanField(default=False, help_text="May the video be cut to the platform's longest duration?")


class VideoFitOutput(serializers.ModelSerializer):
    asset_id = serializers.PrimaryKeyRelatedField(source="source", read_only=True)
    result = MediaAssetOutput(read_only=True, allow_null=True, help_text="The fitted video, in the media library, once the job succeeded.")
    error = VideoFitErrorOutput(read_only=True, allow_null=True)

    class Meta:
        model = VideoFitJob
        fields = ["id", "organization", "asset_id", "platform", "mode", "trim", "status", "progress", "result", "error",
                  "created_at", "started_at", "finished_at"]


class SandboxMediaOutput(serializers.Serializer):
    url = serializers.CharField()
    kind = serializers.ChoiceField(choices=["image", "video"])
    size = serializers.IntegerField(help_text="Bytes.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration = serializers.FloatField(required=False, help_text="Videos: seconds.")


class SandboxCommentOutput(serializers.ModelSerializer):
    class Meta:
        model = SandboxComment
        fields = ["external_id", "text", "created_at"]


class SandboxPublicationOutput(serializers.ModelSerializer):
    media = serializers.ListField(child=serializers.URLField(), read_only=True, help_text="URLs of the media received.")
    comments = SandboxCommentOutput(many=True, read_only=True, help_text="First comments the sandbox received on this publication")
    media_details = SandboxMediaOutput(many=True, read_only=True, help_text="What was received of each media item.")

    class Meta:
        model = SandboxPublication
        fields = ["id", "post", "social_account", "caption", "media", "media_details", "external_id", "published_at", "comments"]


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
