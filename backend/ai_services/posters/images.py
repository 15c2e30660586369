"""Reading the shop's product photo safely: content-sniffed, bomb-guarded, upright, RGB."""
from __future__ import annotations

from PIL import Image, ImageOps

from backend.core.images import DAMAGED_IMAGE, TOO_MANY_PIXELS, ImageRejected, image_decode

from .errors import ImageTooLarge, InvalidImage

ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
WORKING_MAX_SIDE = 2048  # decoding and resizing beyond this buys nothing on a 1080 px poster
# libjpeg decodes at the smallest scale (1/2, 1/4, 1/8) that still covers this size in both
# directions: a 12 MP phone photo decodes as 1500x2000, a quarter of the pixels and the time.
DRAFT_SIDE = 1080


def load_product_image(data: bytes, *, max_pixels: int, max_bytes: int) -> Image.Image:
    """Decode `data` into an upright RGB image, refusing anything that is not a real image
    or that declares more than MEDIA_MAX_PIXELS pixels (checked from the header, before decoding).
    `max_pixels` is kept for callers; the limit is the project's one bomb policy."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidImage("The product image is empty.", field="product_image")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The product image is larger than {max_bytes // (1024 * 1024)} MB.", field="product_image")
    try:
        # The one decode-and-verify function and bomb policy (backend/core/images.py); libjpeg may
        # decode at a reduced scale when the photo is much larger than needed.
        decoded = image_decode(  # MPO opens through the JPEG plugin
            data, formats=ALLOWED_FORMATS - {"MPO"}, draft_size=(DRAFT_SIDE, DRAFT_SIDE)
        )
    except ImageRejected as exc:
        if exc.code == TOO_MANY_PIXELS and exc.size is not None:
            raise ImageTooLarge(
                f"The product image is {exc.size[0]}x{exc.size[1]} pixels; at most {exc.limit:,} pixels are accepted.",
                field="product_image",
            ) from None
        if exc.code == TOO_MANY_PIXELS:
            raise ImageTooLarge("The product image has too many pixels.", field="product_image") from None
        if exc.code == DAMAGED_IMAGE:
            raise InvalidImage("The product image is damaged or truncated.", field="product_image") from None
        raise InvalidImage("The file is not an image we can read (JPEG, PNG or WebP).", field="product_image") from None
    try:
        image = decoded.image
        ImageOps.exif_transpose(image, in_place=True)  # no copy of an upright photo
    except (OSError, SyntaxError, ValueError):
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
