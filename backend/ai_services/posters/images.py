"""Reading the shop's product photo safely: content-sniffed, bomb-guarded, upright, RGB."""
from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageTooLarge, InvalidImage

ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
WORKING_MAX_SIDE = 2048  # decoding and resizing beyond this buys nothing on a 1080 px poster


def load_product_image(data: bytes, *, max_pixels: int, max_bytes: int) -> Image.Image:
    """Decode `data` into an upright RGB image, refusing anything that is not a real image
    or that declares more than `max_pixels` pixels (checked from the header, before decoding)."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidImage("The product image is empty.", field="product_image")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The product image is larger than {max_bytes // (1024 * 1024)} MB.", field="product_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("The product image has too many pixels.", field="product_image") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidImage("The file is not an image we can read (JPEG, PNG or WebP).", field="product_image") from None
    if image.format not in ALLOWED_FORMATS:
        raise InvalidImage(f"Unsupported image format {image.format}; use JPEG, PNG or WebP.", field="product_image")
    width, height = image.size
    if width < 1 or height < 1:
        raise InvalidImage("The product image has no pixels.", field="product_image")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"The product image is {width}x{height} pixels; at most {max_pixels:,} pixels are accepted.",
            field="product_image",
        )
    if image.format in ("JPEG", "MPO"):
        # Let libjpeg decode at a reduced scale when the photo is much larger than needed.
        image.draft("RGB", (WORKING_MAX_SIDE, WORKING_MAX_SIDE))
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidImage("The product image is damaged or truncated.", field="product_image") from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if max(image.size) > WORKING_MAX_SIDE:
        image.thumbnail((WORKING_MAX_SIDE, WORKING_MAX_SIDE), Image.Resampling.LANCZOS)
    return image
