"""Median time to render each poster size with the offline provider.

    cd /work/wt4 && DJANGO_SETTINGS_MODULE=backend.test_settings /work/venv/bin/python bench/poster_bench.py [runs]
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from backend.ai_services.posters import SIZES, PosterSpec, render_poster  # noqa: E402
from backend.ai_services.providers import get_provider  # noqa: E402


def photo(width: int = 3000, height: int = 4000) -> bytes:
    """A phone-sized (12 MP) JPEG, like a shop owner's upload."""
    image = Image.new("RGB", (width, height), (176, 36, 64))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 60):
        draw.line((x, 0, x, height), fill=(236, 190, 70), width=14)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def main(runs: int = 5) -> None:
    settings.AI_POSTER_RESTYLE = False
    provider = get_provider("offline")
    data = photo()
    cases = [
        ("en", "diwali", "Banarasi Silk Saree Festive Collection"),
        ("hi", "wedding", "बनारसी सिल्क साड़ी शादी कलेक्शन"),
        ("ta", "pongal", "காஞ்சிபுரம் பட்டுப் புடவை"),
    ]
    render_poster(product_image=data, spec=PosterSpec(title="warm-up"), provider=provider)  # font caches
    print(f"{'size':<9} {'pixels':>10} {'median ms':>10} {'min ms':>8} {'max ms':>8}  (runs={runs}, 12 MP JPEG input)")
    for size, (width, height) in SIZES.items():
        times = []
        for i in range(runs):
            language, festival, title = cases[i % len(cases)]
            spec = PosterSpec(title=title, offer_text="Flat 30% off", discount_percent=30, price=1499,
                              original_price=2199, shop_name="Lakshmi Textiles", festival=festival,
                              language=language, size=size)
            started = time.perf_counter()
            render_poster(product_image=data, spec=spec, provider=provider)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{size:<9} {width}x{height:<5} {statistics.median(times):>10.0f} {min(times):>8.0f} {max(times):>8.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
