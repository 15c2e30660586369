from rest_framework import serializers

from backend.accounts.fields import MemberOrganizationField

from .models import MediaAsset


class MediaAssetOutput(serializers.ModelSerializer):
    url = serializers.URLField(read_only=True, help_text="Where platforms and apps fetch the file (PUBLIC_BASE_URL).")

    class Meta:
        model = MediaAsset
        fields = ["id", "organization", "url", "original_name", "source", "format", "content_type", "width", "height", "size", "created_at"]


class MediaAssetUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="An image (JPEG, PNG, GIF or WebP); the content decides, not the name.")
    organization = MemberOrganizationField(required=False)

    def validate_file(self, upload):
        from django.conf import settings

        if upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {settings.MEDIA_MAX_UPLOAD_BYTES:,} bytes."
            )
        return upload
