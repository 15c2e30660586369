"""Render the before/after example posters of docs/posters/README.md.

    .venv/bin/python docs/posters/make_examples.py after            # this checkout
    ROOT=/path/to/old/checkout .venv/bin/python docs/posters/make_examples.py before

Each case is one the poster review found (issue 12). The photos are synthetic shop shots (a
garment on a plain backdrop) made here, so the examples can be redrawn anywhere. Posters are
saved at half size (540 px wide) as JPEG to keep the repository small.
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("ROOT", HERE.parent.parent))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.test_settings")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from backend.ai_services.services import poster_render  # noqa: E402


def garment(size=(900, 1200), *, backdrop=(232, 230, 226), cloth=(176, 36, 64), border=(236, 190, 70),
            box=(0.22, 0.12, 0.78, 0.92)) -> bytes:
    w, h = size
    image = Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    cx, sw, gh = (left + right) // 2, right - left, bottom - top
    draw.polygon([(cx - sw * 0.22, top), (cx + sw * 0.22, top), (right - sw * 0.08, top + gh * 0.08), (right, top + gh * 0.32),
                  (right - sw * 0.12, top + gh * 0.36), (right - sw * 0.1, bottom), (left + sw * 0.1, bottom),
                  (left + sw * 0.12, top + gh * 0.36), (left, top + gh * 0.32), (left + sw * 0.08, top + gh * 0.08)],
                 fill=cloth)
    for y in range(int(top + gh * 0.2), bottom, max(6, gh // 30)):
        draw.line((left + sw * 0.12, y, right - sw * 0.12, y), fill=tuple(min(255, c + 25) for c in cloth), width=2)
    draw.rectangle((left + sw * 0.1, bottom - gh * 0.06, right - sw * 0.1, bottom), fill=border)
    draw.polygon([(cx - sw * 0.08, top), (cx + sw * 0.08, top), (cx, top + gh * 0.12)], fill=backdrop)
    image = image.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


PORTRAIT = garment()
DARK = garment(backdrop=(14, 12, 16), cloth=(40, 30, 70), border=(120, 90, 40))
LANDSCAPE = garment((1600, 900), box=(0.30, 0.08, 0.62, 0.95))

CASES = {
    "01-portrait-photo-square": (PORTRAIT, dict(title="Cotton Kurta", price=899, size="square")),
    "02-dark-photo": (DARK, dict(title="Velvet Kurta", price=1899, offer_text="Festive offer", size="portrait")),
    "03-landscape-photo-story": (LANDSCAPE, dict(title="Silk Saree", price=2499, original_price=3299,
                                                 discount_percent=24, size="story")),
    "04-hindi-price-vs-offer": (PORTRAIT, dict(title="बनारसी साड़ी", price=1799, offer_text="दिवाली पर भारी छूट",
                                               size="portrait", language="hi")),
    "05-diwali-gold-price": (PORTRAIT, dict(title="Banarasi Silk Saree", price=1799, original_price=2499,
                                            festival="diwali", size="portrait", shop_name="Lakshmi Textiles")),
    "06-offer-only-footer": (PORTRAIT, dict(title="Handloom Cotton Saree", offer_text="Buy 2 get 1 free", size="square")),
    "07-misleading-discount": (PORTRAIT, dict(title="Banarasi Silk Saree", price=1799, original_price=2499,
                                              discount_percent=50, size="square")),
    "07b-discount-left-out": (PORTRAIT, dict(title="Banarasi Silk Saree", price=1799, original_price=2499,
                                             size="square")),
    "08-tamil-badge": (PORTRAIT, dict(title="காஞ்சிபுரம் பட்டுப் புடவை", price=1799, original_price=2499,
                                      discount_percent=28, size="square", language="ta")),
    "09-mixed-script-title": (PORTRAIT, dict(title="Banarasi साड़ी Sale", offer_text="Flat 28% off", discount_percent=28,
                                             price=1799, original_price=2499, size="square")),
    "10-wedding-shop-name": (PORTRAIT, dict(title="Bridal Lehenga", price=12999, original_price=15999, festival="wedding",
                                            shop_name="Lakshmi Textiles", size="portrait")),
    "11-pongal-tamil": (PORTRAIT, dict(title="பட்டு வேட்டி", price=999, festival="pongal", size="portrait",
                                       language="ta", shop_name="முருகன் ஜவுளி")),
    "12-eid-hindi": (PORTRAIT, dict(title="चिकनकारी कुर्ता", price=1499, original_price=1999, festival="eid",
                                    size="square", language="hi")),
}


def main(which: str) -> None:
    out = HERE / which
    out.mkdir(exist_ok=True)
    for name, (photo, fields) in CASES.items():
        try:
            result = poster_render(product_image=photo, output_format="JPEG", **fields)
        except Exception as exc:  # an input the renderer now refuses (a 400 through the API)
            (out / f"{name}.txt").write_text(f"{type(exc).__name__}: {exc}\n")
            print(name, "refused:", exc)
            continue
        image = Image.open(io.BytesIO(result.image)).convert("RGB")
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
        image.save(out / f"{name}.jpg", "JPEG", quality=82, optimize=True)
        print(name, (out / f"{name}.jpg").stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "after")
