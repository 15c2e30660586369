"""Measured poster quality: every layout x size x language, checked on the output pixels.

For each poster: the product photo covers at least 35% of a square or portrait canvas; every
piece of text reaches 4.5:1 contrast against the pixels around it and stays inside the safe
margins; the price's glyphs are at least as tall as the offer's (and every other element's
but the headline); the badge's x-height is at least 3% of the canvas height in every script.
"""
from __future__ import annotations

import io
import itertools

import pytest
from conftest import garment_photo, product_photo
from PIL import Image

from backend.ai_services.posters import SIZES
from backend.ai_services.posters.contrast import _sorted_luminances, _trimmed, luminance, ratio
from backend.ai_services.posters.themes import FESTIVALS
from backend.ai_services.services import poster_render

TEXT = {
    "en": {"title": "Banarasi Silk Saree", "offer_text": "Buy 2, get 1 free", "shop_name": "Lakshmi Textiles"},
    "hi": {"title": "बनारसी सिल्क साड़ी", "offer_text": "दो खरीदें, एक मुफ़्त", "shop_name": "लक्ष्मी वस्त्रालय"},
    "ta": {"title": "காஞ்சிபுரம் பட்டுப் புடவை", "offer_text": "இரண்டு வாங்கினால் ஒன்று இலவசம்",
           "shop_name": "லட்சுமி ஜவுளி"},
}
LAYOUTS = {
    "price": lambda t: {"price": 1799},
    "offer": lambda t: {"offer_text": t["offer_text"]},
    "full": lambda t: {"price": 1799, "original_price": 2499, "offer_text": t["offer_text"]},
    "plain": lambda t: {},
}
CASES = list(itertools.product(LAYOUTS, SIZES, TEXT))
PHOTO = garment_photo()


def _ring_contrast(image: Image.Image, box, dark_text: bool) -> float:
    """Contrast measured on the output only: the ink is the extreme of the pixels inside the
    text box, the backdrop is the 6 px ring around it."""
    inside = _trimmed(_sorted_luminances(image.crop(box)), 0.0)
    ink = inside[0] if dark_text else inside[-1]
    parts = [image.crop((box[0] - 6, box[1] - 6, box[2] + 6, box[1])), image.crop((box[0] - 6, box[3], box[2] + 6, box[3] + 6)),
             image.crop((box[0] - 6, box[1], box[0], box[3])), image.crop((box[2], box[1], box[2] + 6, box[3]))]
    lums = [lum for part in parts for lum in _trimmed(_sorted_luminances(part), 0.0)]
    return min(ratio(ink, lum) for lum in lums)


@pytest.mark.parametrize("layout,size,language", CASES)
def test_layout_size_language(layout, size, language):
    festival = FESTIVALS[CASES.index((layout, size, language)) % (len(FESTIVALS) + 1) - 1] \
        if CASES.index((layout, size, language)) % (len(FESTIVALS) + 1) else None
    text = TEXT[language]
    fields = {"title": text["title"], "shop_name": text["shop_name"], **LAYOUTS[layout](text)}
    result = poster_render(product_image=PHOTO, size=size, language=language, festival=festival, output_format="PNG",
                           **fields)
    image = Image.open(io.BytesIO(result.image)).convert("RGB")
    width, height = SIZES[size]
    assert image.size == (width, height) and result.layout == layout

    # The product fills its slot.
    photo = result.photo_box
    coverage = (photo[2] - photo[0]) * (photo[3] - photo[1]) / (width * height)
    if size in ("square", "portrait"):
        assert coverage >= 0.35, coverage
    subject = result.subject_box
    assert (subject[3] - subject[1]) >= 0.75 * (photo[3] - photo[1]) or (subject[2] - subject[0]) >= 0.75 * (
        photo[2] - photo[0]), (subject, photo)

    # Every text element: AA contrast on the pixels, inside the safe margins.
    left, top, right, bottom = result.safe_box
    for box in result.text_boxes:
        assert box.contrast >= 4.5, box
        assert _ring_contrast(image, box.box, luminance(box.color) < 0.18) >= 4.5, box
        assert left <= box.box[0] and box.box[2] <= right and top <= box.box[1] and box.box[3] <= bottom, box

    # The price is the hero: no element but the headline has taller glyphs.
    roles = {b.role: b for b in result.text_boxes}
    price = roles.get("price")
    headline = "greeting" if festival else "title"
    if price:
        for box in result.text_boxes:
            if box.role not in (headline, "price", "badge"):
                assert price.line_ink >= box.line_ink, (price, box)
    if "offer" in roles and price:
        assert price.line_ink >= roles["offer"].line_ink

    # Badges legible in every script.
    for box in result.text_boxes:
        if box.role == "badge" and any(ch.isalpha() for ch in box.text):
            assert box.x_height >= 0.03 * height, box
    if layout == "full":
        assert [b.text for b in result.text_boxes if b.role == "badge"][0].startswith("28%")


def test_every_festival_draws_its_greeting_in_the_poster_language():
    seen = {}
    for festival, language in itertools.product(FESTIVALS, TEXT):
        result = poster_render(product_image=PHOTO, title=TEXT[language]["title"], price=999, festival=festival,
                               language=language, size="square")
        greeting = next(b for b in result.text_boxes if b.role == "greeting")
        seen[(festival, language)] = greeting.text
        display = {"en": "NotoSerifDisplay-Bold.ttf", "hi": "NotoSerifDevanagari-Bold.ttf", "ta": "NotoSerifTamil-Bold.ttf"}
        assert display[language] in greeting.fonts
    assert seen[("diwali", "hi")] == "दीपावली की शुभकामनाएँ"
    assert seen[("pongal", "ta")] == "பொங்கல் வாழ்த்துகள்"
    assert seen[("eid", "en")] == "Eid Mubarak"


def test_a_busy_photo_is_cropped_not_letterboxed():
    # A fully patterned photo (no plain backdrop): the crop fills the slot with the photo itself.
    result = poster_render(product_image=product_photo(size=(1600, 900)), title="Striped Cotton Saree", price=999,
                           size="portrait", output_format="PNG")
    image = Image.open(io.BytesIO(result.image)).convert("RGB")
    photo = result.photo_box
    # The photo's stripes reach every edge of the slot: no empty bars.
    for x, y in ((photo[0] + 30, (photo[1] + photo[3]) // 2), (photo[2] - 30, (photo[1] + photo[3]) // 2),
                 ((photo[0] + photo[2]) // 2, photo[1] + 30), ((photo[0] + photo[2]) // 2, photo[3] - 30)):
        row = [image.getpixel((x + dx, y)) for dx in range(-60, 60)]
        assert len({p for p in row}) > 3, (x, y)


def test_the_price_outranks_a_long_hindi_offer():
    # Before: in Hindi the offer text was drawn larger than the price.
    result = poster_render(product_image=PHOTO, title="बनारसी साड़ी", price=1799, original_price=2499,
                           offer_text="दिवाली पर भारी छूट", size="portrait", language="hi")
    boxes = {b.role: b for b in result.text_boxes}
    assert boxes["price"].line_ink >= boxes["offer"].line_ink >= 1


def test_diwali_price_keeps_its_gold():
    # Before: the gold price failed contrast on the cream card and fell back to black.
    result = poster_render(product_image=PHOTO, title="Banarasi Silk Saree", price=1799, original_price=2499,
                           festival="diwali", size="portrait")
    price = next(b for b in result.text_boxes if b.role == "price")
    assert price.color == (0xF4, 0xB9, 0x42) and price.contrast >= 4.5 and not price.panel


def test_mixed_script_title_with_english_offer_gets_an_english_badge():
    result = poster_render(product_image=PHOTO, title="Banarasi साड़ी Sale", offer_text="Flat 28% off", price=1799,
                           original_price=2499, size="square")
    assert [b.text for b in result.text_boxes if b.role == "badge"] == ["28%", "OFF"]


def test_shop_name_is_not_drawn_over_the_wedding_garland():
    result = poster_render(product_image=PHOTO, title="Bridal Lehenga", price=12999, festival="wedding",
                           shop_name="Lakshmi Textiles", size="portrait")
    shop = next(b for b in result.text_boxes if b.role == "shop_name")
    assert shop.contrast >= 4.5 and not shop.panel  # the garland stays in the margin, behind no text
