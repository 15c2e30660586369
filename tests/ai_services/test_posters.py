"""Posters drawn from generated product photos, checked on the output pixels."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from conftest import product_photo
from PIL import Image, ImageFile

from backend.ai_services.posters import (
    FontUnavailable,
    ImageTooLarge,
    InvalidImage,
    InvalidPosterSpec,
    PosterSpec,
    ShapingUnavailable,
    UnsupportedText,
)
from backend.ai_services.posters import fonts as font_lib
from backend.ai_services.posters.contrast import luminance, ratio
from backend.ai_services.posters.images import load_product_image
from backend.ai_services.services import poster_render

FULL = dict(offer_text="Flat 30% off this week", discount_percent=30, price=1499, original_price=2149,
            shop_name="Lakshmi Textiles")


def decode(result) -> Image.Image:
    image = Image.open(io.BytesIO(result.image))
    assert image.format == result.format
    return image.convert("RGB")


def measured_contrast(image: Image.Image, box, dark_text: bool) -> float:
    """Contrast measured on the output only: the ink is the extreme of the pixels inside the
    text box, the backdrop is the ring of pixels just around it (2% trimmed for JPEG noise)."""
    from backend.ai_services.posters.contrast import _sorted_luminances, _trimmed

    inside = _trimmed(_sorted_luminances(image.crop(box)), 0.02)
    ink = inside[0] if dark_text else inside[-1]
    ring_parts = [image.crop((box[0] - 6, box[1] - 6, box[2] + 6, box[1])),
                  image.crop((box[0] - 6, box[3], box[2] + 6, box[3] + 6)),
                  image.crop((box[0] - 6, box[1], box[0], box[3])),
                  image.crop((box[2], box[1], box[2] + 6, box[3]))]
    lums = []
    for part in ring_parts:
        lums.extend(_trimmed(_sorted_luminances(part), 0.02))
    return min(ratio(ink, lum) for lum in lums)


@pytest.mark.parametrize("size,dims", [("square", (1080, 1080)), ("portrait", (1080, 1350)), ("story", (1080, 1920))])
def test_each_size_has_exact_dimensions(size, dims, photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Kanchipuram Silk Saree", size=size,
                                                                festival="diwali", **FULL))
    assert (result.width, result.height) == dims
    assert decode(result).size == dims
    roles = {b.role for b in result.text_boxes}
    assert roles == {"shop_name", "greeting", "title", "badge", "price", "original_price", "offer"}


@pytest.mark.parametrize("festival", ["diwali", "eid", "pongal", "onam", "christmas", "wedding", "holi", "navratri", None])
def test_every_text_element_meets_aa_contrast_on_output_pixels(festival, photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Festive Cotton Kurta Sets", festival=festival,
                                                                size="portrait", output_format="PNG", **FULL))
    image = decode(result)
    for box in result.text_boxes:
        assert box.contrast >= 4.5, box
        dark_text = luminance(box.color) < 0.18
        assert measured_contrast(image, box.box, dark_text) >= 4.5, (festival, box)


def test_jpeg_for_instagram_and_contrast_survives_compression(photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Diwali Silk Edit", festival="diwali",
                                                                platform="instagram", **FULL))
    assert result.format == "JPEG" and result.content_type == "image/jpeg"
    assert result.image[:3] == b"\xff\xd8\xff"
    image = decode(result)
    for box in result.text_boxes:
        assert measured_contrast(image, box.box, luminance(box.color) < 0.18) >= 4.5, box
    with pytest.raises(InvalidPosterSpec) as caught:
        PosterSpec.create(title="x", platform="instagram", output_format="PNG")
    assert caught.value.field == "output_format"


def test_png_when_asked():
    result = poster_render(product_image=product_photo(fmt="PNG"), spec=PosterSpec.create(title="Linen", output_format="png"))
    assert result.format == "PNG" and result.image.startswith(b"\x89PNG")


def test_exif_rotated_photo_is_decoded_upright():
    # A landscape JPEG tagged orientation 6 (rotate 90° clockwise to view) is a portrait photo;
    # the blue marker stored top-left ends up top-right once upright.
    data = product_photo(size=(1200, 900), exif_orientation=6)
    image = load_product_image(data, max_pixels=40_000_000, max_bytes=20 * 1024 * 1024)
    assert image.size == (900, 1200)
    r, g, b = image.getpixel((image.width - 10, 10))
    assert b > 150 and r < 80, (r, g, b)
    r, g, b = image.getpixel((10, 10))
    assert not (b > 150 and r < 80)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("dims", [(50000, 50000), (7000, 7000)])
def test_decompression_bomb_is_refused_without_decoding(dims, monkeypatch):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(ImageTooLarge):
        poster_render(product_image=_png_header_only(*dims), spec=PosterSpec.create(title="Bomb"))
    assert decoded == []


def test_non_image_renamed_jpg_is_refused():
    fake_jpg = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20  # 'product.jpg' that is a PDF
    with pytest.raises(InvalidImage) as caught:
        poster_render(product_image=fake_jpg, title="Saree")
    assert caught.value.http_status == 400 and caught.value.field == "product_image"


def test_truncated_jpeg_is_refused(photo):
    with pytest.raises(InvalidImage):
        poster_render(product_image=photo[: len(photo) // 3], spec=PosterSpec.create(title="Saree"))


def test_very_long_title_wraps_shrinks_and_stays_in_safe_margins(photo):
    short = poster_render(product_image=photo, spec=PosterSpec.create(title="Silk Saree"))
    long_title = ("Pure Kanchipuram Silk Saree with Zari Border, Temple Design, Contrast Pallu and Running "
                  "Blouse Piece for Weddings and Festivals, Handwoven by Master Weavers of Tamil Nadu")
    result = poster_render(product_image=photo, spec=PosterSpec.create(title=long_title, **FULL))
    title = next(b for b in result.text_boxes if b.role == "title")
    short_title = next(b for b in short.text_boxes if b.role == "title")
    assert title.lines > 1 and title.font_size < short_title.font_size
    margin = round(1080 * 0.06)
    for box in result.text_boxes:
        assert box.box[0] >= margin and box.box[2] <= 1080 - margin, box
        assert box.box[1] >= margin and box.box[3] <= 1080 - margin, box
    assert title.box[3] <= result.photo_box[1]  # the title never runs into the photo


@pytest.mark.parametrize("title,font", [("बनारसी सिल्क साड़ी", "NotoSansDevanagari-Bold.ttf"),
                                        ("காஞ்சிபுரம் பட்டுப் புடவை", "NotoSansTamil-Bold.ttf")])
def test_hindi_and_tamil_titles_are_shaped_with_raqm(title, font, photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title=title, discount_percent=25, price=999,
                                                                          size="portrait"))
    assert result.layout_engine == "raqm"
    title_box = next(b for b in result.text_boxes if b.role == "title")
    assert font in title_box.fonts
    badges = [b.text for b in result.text_boxes if b.role == "badge"]
    assert badges in (["25%", "छूट"], ["25%", "தள்ளுபடி"])
    # Shaping changes the drawing: a conjunct/vowel sign shaped by RAQM differs from BASIC's.
    path = font_lib.font_stack(scripts=font_lib.scripts_in(title), weight="bold")[0]
    raqm = font_lib.get_font(path, 64, font_lib.ImageFont.Layout.RAQM).getmask(title.split()[0])
    basic = font_lib.get_font(path, 64, font_lib.ImageFont.Layout.BASIC).getmask(title.split()[0])
    assert bytes(raqm) != bytes(basic) or raqm.size != basic.size


def test_mixed_script_title_uses_a_font_per_run(photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Banarasi साड़ी ₹999", size="square"))
    title = next(b for b in result.text_boxes if b.role == "title")
    assert {"NotoSansDevanagari-Bold.ttf", "NotoSans-Bold.ttf"} <= set(title.fonts)


def test_without_raqm_indic_text_is_refused_not_drawn_as_tofu(monkeypatch, photo):
    monkeypatch.setattr(font_lib, "layout_engine", lambda: font_lib.ImageFont.Layout.BASIC)
    with pytest.raises(ShapingUnavailable) as caught:
        poster_render(product_image=photo, spec=PosterSpec.create(title="बनारसी साड़ी"))
    assert caught.value.http_status == 503
    # Latin text needs no shaping and still renders.
    assert poster_render(product_image=photo, spec=PosterSpec.create(title="Banarasi")).layout_engine == "basic"


def test_missing_fonts_give_a_clear_error(settings, tmp_path, photo):
    settings.POSTER_FONT_DIRS = [str(tmp_path)]
    font_lib._find_file.cache_clear()
    try:
        with pytest.raises(FontUnavailable, match="SYSTEM_PACKAGES"):
            poster_render(product_image=photo, spec=PosterSpec.create(title="Silk"))
    finally:
        font_lib._find_file.cache_clear()


def test_unsupported_script_is_a_client_error(photo):
    with pytest.raises(UnsupportedText, match="ক") as caught:
        poster_render(product_image=photo, spec=PosterSpec.create(title="বাংলা শাড়ি ক"))
    assert caught.value.http_status == 400


def test_emoji_are_left_out_not_drawn_as_tofu(photo):
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="🎉 Diwali Sale 🪔✨", offer_text="Hurry 🏃‍♀️"))
    title = next(b for b in result.text_boxes if b.role == "title")
    offer = next(b for b in result.text_boxes if b.role == "offer")
    assert (title.text, offer.text) == ("Diwali Sale", "Hurry")
    assert "🎉" in result.dropped_characters and "🪔" in result.dropped_characters
    with pytest.raises(InvalidPosterSpec):
        poster_render(product_image=photo, spec=PosterSpec.create(title="🎉🎉"))


@pytest.mark.parametrize("kwargs,field", [
    ({"title": ""}, "title"), ({"title": "x", "size": "banner"}, "size"), ({"title": "x", "festival": "halloween"}, "festival"),
    ({"title": "x", "discount_percent": 120}, "discount_percent"), ({"title": "x", "price": 100, "original_price": 90}, "original_price"),
    ({"title": "x", "price": "abc"}, "price"), ({"title": "x", "currency": "rupees"}, "currency"),
])
def test_bad_specs_name_the_field(kwargs, field):
    with pytest.raises(InvalidPosterSpec) as caught:
        PosterSpec.create(**kwargs)
    assert caught.value.field == field
