"""Reading an uploaded image safely, and re-encoding it into what a platform accepts.

Everything here works on bytes and Pillow only (no models, no files, no network).

Safety: an image is identified from its bytes (never from a file name), only the formats below
are opened at all, and its declared dimensions are checked against MEDIA_MAX_PIXELS *before*
any pixel is decoded, so a decompression bomb (a small file declaring a huge canvas) is refused
for the cost of reading its header.

`fit_image` decisions, so callers know what they get:
- Orientation: EXIF orientation is applied to the pixels (the result is upright) and dimensions
  are always the upright ("as displayed") ones, in checks and in the result.
- Metadata: none is carried over (no EXIF, so no GPS position, no comments, no XMP). Colours are
  converted to sRGB when the image embeds another ICC profile; the result is untagged sRGB.
- Format: JPEG, unless the platform does not take JPEG. A lossless source (PNG, GIF, BMP, TIFF:
  logos, price cards, text posters) stays PNG when the platform accepts PNG and the PNG is no
  larger than the JPEG would be; transparency survives only in that case. For JPEG, transparent
  pixels are flattened onto white. Animated GIFs become their first frame.
- Aspect ratio: padded by default (a product photo must not lose the product), with a background
  of the average colour of the edges being extended; `fit="crop"` crops around the centre instead.
- Size: scaled down into the width, height and pixel bounds (up to the minimum width when the
  image is too small), then JPEG quality is stepped down (90 to 40) until the file is under the
  byte limit; if even that is too big, the image is scaled down further.
"""
from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageCms, ImageOps, ImageStat

from backend.core import images as core_images
from backend.core.images import image_open

from .platforms.requirements import Requirements

# The only formats Pillow may try to open (a smaller attack surface than every plugin it has).
# Multi-picture JPEGs (MPO, written by phones) open through the JPEG plugin.
READABLE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP")
# Formats fit_image can write, in order of preference when the platform takes several.
WRITABLE_FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
    "HEIF": "image/heif",
}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP", "TIFF": "TIFF",
                "BMP": "BMP", "HEIF": "HEIF"}
JPEG_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 50, 40)
# ISO-BMFF brands of HEIF/HEIC/AVIF files (iPhone photos). Pillow cannot decode them.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
ORIENTATION_TAG = 0x0112

FitMode = Literal["pad", "crop"]


class ImageRejected(ValueError):
    """The bytes cannot be used as an image at all; `code` is a preflight problem code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImageInfo:
    """What preflight needs to know about an image. Width and height are as displayed (upright)."""

    format: str
    width: int
    height: int
    byte_size: int
    orientation: int = 1


@dataclass(frozen=True)
class FixedImage:
    """A rendition of an image that fits a platform's requirements."""

    data: bytes
    format: str
    width: int
    height: int
    content_type: str


def sniff_format(*, data: bytes) -> str | None:
    """The format of `data` from its first bytes ("HEIF" included), or None if not an image."""
    if is_heif(data=data):
        return "HEIF"
    try:
        with _open(data) as image:
            return canonical_format(image.format)
    except ImageRejected:
        return None


def is_heif(*, data: bytes) -> bool:
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def canonical_format(pillow_format: str | None) -> str:
    # Phones write MPO (a JPEG followed by more JPEGs); every platform takes it as a JPEG.
    return "JPEG" if pillow_format == "MPO" else (pillow_format or "")


def inspect_image(*, data: bytes) -> ImageInfo:
    """Identify and fully decode `data` (to catch truncated files) without trusting its size.

    Raises ImageRejected ("invalid_image", "too_many_pixels" or, for HEIF, "unsupported_format").
    """
    if is_heif(data=data):
        raise ImageRejected(
            "unsupported_format",
            "This is a HEIF/HEIC photo, which Postloom cannot read yet. Please export it as JPEG "
            "(on an iPhone: Settings > Camera > Formats > Most Compatible).",
        )
    with _open(data) as image:
        fmt = canonical_format(image.format)
        width, height = image.size
        if fmt == "JPEG":
            # Decode at 1/8 scale: every byte is still read (so truncation shows), at a fraction
            # of the memory.
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        _decode(image)
        orientation = _orientation(image)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return ImageInfo(format=fmt, width=width, height=height, byte_size=len(data),
                     orientation=orientation)


def fit_image(*, requirements: Requirements, image: bytes, fit: FitMode = "pad") -> FixedImage:
    """Re-encode `image` into a rendition that `requirements` accept (see the module docstring).

    Raises ImageRejected when the bytes are not a usable image, and ValueError when the
    requirements cannot be met (for example no writable format is accepted).
    """
    target_formats = [fmt for fmt in WRITABLE_FORMATS if fmt in requirements.image_formats]
    if not target_formats:
        raise ValueError(f"No format Postloom can write is accepted: {requirements.image_formats}")
    if is_heif(data=image):
        inspect_image(data=image)  # raises the readable HEIF message

    with _open(image) as source:
        source_format = canonical_format(source.format)
        if source_format == "JPEG":
            # JPEG keeps EXIF in its header, so the upright size is known before decoding, and
            # the decoder can shrink by 1/2, 1/4 or 1/8 while staying at least the target size.
            rotated = _orientation(source) in (5, 6, 7, 8)
            upright = source.size[::-1] if rotated else source.size
            width, height = target_size(requirements=requirements, width=upright[0],
                                        height=upright[1], fit=fit)
            source.draft(source.mode, (height, width) if rotated else (width, height))
        _decode(source)
        picture = ImageOps.exif_transpose(source)
        if source_format != "JPEG":
            upright = picture.size

    picture = _to_srgb(picture)
    picture = _normalise_mode(picture)
    # JPEG, or PNG as well for a lossless source; WebP/PNG only where JPEG is not accepted.
    if "JPEG" in target_formats:
        lossless_source = source_format in ("PNG", "GIF", "BMP", "TIFF")
        candidates = ["JPEG"] + (["PNG"] if lossless_source and "PNG" in target_formats else [])
    else:
        candidates = target_formats[:1]

    scale_cap = 1.0
    for _ in range(8):
        width, height = target_size(requirements=requirements, width=upright[0],
                                    height=upright[1], fit=fit, scale_cap=scale_cap)
        best: tuple[bytes, str] | None = None
        for fmt in candidates:
            rendition = _flatten(picture) if fmt == "JPEG" else picture
            canvas = _reshape(rendition, width=width, height=height, fit=fit)
            data = _encode_within(canvas, fmt=fmt, max_bytes=requirements.max_image_bytes)
            if data is not None and (best is None or len(data) < len(best[0])):
                best = (data, fmt)
        if best is not None:
            data, fmt = best
            return FixedImage(data=data, format=fmt, width=width, height=height,
                              content_type=CONTENT_TYPES[fmt])
        scale_cap *= 0.8
    raise ValueError("The image could not be made small enough for this platform.")


def target_size(
    *,
    requirements: Requirements,
    width: int,
    height: int,
    fit: FitMode = "pad",
    scale_cap: float = 1.0,
) -> tuple[int, int]:
    """The largest canvas within `requirements` for an image of width x height.

    The canvas takes the image's aspect ratio clamped into the allowed range (by padding: growing
    the short side, or by cropping: shrinking the long one), then is scaled into the dimension
    and pixel bounds (and at most `scale_cap` of its size).
    """
    r_min, r_max = requirements.aspect_ratio_min, requirements.aspect_ratio_max
    box_w, box_h = width, height
    if r_min is not None and width / height < r_min:
        if fit == "pad":
            box_w = math.ceil(height * r_min)
        else:
            box_h = max(1, math.floor(width / r_min))
    elif r_max is not None and width / height > r_max:
        if fit == "pad":
            box_h = math.ceil(width / r_max)
        else:
            box_w = max(1, math.floor(height * r_max))

    scale = scale_cap
    if requirements.max_width:
        scale = min(scale, requirements.max_width / box_w)
    if requirements.max_height:
        scale = min(scale, requirements.max_height / box_h)
    if requirements.max_pixels:
        scale = min(scale, math.sqrt(requirements.max_pixels / (box_w * box_h)))
    if requirements.min_width and box_w * scale < requirements.min_width:
        scale = requirements.min_width / box_w
    out_w = max(1, math.floor(box_w * scale))
    out_h = max(1, math.floor(box_h * scale))
    if requirements.min_width:
        out_w = max(out_w, requirements.min_width)
    return _nudge_into_bounds(requirements, out_w, out_h)


def dimension_problems(*, requirements: Requirements, width: int, height: int) -> list[str]:
    """The codes of the dimension rules width x height breaks (shared by checks and fitting)."""
    codes = []
    ratio = width / height
    if (requirements.aspect_ratio_min is not None and ratio < requirements.aspect_ratio_min) or (
        requirements.aspect_ratio_max is not None and ratio > requirements.aspect_ratio_max
    ):
        codes.append("aspect_ratio_out_of_range")
    if requirements.min_width is not None and width < requirements.min_width:
        codes.append("image_too_narrow")
    if requirements.max_width is not None and width > requirements.max_width:
        codes.append("image_too_wide")
    if requirements.max_height is not None and height > requirements.max_height:
        codes.append("image_too_tall")
    if requirements.max_pixels is not None and width * height > requirements.max_pixels:
        codes.append("too_many_pixels")
    return codes


# --- internals ---------------------------------------------------------------------------------


def _open(data: bytes) -> Image.Image:
    """Open lazily (header only) under the one bomb policy (backend.core.images), in preflight's words."""
    try:
        return image_open(data, formats=READABLE_FORMATS)
    except core_images.ImageRejected as exc:
        raise _rejected(exc) from None


def _decode(image: Image.Image) -> None:
    try:
        core_images.image_load(image)
    except core_images.ImageRejected as exc:
        raise _rejected(exc) from None


def _rejected(exc: core_images.ImageRejected) -> ImageRejected:
    if exc.code == core_images.TOO_MANY_PIXELS:
        return ImageRejected("too_many_pixels", _too_big_message(exc.size))
    if exc.code == core_images.DAMAGED_IMAGE:
        return ImageRejected(
            "invalid_image",
            "This image looks damaged or incomplete: it could not be read to the end. Please upload it again.",
        )
    return ImageRejected("invalid_image", _invalid_message())


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ORIENTATION_TAG, 1))
    except Exception:  # a broken EXIF block must not make a readable image unusable
        return 1
    return value if 1 <= value <= 8 else 1


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: treat the pixels as sRGB
    return converted if converted is not None else image


def _normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA, L or LA; alpha kept only if some pixel is actually transparent."""
    mode = image.mode
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        # 16-bit greyscale: 0-65535 down to 0-255 (a plain convert would clip above 255).
        sixteen_bit = mode.startswith("I;16") or image.getextrema()[1] > 255
        image = image.convert("F").point(lambda v: v / 257.0 if sixteen_bit else v)
        image = image.convert("L")
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode in ("RGBa", "La"):
        image = image.convert(mode.upper())
    elif mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    if image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert(image.mode[:-1])
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels onto white, for formats without alpha."""
    if image.mode not in ("RGBA", "LA"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _reshape(image: Image.Image, *, width: int, height: int, fit: FitMode) -> Image.Image:
    if fit == "crop":
        box = _centre_box(image.width, image.height, width / height)
        return image.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    scale = min(width / image.width, height / image.height)
    content = (
        min(width, max(1, round(image.width * scale))),
        min(height, max(1, round(image.height * scale))),
    )
    resized = image
    if content != image.size:
        resized = image.resize(content, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if content == (width, height):
        return resized
    colour = _edge_colour(resized, sides="x" if content[0] < width else "y")
    canvas = Image.new(resized.mode, (width, height), colour)
    canvas.paste(resized, ((width - content[0]) // 2, (height - content[1]) // 2))
    return canvas


def _centre_box(width: int, height: int, ratio: float) -> tuple[float, float, float, float]:
    if width / height > ratio:
        crop_w = height * ratio
        left = (width - crop_w) / 2
        return (left, 0.0, left + crop_w, float(height))
    crop_h = width / ratio
    top = (height - crop_h) / 2
    return (0.0, top, float(width), top + crop_h)


def _edge_colour(image: Image.Image, *, sides: str) -> int | tuple[int, ...]:
    """Average colour of the left and right columns (sides="x") or top and bottom rows ("y")."""
    w, h = image.size
    if sides == "x":
        strips = [image.crop((0, 0, 1, h)), image.crop((w - 1, 0, w, h))]
    else:
        strips = [image.crop((0, 0, w, 1)), image.crop((0, h - 1, w, h))]
    means = [ImageStat.Stat(strip).mean for strip in strips]
    colour = tuple(round(sum(values) / len(values)) for values in zip(*means))
    return colour[0] if len(colour) == 1 else colour


def _encode_within(image: Image.Image, *, fmt: str, max_bytes: int | None) -> bytes | None:
    for data in _encodings(image, fmt):
        if max_bytes is None or len(data) <= max_bytes:
            return data
    return None


def _encodings(image: Image.Image, fmt: str) -> Iterator[bytes]:
    image.info = {}  # no EXIF, comments, ICC or text chunks are written
    if fmt == "PNG":
        yield _save(image, "PNG", optimize=False, compress_level=6)
        return
    if image.mode not in ("RGB", "L"):
        image = _flatten(image) if fmt == "JPEG" else image
    for quality in JPEG_QUALITIES:
        if fmt == "JPEG":
            yield _save(image, "JPEG", quality=quality, optimize=True)
        else:
            yield _save(image, fmt, quality=quality, method=4)


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _nudge_into_bounds(requirements: Requirements, width: int, height: int) -> tuple[int, int]:
    """Rounding can leave a canvas a pixel outside the ratio range; move it back in."""
    r_min, r_max = requirements.aspect_ratio_min, requirements.aspect_ratio_max
    for _ in range(4):
        if r_min is not None and width / height < r_min and height > 1:
            height -= 1
        elif r_max is not None and width / height > r_max:
            if requirements.max_height is None or height < requirements.max_height:
                height += 1
            else:
                width -= 1
        else:
            break
    return width, height


def _too_big_message(size: tuple[int, int] | None) -> str:
    limit = core_images.max_pixels() // 1_000_000
    if size is None:
        return (f"This image declares an enormous size; Postloom only processes images up to "
                f"{limit} megapixels. Please upload a smaller export.")
    width, height = size
    return (f"This image is {width:,} × {height:,} pixels ({width * height / 1e6:,.0f} "
            f"megapixels); Postloom only processes images up to {limit} megapixels. Please "
            f"upload a smaller export.")


def _invalid_message() -> str:
    return ("This file is not an image Postloom can read. Please upload a JPEG, PNG, GIF, WebP, "
            "TIFF or BMP picture.")
