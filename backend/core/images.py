"""Opening untrusted image bytes: the one decode-and-verify function, with the one bomb policy.

Policy: an image is opened header-first and refused, before any pixel is decoded, when it
declares more than settings.MEDIA_MAX_PIXELS pixels or no pixels at all; Pillow's own
decompression-bomb guard stays on as a backstop (its error is the same refusal; its warning is
not needed, our lower limit has already been applied). Then every byte is decoded, so a truncated
or damaged file is refused too. Uploads (assets), preflight (social.imaging) and posters
(ai_services.posters.images) all open images here and word the refusal for their callers.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

INVALID_IMAGE = "invalid_image"
DAMAGED_IMAGE = "damaged_image"
TOO_MANY_PIXELS = "too_many_pixels"


class ImageRejected(ValueError):
    """The bytes cannot be used as an image: `code` is INVALID_IMAGE, DAMAGED_IMAGE or
    TOO_MANY_PIXELS; `size` is the declared (width, height) when it was read."""

    def __init__(self, code: str, *, size: tuple[int, int] | None = None, limit: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.size = size
        self.limit = limit


@dataclass
class DecodedImage:
    """A fully decoded image. `format`, `width` and `height` are as the file declares them (the
    pixels may be a reduced JPEG draft, see `image_decode`)."""

    image: Image.Image
    format: str
    width: int
    height: int


def max_pixels() -> int:
    return settings.MEDIA_MAX_PIXELS


def image_open(data: bytes, *, formats: Iterable[str] | None = None) -> Image.Image:
    """Open `data` header-first under the bomb policy (no pixel decoded yet); raise ImageRejected.

    `formats`: the Pillow formats to try (None: any). The caller closes the image (or decodes it
    with `image_load`).
    """
    limit = max_pixels()
    Image.init()  # register every plugin, so `formats` can name WebP, TIFF and BMP
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)), formats=tuple(formats) if formats is not None else None)
    except Image.DecompressionBombError:
        raise ImageRejected(TOO_MANY_PIXELS, limit=limit) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, TypeError):
        raise ImageRejected(INVALID_IMAGE, limit=limit) from None
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise ImageRejected(INVALID_IMAGE, limit=limit)
    if width * height > limit:
        image.close()
        raise ImageRejected(TOO_MANY_PIXELS, size=(width, height), limit=limit)
    return image


def image_load(image: Image.Image) -> None:
    """Decode every byte of an image from `image_open` (after an optional `draft`); raise ImageRejected."""
    size = image.size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError:
        image.close()
        raise ImageRejected(TOO_MANY_PIXELS, size=size, limit=max_pixels()) from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError):
        image.close()
        raise ImageRejected(DAMAGED_IMAGE, size=size, limit=max_pixels()) from None


def image_decode(data: bytes, *, formats: Iterable[str] | None = None, draft_size: tuple[int, int] | None = None) -> DecodedImage:
    """Open, check and fully decode `data`; raise ImageRejected.

    `draft_size`: let a JPEG decode at the smallest scale that still covers this size (every byte
    is still read, at a fraction of the memory).
    """
    image = image_open(data, formats=formats)
    width, height = image.size
    image_format = image.format or ""
    if draft_size is not None and image_format in ("JPEG", "MPO"):
        image.draft(image.mode, draft_size)
    image_load(image)
    return DecodedImage(image=image, format=image_format, width=width, height=height)
