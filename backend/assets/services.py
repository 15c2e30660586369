"""The media library: images are accepted by their content, never by their file name."""
from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError
from rest_framework.exceptions import ValidationError

from backend.accounts.models import Organization, User

from .models import MediaAsset

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Characters that change how a name is displayed without being seen: bidi embeddings, overrides and
# isolates (U+202E shows "photo\u202egpj.exe" as "photoexe.jpg"), directional marks, and controls.
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def display_name_clean(name: str) -> str:
    """A file name as clients will show it: no bidi controls, no control characters, at most 255."""
    return name.translate(_INVISIBLE).strip()[:255]


def image_inspect(*, data: bytes, field: str = "file") -> tuple[str, int, int]:
    """Sniff and verify an image: (format, width, height), or a 400 that says what is wrong."""
    if len(data) > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationError({field: [f"The file is {len(data):,} bytes; the limit is {settings.MEDIA_MAX_UPLOAD_BYTES:,} bytes."]})
    if not data:
        raise ValidationError({field: ["The file is empty."]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format, width, height = image.format, image.width, image.height
                if width * height > settings.MEDIA_MAX_PIXELS:
                    raise ValidationError(
                        {field: [f"The image is {width}x{height} pixels; at most {settings.MEDIA_MAX_PIXELS:,} pixels are accepted."]}
                    )
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({field: ["The image has too many pixels to be processed safely."]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({field: ["The file is not a valid image (JPEG, PNG, GIF or WebP)."]}) from None
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError({field: [f"{image_format} images are not accepted; upload JPEG, PNG, GIF or WebP."]})
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
        original_name=display_name_clean(original_name),
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
