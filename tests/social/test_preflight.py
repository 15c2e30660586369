"""Preflight checks and image auto-fit, on real images drawn with Pillow in each test."""
from __future__ import annotations

import dataclasses
import io
import random
import struct
import zlib

import pytest
from django.conf import settings
from PIL import Image, ImageCms, ImageDraw, ImageFile

from backend.social.imaging import (
    ImageRejected,
    fit_image,
    inspect_image,
    sniff_format,
)
from backend.social.platforms.requirements import (
    FACEBOOK,
    INSTAGRAM,
    LINKEDIN,
    MB,
    SANDBOX,
    TIKTOK,
    TWITTER,
    WHATSAPP,
    Requirements,
)
from backend.social.preflight import preflight

ALL_PLATFORMS = {
    "sandbox": SANDBOX,
    "facebook": FACEBOOK,
    "instagram": INSTAGRAM,
    "linkedin": LINKEDIN,
    "twitter": TWITTER,
    "tiktok": TIKTOK,
    "whatsapp": WHATSAPP,
}
BEIGE = (230, 220, 200)
RED = (220, 20, 20)
BLUE = (20, 20, 220)


# --- helpers: real images, encoded by Pillow ---------------------------------------------------


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(width: int, height: int, colour=BEIGE, mode: str = "RGB") -> Image.Image:
    return Image.new(mode, (width, height), colour)


def noise(width: int, height: int, seed: int = 1) -> Image.Image:
    """Random pixels: they do not compress, so the file is as big as the pixels."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    return Image.frombytes("RGB", (width, height), pixels)


def product_photo(width: int, height: int) -> Image.Image:
    """Beige edges, a red band along the top and a blue band along the bottom (not at the edges)."""
    image = solid(width, height)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, 0, width * 3 // 4, height // 20), fill=RED)
    draw.rectangle((width // 4, height - height // 20, width * 3 // 4, height - 1), fill=BLUE)
    return image


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel, colour, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def png_declaring(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header is rewritten to declare width x height: a decompression bomb."""
    data = bytearray(encode(solid(1, 1), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def assert_passes_own_preflight(requirements: Requirements, fixed) -> None:
    again = preflight(requirements=requirements, caption="", image=fixed.data, fix=False)
    assert again.ok, again.problems
    image = opened(fixed.data)
    assert image.format == fixed.format
    assert image.size == (fixed.width, fixed.height)
    assert fixed.format in requirements.image_formats
    assert fixed.content_type == f"image/{fixed.format.lower()}"


# --- captions ----------------------------------------------------------------------------------


def test_instagram_caption_at_the_limit_is_ok_and_one_more_character_is_not():
    assert preflight(requirements=INSTAGRAM, caption="a" * 2200, image=encode(solid(1080, 1080))).ok

    result = preflight(requirements=INSTAGRAM, caption="a" * 2350, image=encode(solid(1080, 1080)))

    assert not result.ok
    assert result.codes == ["caption_too_long"]
    assert result.problems[0].field == "caption"
    assert result.problems[0].message == (
        "Instagram accepts captions of at most 2,200 characters; this one has 2,350."
    )
    assert result.fixed_image is None  # captions are never fixed


def test_hashtags_are_counted_in_the_composed_caption():
    caption = "x" * 2190  # + "\n\n#linen #silk" = 2,204

    result = preflight(requirements=INSTAGRAM, caption=caption, hashtags=["#linen", "#silk"],
                       image=encode(solid(1080, 1080)))

    assert result.codes == ["caption_too_long"]
    assert "this one has 2,204 with its hashtags" in result.problems[0].message


def test_x_counts_cjk_as_two():
    assert preflight(requirements=TWITTER, caption="布" * 140).ok  # 280 weighted

    result = preflight(requirements=TWITTER, caption="布" * 141)

    assert result.codes == ["caption_too_long"]
    assert "this one has 282" in result.problems[0].message


def test_x_counts_a_url_as_23():
    url = "https://shop.example.com/collections/linen/" + "a" * 60
    assert preflight(requirements=TWITTER, caption="a" * 256 + " " + url).ok  # 256 + 1 + 23

    result = preflight(requirements=TWITTER, caption="a" * 257 + " " + url)

    assert result.codes == ["caption_too_long"]
    assert "this one has 281" in result.problems[0].message


def test_x_counts_emoji_as_two():
    assert preflight(requirements=TWITTER, caption="🧵" * 140).ok
    assert preflight(requirements=TWITTER, caption="🧵" * 141).codes == ["caption_too_long"]


def test_tiktok_counts_utf16_units():
    image = encode(solid(1080, 1080))
    assert preflight(requirements=TIKTOK, caption="🧵" * 2000, image=image).ok  # 4,000 units

    result = preflight(requirements=TIKTOK, caption="🧵" * 2001, image=image)  # 2,001 code points

    assert result.codes == ["caption_too_long"]
    assert "this one has 4,002" in result.problems[0].message


def test_thirty_one_hashtags_are_too_many_for_instagram():
    image = encode(solid(1080, 1080))
    tags = [f"#tag{i}" for i in range(31)]
    assert preflight(requirements=INSTAGRAM, caption="New linen", hashtags=tags[:30],
                     image=image).ok
    # A tag already in the caption is not added twice.
    assert preflight(requirements=INSTAGRAM, caption="New #TAG0 linen", hashtags=tags[:30],
                     image=image).ok

    result = preflight(requirements=INSTAGRAM, caption="New linen", hashtags=tags, image=image)

    assert result.codes == ["too_many_hashtags"]
    assert result.problems[0].field == "hashtags"
    assert result.problems[0].message == (
        "Instagram allows at most 30 hashtags per post; this one has 31."
    )


def test_twenty_one_mentions_are_too_many_for_instagram():
    image = encode(solid(1080, 1080))
    mentions = " ".join(f"@maker{i}" for i in range(21))
    # An e-mail address is not a mention.
    ok_caption = " ".join(f"@maker{i}" for i in range(20)) + " orders: shop@example.com"
    assert preflight(requirements=INSTAGRAM, caption=ok_caption, image=image).ok

    result = preflight(requirements=INSTAGRAM, caption=mentions, image=image)

    assert result.codes == ["too_many_mentions"]
    assert "at most 20 @mentions" in result.problems[0].message


@pytest.mark.parametrize("requirements", [INSTAGRAM, TIKTOK], ids=["instagram", "tiktok"])
def test_media_is_required_on_instagram_and_tiktok(requirements):
    result = preflight(requirements=requirements, caption="New linen in stock")

    assert not result.ok
    assert result.codes == ["media_required"]
    assert result.problems[0].field == "image"
    assert result.fixed_image is None


def test_text_only_posts_are_fine_where_media_is_optional_but_not_empty_ones():
    assert preflight(requirements=FACEBOOK, caption="New linen in stock").ok
    assert preflight(requirements=FACEBOOK, caption="  ").codes == ["empty_post"]
    assert preflight(requirements=FACEBOOK, caption="", hashtags=["#linen"]).ok


# --- image checks ------------------------------------------------------------------------------


def test_wrong_aspect_ratio_for_instagram_is_padded_to_4_5_without_losing_the_product():
    image = encode(product_photo(1000, 3000), "PNG")

    result = preflight(requirements=INSTAGRAM, caption="Linen", image=image)

    assert not result.ok
    assert result.codes == ["unsupported_format", "aspect_ratio_out_of_range"]
    assert result.problems[0].message == "Instagram accepts JPEG images only; this one is PNG."
    assert result.problems[1].message == (
        "Instagram accepts images from 4:5 (tall) to 1.91:1 (wide); this one is 1,000 × 3,000 "
        "(0.33:1)."
    )
    fixed = result.fixed_image
    assert (fixed.format, fixed.width, fixed.height) == ("JPEG", 1440, 1800)
    picture = opened(fixed.data)
    assert close_to(picture.getpixel((20, 900)), BEIGE)  # padding in the edge colour
    assert close_to(picture.getpixel((1420, 900)), BEIGE)
    assert close_to(picture.getpixel((720, 10)), RED)  # the top of the product is still there
    assert close_to(picture.getpixel((720, 1790)), BLUE)  # and so is the bottom
    assert_passes_own_preflight(INSTAGRAM, fixed)


def test_crop_instead_of_pad_keeps_the_middle():
    image = encode(product_photo(1000, 3000), "PNG")

    fixed = fit_image(requirements=INSTAGRAM, image=image, fit="crop")

    assert (fixed.width, fixed.height) == (1000, 1250)
    picture = opened(fixed.data)
    assert close_to(picture.getpixel((500, 10)), BEIGE)  # the red top band was cropped away
    assert_passes_own_preflight(INSTAGRAM, fixed)


def test_wide_image_for_instagram_is_padded_above_and_below():
    fixed = fit_image(requirements=INSTAGRAM, image=encode(solid(1400, 400)))

    assert (fixed.width, fixed.height) == (1400, 733)  # 1400 / 1.91 = 732.98, rounded up
    assert 1400 / 733 <= 1.91
    assert_passes_own_preflight(INSTAGRAM, fixed)


def test_png_for_instagram_becomes_jpeg_at_the_same_size():
    image = encode(noise(800, 800), "PNG")

    result = preflight(requirements=INSTAGRAM, caption="Linen", image=image)

    assert result.codes == ["unsupported_format"]
    fixed = result.fixed_image
    assert (fixed.format, fixed.width, fixed.height, fixed.content_type) == (
        "JPEG", 800, 800, "image/jpeg")
    assert opened(fixed.data).format == "JPEG"


def test_transparent_png_is_flattened_on_white_for_jpeg():
    logo = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((150, 150, 450, 450), fill=(20, 90, 40, 255))

    result = preflight(requirements=INSTAGRAM, caption="", image=encode(logo, "PNG"))

    assert result.codes == ["unsupported_format"]
    picture = opened(result.fixed_image.data)
    assert picture.mode == "RGB"
    assert close_to(picture.getpixel((10, 10)), (255, 255, 255), tolerance=3)
    assert close_to(picture.getpixel((300, 300)), (20, 90, 40))


def test_a_flat_graphic_stays_png_where_png_is_accepted_and_keeps_its_transparency():
    logo = Image.new("RGBA", (2000, 2000), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rectangle((500, 500, 1500, 1500), fill=(20, 90, 40, 255))
    source = encode(logo.convert("RGB"), "BMP")  # lossless, and a format WhatsApp refuses

    fixed = fit_image(requirements=WHATSAPP, image=source)

    assert fixed.format == "PNG"  # smaller than the JPEG for flat colour
    assert (fixed.width, fixed.height) == (2000, 2000)

    fixed_rgba = fit_image(requirements=WHATSAPP, image=encode(logo, "PNG"))
    assert fixed_rgba.format == "PNG"
    assert opened(fixed_rgba.data).getpixel((10, 10))[3] == 0


def test_a_photo_saved_as_png_becomes_jpeg_even_where_png_is_accepted():
    fixed = fit_image(requirements=WHATSAPP, image=encode(noise(600, 400), "PNG"))

    assert fixed.format == "JPEG"


def test_oversized_noise_png_for_x_is_reencoded_under_5_mb():
    image = encode(noise(1600, 1200), "PNG")
    assert len(image) > 5 * MB

    result = preflight(requirements=TWITTER, caption="Linen", image=image)

    assert result.codes == ["image_too_large"]
    assert result.problems[0].message.startswith("X accepts images up to 5 MB; this one is 5.")
    fixed = result.fixed_image
    assert fixed.format == "JPEG"
    assert len(fixed.data) <= 5 * MB
    assert (fixed.width, fixed.height) == (1600, 1200)
    assert_passes_own_preflight(TWITTER, fixed)


def test_quality_steps_down_until_the_file_fits():
    tight = dataclasses.replace(SANDBOX, max_image_bytes=150_000)
    image = encode(noise(700, 700), quality=95)
    assert len(image) > 150_000

    result = preflight(requirements=tight, caption="", image=image)

    assert result.codes == ["image_too_large"]
    fixed = result.fixed_image
    assert len(fixed.data) <= 150_000
    assert_passes_own_preflight(tight, fixed)


def test_too_narrow_image_for_instagram_is_scaled_up_to_320():
    result = preflight(requirements=INSTAGRAM, caption="", image=encode(solid(200, 200)))

    assert result.codes == ["image_too_narrow"]
    assert result.problems[0].message == (
        "Instagram needs images at least 320 pixels wide; this one is 200."
    )
    assert (result.fixed_image.width, result.fixed_image.height) == (320, 320)


def test_too_wide_image_for_instagram_is_scaled_down_to_1440():
    result = preflight(requirements=INSTAGRAM, caption="", image=encode(solid(3000, 2000)))

    assert result.codes == ["image_too_wide"]
    assert (result.fixed_image.width, result.fixed_image.height) == (1440, 960)


def test_tiktok_bounds_width_and_height():
    result = preflight(requirements=TIKTOK, caption="", image=encode(solid(2000, 3000)))

    assert result.codes == ["image_too_wide", "image_too_tall"]
    assert (result.fixed_image.width, result.fixed_image.height) == (1080, 1620)


def test_too_many_pixels_are_scaled_into_the_bound():
    small = dataclasses.replace(LINKEDIN, max_pixels=250_000)

    result = preflight(requirements=small, caption="", image=encode(solid(1000, 600)))

    assert result.codes == ["too_many_pixels"]
    fixed = result.fixed_image
    assert fixed.width * fixed.height <= 250_000
    assert abs(fixed.width / fixed.height - 1000 / 600) < 0.01
    assert_passes_own_preflight(small, fixed)


def test_exif_rotated_jpeg_comes_out_upright_without_metadata():
    stored = solid(400, 300)  # stored landscape; orientation 6 displays it portrait, 300 x 400
    ImageDraw.Draw(stored).rectangle((0, 0, 39, 39), fill=RED)  # stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (41.0, 0.0, 0.0), 3: "E", 4: (2.0, 10.0, 0.0)})
    image = encode(stored, exif=exif.tobytes(), comment=b"home workshop")
    assert inspect_image(data=image).width == 300

    result = preflight(requirements=INSTAGRAM, caption="", image=image)

    # Upright it is 300 x 400 (0.75): too tall and too narrow for Instagram.
    assert result.codes == ["aspect_ratio_out_of_range", "image_too_narrow"]
    fixed = result.fixed_image
    assert (fixed.width, fixed.height) == (320, 400)
    picture = opened(fixed.data)
    # Rotating 90° clockwise moves the stored top-left corner to the top-right.
    assert close_to(picture.getpixel((290, 15)), RED)
    assert close_to(picture.getpixel((30, 15)), BEIGE)
    assert not picture.getexif()  # no orientation left to apply twice, and no GPS
    assert "comment" not in picture.info
    assert "icc_profile" not in picture.info

    upright = fit_image(requirements=FACEBOOK, image=image)
    assert (upright.width, upright.height) == (300, 400)


def test_gps_comments_and_colour_profiles_are_not_carried_over():
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (41.0, 0.0, 0.0), 3: "E", 4: (2.0, 10.0, 0.0)})
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = encode(solid(500, 500, RED), exif=exif.tobytes(), comment=b"home", icc_profile=srgb)
    assert opened(image).getexif().get_ifd(0x8825)

    fixed = fit_image(requirements=INSTAGRAM, image=image)

    picture = opened(fixed.data)
    assert not picture.getexif()
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(picture.info)
    assert close_to(picture.getpixel((250, 250)), RED, tolerance=4)  # sRGB to sRGB: unchanged


def test_decompression_bomb_is_refused_without_decoding(monkeypatch):
    def no_decoding(self):
        raise AssertionError("the pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    bombs = [png_declaring(9000, 8000), png_declaring(100_000, 100_000)]
    assert 9000 * 8000 > settings.MEDIA_MAX_PIXELS  # the one bomb limit (backend/core/images.py)

    for bomb in bombs:
        assert len(bomb) < 100
        result = preflight(requirements=SANDBOX, caption="", image=bomb)

        assert result.codes == ["too_many_pixels"]
        assert result.fixed_image is None
        with pytest.raises(ImageRejected):
            fit_image(requirements=SANDBOX, image=bomb)
    first = preflight(requirements=SANDBOX, caption="", image=bombs[0])
    assert "9,000 × 8,000 pixels" in first.problems[0].message


def test_text_bytes_are_not_an_image():
    result = preflight(requirements=FACEBOOK, caption="", image=b"name,price\nlinen,12.50\n")

    assert result.codes == ["invalid_image"]
    assert result.fixed_image is None
    with pytest.raises(ImageRejected) as raised:
        fit_image(requirements=FACEBOOK, image=b"name,price\n")
    assert raised.value.code == "invalid_image"


def test_a_truncated_jpeg_is_invalid():
    whole = encode(noise(600, 600))

    result = preflight(requirements=FACEBOOK, caption="", image=whole[: len(whole) // 2])

    assert result.codes == ["invalid_image"]
    assert "damaged or incomplete" in result.problems[0].message


def test_the_format_comes_from_the_bytes():
    # PNG bytes are PNG whatever the upload was called; a JPEG named .png would be JPEG.
    assert inspect_image(data=encode(solid(10, 10), "PNG")).format == "PNG"
    assert inspect_image(data=encode(solid(10, 10), "JPEG")).format == "JPEG"
    assert sniff_format(data=encode(solid(10, 10), "WEBP")) == "WEBP"
    assert sniff_format(data=b"GIF89a but not really") is None


def test_heif_is_recognised_but_not_decoded():
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 12 + b"mif1heic"

    on_instagram = preflight(requirements=INSTAGRAM, caption="", image=heic)
    on_facebook = preflight(requirements=FACEBOOK, caption="", image=heic)

    assert on_instagram.codes == ["unsupported_format"]
    assert "HEIF" in on_instagram.problems[0].message
    assert on_instagram.fixed_image is None
    assert on_facebook.ok  # Facebook takes HEIF as it is


def test_sixteen_bit_greyscale_keeps_its_brightness():
    grey16 = Image.new("I;16", (400, 400), 32768)

    fixed = fit_image(requirements=INSTAGRAM, image=encode(grey16, "PNG"))

    assert abs(opened(fixed.data).convert("L").getpixel((200, 200)) - 128) <= 3


def test_cmyk_jpeg_becomes_rgb():
    red_ink = solid(400, 400, (0, 255, 255, 0), "CMYK")  # magenta + yellow = red

    fixed = fit_image(requirements=INSTAGRAM, image=encode(red_ink))

    picture = opened(fixed.data)
    assert picture.mode == "RGB"
    assert close_to(picture.getpixel((200, 200)), (255, 0, 0), tolerance=40)


# --- the meaning of ok and fixed_image ---------------------------------------------------------


def test_fix_false_reports_without_a_rendition():
    result = preflight(requirements=INSTAGRAM, caption="", image=encode(solid(400, 400), "PNG"),
                       fix=False)

    assert result.codes == ["unsupported_format"]
    assert result.fixed_image is None


def test_caption_problems_keep_ok_false_even_with_a_fixed_image():
    result = preflight(requirements=INSTAGRAM, caption="a" * 2300,
                       image=encode(solid(400, 400), "PNG"))

    assert not result.ok
    assert result.codes == ["caption_too_long", "unsupported_format"]
    assert result.fixed_image is not None
    assert_passes_own_preflight(INSTAGRAM, result.fixed_image)


def test_a_good_post_has_no_problems_and_no_rendition():
    result = preflight(requirements=INSTAGRAM, caption="New linen", hashtags=["#linen"],
                       image=encode(solid(1080, 1350)))

    assert result.ok
    assert result.problems == []
    assert result.fixed_image is None


@pytest.mark.parametrize("name", ALL_PLATFORMS)
@pytest.mark.parametrize("size", [(3000, 1000), (1000, 3000)], ids=["wide", "tall"])
def test_the_fixed_rendition_passes_its_own_preflight(name, size):
    requirements = ALL_PLATFORMS[name]
    picture = noise(*size, seed=size[0])
    ImageDraw.Draw(picture).rectangle((100, 100, 600, 600), fill=RED)
    image = encode(picture, "BMP")  # 9 MB in a format no platform takes

    result = preflight(requirements=requirements, caption="New linen", image=image)

    assert not result.ok
    assert "unsupported_format" in result.codes
    limit = requirements.max_image_bytes
    too_large = limit is not None and len(image) > limit
    assert ("image_too_large" in result.codes) == too_large
    fixed = result.fixed_image
    assert fixed is not None
    assert_passes_own_preflight(requirements, fixed)
    if requirements.max_image_bytes:
        assert len(fixed.data) <= requirements.max_image_bytes
