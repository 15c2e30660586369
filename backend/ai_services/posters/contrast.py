"""WCAG 2.x relative luminance and contrast, measured on real pixels."""
from __future__ import annotations

from PIL import Image

RGB = tuple[int, int, int]
AA_NORMAL = 4.5


def _linear(channel: int) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = [_linear(v) for v in range(256)]


def luminance(rgb: RGB) -> float:
    r, g, b = rgb[:3]
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def ratio(l1: float, l2: float) -> float:
    high, low = max(l1, l2), min(l1, l2)
    return (high + 0.05) / (low + 0.05)


def contrast(a: RGB, b: RGB) -> float:
    return ratio(luminance(a), luminance(b))


def _sorted_luminances(region: Image.Image) -> list[tuple[float, int]]:
    rgb = region.convert("RGB")
    colours = rgb.getcolors(rgb.width * rgb.height) or []
    return sorted((luminance(c), n) for n, c in colours)


def _trimmed(lums: list[tuple[float, int]], trim: float) -> list[float]:
    total = sum(n for _, n in lums)
    skip = int(total * trim)
    kept: list[float] = []
    seen = 0
    for lum, n in lums:
        seen += n
        if seen > skip and seen - n < total - skip:
            kept.append(lum)
    return kept or [lum for lum, _ in lums]


def luminance_range(region: Image.Image, *, trim: float = 0.0) -> tuple[float, float]:
    """(darkest, lightest) luminance among the region's pixels, ignoring a `trim` share of
    pixels at each end (0 = strict)."""
    kept = _trimmed(_sorted_luminances(region), trim)
    return kept[0], kept[-1]


def backdrop_luminances(region: Image.Image, *, trim: float = 0.0) -> list[float]:
    """The luminances of the region's pixels, darkest first (read once, tried against several colours)."""
    return _trimmed(_sorted_luminances(region), trim)


def worst_contrast(text_rgb: RGB, region: Image.Image | list[float], *, trim: float = 0.0) -> float:
    """The lowest contrast between `text_rgb` and any pixel of `region` (the backdrop, or its
    backdrop_luminances)."""
    lt = luminance(text_rgb)
    lums = region if isinstance(region, list) else backdrop_luminances(region, trim=trim)
    return min(ratio(lt, lum) for lum in lums)
