"""Median time to draw each poster size, against a bare Pillow baseline measured in the same run.

    DJANGO_SETTINGS_MODULE=backend.test_settings .venv/bin/python bench/poster_bench.py [runs]

The input is a phone-sized (12 MP) JPEG of a garment on a plain backdrop, the usual shop photo
(the full path: decode, subject detection, backdrop clean-up, crop, layout, text, JPEG encode).
The baseline is the naive way to make any picture of the poster's size: Pillow opening the same
JPEG, decoding it whole, resizing it to the poster's size and saving it as JPEG (the poster
decodes at a reduced JPEG scale, so it may beat it). The machine is shared, so the load average
is printed, the ratio poster/baseline is the figure to compare between runs, and the poster's
own CPU time (process time, which other processes' load inflates much less than wall time) is
printed last; the goal is a portrait median under 150 ms on an idle machine.
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
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from backend.ai_services.posters import SIZES, PosterSpec  # noqa: E402
from backend.ai_services.services import poster_render  # noqa: E402


def photo(width: int = 3000, height: int = 4000) -> bytes:
    """A 12 MP JPEG: a kurta-shaped garment with a woven pattern on a plain, softly lit wall."""
    image = Image.new("RGB", (width, height), (232, 230, 226))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = int(width * 0.22), int(height * 0.12), int(width * 0.78), int(height * 0.92)
    cx, sw, gh = (left + right) // 2, right - left, bottom - top
    draw.polygon([(cx - sw * 0.22, top), (cx + sw * 0.22, top), (right, top + gh * 0.32), (right - sw * 0.1, bottom),
                  (left + sw * 0.1, bottom), (left, top + gh * 0.32)], fill=(176, 36, 64))
    for y in range(top, bottom, 40):
        draw.line((left + sw * 0.12, y, right - sw * 0.12, y), fill=(236, 190, 70), width=10)
    image = image.filter(ImageFilter.GaussianBlur(2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def baseline(data: bytes, size: tuple[int, int]) -> None:
    image = Image.open(io.BytesIO(data))
    image = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    image.save(io.BytesIO(), "JPEG", quality=90)


CASES = [
    ("en", "diwali", "Banarasi Silk Saree Festive Collection", "Flat 28% off"),
    ("hi", "wedding", "बनारसी सिल्क साड़ी शादी कलेक्शन", "28% की छूट"),
    ("ta", "pongal", "காஞ்சிபுரம் பட்டுப் புடவை", "28% தள்ளுபடி"),
]


def main(runs: int = 9) -> None:
    settings.AI_POSTER_RESTYLE = False
    data = photo()
    poster_render(product_image=data, spec=PosterSpec.create(title="warm-up"))  # font caches
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}; cpus: {os.cpu_count()}")
    print(f"{'size':<9} {'pixels':>10} {'poster ms':>10} {'baseline ms':>12} {'ratio':>6} {'poster cpu ms':>14}"
          f"  (median of {runs}, 12 MP JPEG input)")
    for size, (width, height) in SIZES.items():
        times, base, cpu = [], [], []
        for i in range(runs):
            language, festival, title, offer = CASES[i % len(CASES)]
            spec = PosterSpec.create(title=title, offer_text=offer, price=1799, original_price=2499,
                                     shop_name="Lakshmi Textiles", festival=festival, language=language, size=size)
            started = time.perf_counter()
            baseline(data, (width, height))
            base.append((time.perf_counter() - started) * 1000)
            started, started_cpu = time.perf_counter(), time.process_time()
            poster_render(product_image=data, spec=spec)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        poster_ms, base_ms = statistics.median(times), statistics.median(base)
        print(f"{size:<9} {width}x{height:<5} {poster_ms:>10.0f} {base_ms:>12.0f} {poster_ms / base_ms:>6.2f}"
              f" {statistics.median(cpu):>14.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
