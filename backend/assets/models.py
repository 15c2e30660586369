from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def asset_upload_to(instance: "MediaAsset", filename: str) -> str:
    extension = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}.get(instance.format, "bin")
    return f"org-{instance.organization_id}/{uuid.uuid4().hex}.{extension}"


class MediaAsset(models.Model):
    """An image in an organization's media library (uploaded, or a generated poster)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        POSTER = "poster", "Generated poster"
        FITTED = "fitted", "Fitted for a platform"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="media_assets")
    file = models.FileField(upload_to=asset_upload_to, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    format = models.CharField(max_length=16)
    content_type = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
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
