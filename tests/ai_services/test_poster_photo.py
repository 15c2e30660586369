"""The product photo in its slot (subject found, cropped to fill, plain backdrop cleaned without
touching the garment), and the poster's one declaration of fields."""
from __future__ import annotations

import io

import pytest
from conftest import garment_photo
from PIL import Image

from backend.ai_services.posters import API_FIELDS, POSTER_FIELDS, PosterSpec, render_poster
from backend.ai_services.posters.photo import find_subject, fit_photo
from backend.ai_services.serializers import PosterInput

LIGHT = (255, 244, 220)


def open_photo(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.mark.parametrize("size,box", [((900, 1200), (0.22, 0.12, 0.78, 0.92)), ((1600, 900), (0.30, 0.08, 0.62, 0.95)),
                                      ((1200, 1200), (0.55, 0.40, 0.90, 0.95))])
def test_the_subject_is_found_on_a_plain_backdrop(size, box):
    subject = find_subject(open_photo(garment_photo(size, box=box)))
    assert subject.plain
    for found, drawn in zip(subject.box, box):
        assert abs(found - drawn) < 0.03, (subject.box, box)


def test_a_small_off_centre_product_is_cropped_to_fill_its_slot():
    photo = open_photo(garment_photo((1200, 1200), box=(0.55, 0.40, 0.90, 0.95)))
    fitted = fit_photo(photo, (900, 700), card=LIGHT)
    left, top, right, bottom = fitted.subject_box
    assert bottom - top >= 0.85 * 700  # the product is as tall as the slot allows (with a little air)
    assert abs((left + right) / 2 - 450) < 30  # and centred


def test_a_dark_backdrop_is_cleaned_and_the_garment_is_untouched():
    # A navy kurta with a black motif, shot against a black sheet: the sheet becomes the poster's
    # light card colour; the black motif inside the garment is not "backdrop" and stays black.
    cloth, black = (40, 30, 110), (14, 12, 16)
    photo = open_photo(garment_photo(backdrop=black, cloth=cloth, motif=black))
    fitted = fit_photo(photo, (800, 800), card=LIGHT)
    assert fitted.cleaned
    image = fitted.image
    assert image.getpixel((5, 5)) == LIGHT and image.getpixel((795, 400)) == LIGHT
    left, top, right, bottom = fitted.subject_box
    cx = (left + right) // 2
    motif = image.getpixel((cx, top + round((bottom - top) * 0.55)))
    assert max(motif) < 40, motif  # still the black motif
    body = image.getpixel((cx, top + round((bottom - top) * 0.3)))
    assert all(abs(a - b) < 40 for a, b in zip(body, cloth)), body  # still the navy cloth


@pytest.mark.parametrize("size", [(800, 800), (932, 693)])
def test_the_clean_backdrop_meets_the_garments_own_edge(size):
    # The thumbnail only says roughly where the backdrop ends; along the outline each pixel is
    # judged at full size, so no ring of the black sheet (in the thumbnail's staircase) is left
    # around the garment. Rows across the body, from each side to the first cloth pixel.
    cloth, black = (40, 30, 110), (14, 12, 16)
    fitted = fit_photo(open_photo(garment_photo(backdrop=black, cloth=cloth, motif=black)), size, card=LIGHT)
    image = fitted.image
    left, top, right, bottom = fitted.subject_box
    for share in (0.2, 0.3, 0.5, 0.7, 0.85):
        row = [image.getpixel((x, top + round((bottom - top) * share))) for x in range(size[0])]
        on_cloth = [x for x, p in enumerate(row) if abs(p[2] - cloth[2]) < 25 and p[0] < 70]
        sheet = [x for x, p in enumerate(row) if max(p) < 30 and not on_cloth[0] <= x <= on_cloth[-1]]
        assert len(sheet) <= 1, (share, sheet)


def test_a_landscape_photo_fills_a_story():
    from backend.ai_services.services import poster_render

    result = poster_render(product_image=garment_photo((1600, 900), box=(0.30, 0.08, 0.62, 0.95)), title="Silk Saree",
                           price=2499, size="story")
    photo, subject = result.photo_box, result.subject_box
    assert (subject[3] - subject[1]) >= 0.8 * (photo[3] - photo[1])
    assert (photo[2] - photo[0]) * (photo[3] - photo[1]) >= 0.3 * 1080 * 1920


def test_render_poster_is_pure_drawing():
    # A spec and a decoded picture in, a picture out: no bytes, no provider, no settings.
    photo = open_photo(garment_photo())
    spec = PosterSpec.create(title="Cotton Kurta", price=899, original_price=1199, size="portrait")
    drawing = render_poster(spec=spec, photo=photo)
    assert drawing.image.size == (1080, 1350) and drawing.layout == "full"
    assert [b.text for b in drawing.text_boxes if b.role == "badge"] == ["25%", "OFF"]


def test_the_api_fields_come_from_the_one_declaration():
    serializer_fields = set(PosterInput().fields) - {"organization", "product_image", "asset_id"}
    assert serializer_fields == {f.name for f in API_FIELDS}
    assert {f.name for f in POSTER_FIELDS} - {f.name for f in API_FIELDS} == {"output_format"}
    title = PosterInput().fields["title"]
    assert title.max_length == 200
    # and what a job stores is exactly what create() takes back
    spec = PosterSpec.create(title="Kurta", price="899.50", festival="deepavali", size="portrait")
    assert PosterSpec.create(**spec.as_json()) == spec
    assert spec.as_json() == {"title": "Kurta", "price": "899.50", "festival": "diwali", "size": "portrait"}


@pytest.mark.parametrize("fields,layout", [({"price": 999}, "price"), ({"offer_text": "Buy 2 get 1"}, "offer"),
                                           ({"discount_percent": 20}, "offer"),
                                           ({"price": 999, "offer_text": "Buy 2 get 1"}, "full"),
                                           ({"price": 999, "original_price": 1299}, "full"), ({}, "plain")])
def test_the_layout_follows_what_is_given(fields, layout):
    assert PosterSpec.create(title="Kurta", **fields).layout == layout
