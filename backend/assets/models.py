from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def asset_upload_to(instance: "MediaAsset", filename: str) -> str:
    extension = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "MP4": "mp4", "MOV": "mov"}.get(instance.format, "bin")
    return f"org-{instance.organization_id}/{uuid.uuid4().hex}.{extension}"


def thumbnail_upload_to(instance: "MediaAsset", filename: str) -> str:
    return f"org-{instance.organization_id}/thumbnails/{uuid.uuid4().hex}.jpg"


class MediaAsset(models.Model):
    """An image or a video in an organization's media library (uploaded, generated or fitted).

    Videos carry what their probe found (backend/core/videos.py): duration, frame rate, codecs,
    rotation, bitrate, and a poster frame (`thumbnail`); width and height are as displayed.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        POSTER = "poster", "Generated poster"
        FITTED = "fitted", "Fitted for a platform"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="media_assets")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE, db_index=True)
    file = models.FileField(upload_to=asset_upload_to, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    format = models.CharField(max_length=16)
    content_type = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    duration = models.FloatField(null=True, blank=True, help_text="Seconds (videos).")
    frame_rate = models.FloatField(null=True, blank=True, help_text="Frames per second (videos).")
    video_codec = models.CharField(max_length=32, blank=True)
    audio_codec = models.CharField(max_length=32, blank=True, help_text="Empty for a silent video.")
    audio_channels = models.PositiveSmallIntegerField(default=0)
    audio_sample_rate = models.PositiveIntegerField(default=0, help_text="Hz.")
    rotation = models.PositiveSmallIntegerField(default=0, help_text="Degrees clockwise the stored frames are turned when shown.")
    bitrate = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bits per second (videos).")
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}{self.file.url}"

    @property
    def thumbnail_url(self) -> str | None:
        return f"{settings.PUBLIC_BASE_URL}{self.thumbnail.url}" if self.thumbnail else None

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO
