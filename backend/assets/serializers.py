from rest_framework import serializers

from backend.accounts.fields import MemberOrganizationField

from .models import MediaAsset
from .services import upload_size_problem


class MediaAssetOutput(serializers.ModelSerializer):
    url = serializers.URLField(read_only=True, help_text="Where platforms and apps fetch the file (PUBLIC_BASE_URL).")
    thumbnail_url = serializers.CharField(read_only=True, allow_null=True, help_text="Videos: the poster frame (JPEG); null for images.")
    codec = serializers.CharField(source="video_codec", read_only=True, help_text="Videos: the video codec (h264, hevc, ...); empty for images.")
    duration = serializers.FloatField(read_only=True, allow_null=True, help_text="Videos: seconds; null for images.")
    frame_rate = serializers.FloatField(read_only=True, allow_null=True, help_text="Videos: frames per second; null for images.")
    bitrate = serializers.IntegerField(read_only=True, allow_null=True, help_text="Videos: bits per second; null for images.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")

    class Meta:
        model = MediaAsset
        fields = [
            "id", "organization", "kind", "url", "thumbnail_url", "original_name", "source", "format", "content_type",
            "width", "height", "size", "duration", "frame_rate", "codec", "audio_codec", "rotation", "bitrate", "created_at",
        ]


class MediaAssetUploadInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="An image (JPEG, PNG, GIF or WebP) or a video (MP4 or MOV); the content decides, not the name."
    )
    organization = MemberOrganizationField(required=False)

    def validate_file(self, upload):
        problem = upload_size_problem(upload)
        if problem:
            raise serializers.ValidationError(problem)
        return upload
