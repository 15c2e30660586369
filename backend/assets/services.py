"""The media library: images are accepted by their content, never by their file name."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile

from backend.accounts.models import Organization, User
from backend.core.exceptions import ValidationFailed
from backend.core.images import TOO_MANY_PIXELS, ImageRejected, image_decode

from .models import MediaAsset

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def image_inspect(*, data: bytes, field: str = "file") -> tuple[str, int, int]:
    """Sniff, check and decode an image: (format, width, height), or ValidationFailed (a 400) saying what is wrong."""
    if len(data) > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationFailed({field: [f"The file is {len(data):,} bytes; the limit is {settings.MEDIA_MAX_UPLOAD_BYTES:,} bytes."]})
    if not data:
        raise ValidationFailed({field: ["The file is empty."]})
    try:
        decoded = image_decode(data, draft_size=(1, 1))  # a JPEG decodes at 1/8 scale: every byte read, little memory
    except ImageRejected as exc:
        if exc.code == TOO_MANY_PIXELS and exc.size is not None:
            width, height = exc.size
            message = f"The image is {width}x{height} pixels; at most {exc.limit:,} pixels are accepted."
        elif exc.code == TOO_MANY_PIXELS:
            message = "The image has too many pixels to be processed safely."
        else:
            message = "The file is not a valid image (JPEG, PNG, GIF or WebP)."
        raise ValidationFailed({field: [message]}) from None
    decoded.image.close()
    image_format, width, height = decoded.format, decoded.width, decoded.height
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationFailed({field: [f"{image_format} images are not accepted; upload JPEG, PNG, GIF or WebP."]})
    return image_format, width, height


def media_asset_create(
    *,
    organization: Organization,
    data: bytes,
    uploaded_by: User | None,
    original_name: str = "",
    source: str = MediaAsset.Source.UPLOAD,
) -> MediaAsset:
    image_format, width, height = image_inspect(data=data)
    asset = MediaAsset(
        organization=organization,
        original_name=original_name[:255],
        source=source,
        format=image_format,
        content_type=ACCEPTED_FORMATS[image_format],
        width=width,
        height=height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )
    asset.file.save("upload", ContentFile(data), save=False)
    asset.save()
    return asset
