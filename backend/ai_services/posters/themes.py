"""Festival themes: background colours, a drawn pattern, and accent/card colours."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    key: str
    bg_top: RGB
    bg_bottom: RGB
    pattern: tuple[RGB, ...]
    accent: RGB  # discount badge
    card: RGB  # price/offer card and photo frame
    dark_panel: RGB  # backing panel behind light text when the background is busy
    light_panel: RGB
    motif: str
    badge: RGB  # the discount tag (white or ink text on it reaches AA)


def _hex(value: str) -> RGB:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _theme(key, top, bottom, pattern, accent, card, dark, light, motif, badge) -> Theme:
    return Theme(key, _hex(top), _hex(bottom), tuple(_hex(p) for p in pattern), _hex(accent), _hex(card),
                 _hex(dark), _hex(light), motif, _hex(badge))


THEMES: dict[str, Theme] = {
    # Diwali and Eid: dark cards so the gold price reads as gold (gold on cream fails AA).
    "diwali": _theme("diwali", "#4A0E2A", "#8C1C13", ["#F4B942", "#FFD27F"], "#F4B942", "#3B0A1F", "#3B0A1F", "#FFF4DC", "diyas", "#C62828"),
    "eid": _theme("eid", "#0B3D2E", "#14532D", ["#E9D8A6", "#F1E3B5"], "#E9C46A", "#062A1F", "#062A1F", "#FDF8EC", "crescents", "#9A3412"),
    "pongal": _theme("pongal", "#FFF0B8", "#F9C74F", ["#2D6A4F", "#D62828"], "#B4161B", "#FFFFFF", "#1B4332", "#FFFFFF", "kolam", "#1B4332"),
    "onam": _theme("onam", "#FFF8E7", "#FDE2A7", ["#E85D04", "#FFBA08", "#2B9348"], "#1F7A3A", "#FFFFFF", "#5A3300", "#FFFFFF", "pookalam", "#B45309"),
    "christmas": _theme("christmas", "#B91C1C", "#7F1D1D", ["#FFFFFF", "#FDE68A"], "#166534", "#FFFFFF", "#450A0A", "#FFFFFF", "snow", "#166534"),
    "wedding": _theme("wedding", "#FFF1E6", "#FFD6A5", ["#E76F51", "#F4A261", "#9D0208", "#2D6A4F"], "#9D0208", "#FFFFFF", "#5C0A0A", "#FFFFFF", "marigold", "#9D0208"),
    "holi": _theme("holi", "#FDF2F8", "#E0F2FE", ["#EC4899", "#8B5CF6", "#22C55E", "#F59E0B", "#0EA5E9"], "#7C3AED", "#FFFFFF", "#3B0764", "#FFFFFF", "splash", "#BE185D"),
    "navratri": _theme("navratri", "#FFF3B0", "#E09F3E", ["#9E2A2B", "#540B0E"], "#540B0E", "#FFFFFF", "#3D0709", "#FFFFFF", "diamonds", "#9E2A2B"),
    "default": _theme("default", "#F8FAFC", "#E2E8F0", ["#94A3B8", "#CBD5E1"], "#B91C1C", "#FFFFFF", "#1E293B", "#FFFFFF", "stripes", "#B91C1C"),
}
FESTIVALS = tuple(k for k in THEMES if k != "default")
ALIASES = {"deepavali": "diwali", "ramzan": "eid", "ramadan": "eid", "eid-ul-fitr": "eid", "xmas": "christmas",
           "shaadi": "wedding", "marriage": "wedding", "dussehra": "navratri", "durga-puja": "navratri"}


def theme_for(festival: str | None) -> Theme:
    if not festival:
        return THEMES["default"]
    key = ALIASES.get(festival, festival)
    return THEMES[key]


TILE = 120  # px: the motif layer is blended in tiles of this side


def draw_background(size: tuple[int, int], theme: Theme, *, seed: int) -> Image.Image:
    width, height = size
    # A vertical gradient: one column mixed, then repeated across (every row is one colour).
    mask = Image.linear_gradient("L").resize((1, height))
    column = Image.composite(Image.new("RGB", (1, height), theme.bg_bottom), Image.new("RGB", (1, height), theme.bg_top), mask)
    base = column.resize(size, Image.Resampling.NEAREST)
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    rng = random.Random(seed)
    _MOTIFS[theme.motif](draw, width, height, theme, rng)
    # Motifs sit in the outer band: the overlay is blended tile by tile, where it has ink.
    alpha = overlay.getchannel("A")
    for y in range(0, height, TILE):
        for x in range(0, width, TILE):
            ink = alpha.crop((x, y, min(x + TILE, width), min(y + TILE, height))).getbbox()
            if ink:
                box = (x + ink[0], y + ink[1], x + ink[2], y + ink[3])
                base.paste(overlay.crop(box), box, alpha.crop(box))
    return base


def _rgba(rgb: RGB, alpha: int) -> tuple[int, int, int, int]:
    return (*rgb, alpha)


def _edge_points(width: int, height: int, step: int, band: float):
    """Grid points in the outer band of the canvas, where motifs sit behind the layout."""
    for y in range(step // 2, height, step):
        for x in range(step // 2, width, step):
            # The sides and the foot; at the top only the thin margin (the greeting sits below it).
            side = x < width * band or x > width * (1 - band)
            if (side and y > height * 0.2) or y > height * (1 - band) or y < height * 0.04:
                yield x, y


def _diyas(draw, w, h, theme, rng):
    gold, light = theme.pattern[0], theme.pattern[1]
    s = w // 22
    for x, y in _edge_points(w, h, s * 4, 0.12):
        draw.chord((x - s, y - s // 2, x + s, y + s), 0, 180, fill=_rgba(gold, 150))
        draw.ellipse((x - s // 4, y - s, x + s // 4, y - s // 4), fill=_rgba(light, 190))
    for x, y in _edge_points(w, h, s * 2, 0.05):
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=_rgba(gold, 110))


def _star(draw, cx, cy, r, fill):
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _crescents(draw, w, h, theme, rng):
    ink = theme.pattern[0]
    s = w // 20
    # A crescent moon and a star in the top corners, beside the greeting.
    r = w // 22
    cx, cy = round(w * 0.075), round(h * 0.06)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(ink, 220))
    draw.ellipse((cx - r // 2, cy - r, cx + r * 3 // 2, cy + r), fill=(0, 0, 0, 0))
    _star(draw, w - cx, cy, r * 0.7, _rgba(ink, 220))
    for i, (x, y) in enumerate(_edge_points(w, h, s * 4, 0.12)):
        if i % 2 == 0:
            draw.ellipse((x - s, y - s, x + s, y + s), fill=_rgba(ink, 120))
            draw.ellipse((x - s // 2, y - s, x + s * 3 // 2, y + s), fill=(0, 0, 0, 0))
        else:
            _star(draw, x, y, s * 0.6, _rgba(ink, 130))


def _kolam(draw, w, h, theme, rng):
    green, red = theme.pattern[0], theme.pattern[1]
    s = w // 24
    for x, y in _edge_points(w, h, s * 2, 0.1):
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=_rgba(red, 140))
        draw.arc((x - s, y - s, x + s, y + s), 200, 340, fill=_rgba(green, 130), width=3)
    for x in (w // 40, w - w // 40):  # sugarcane at the sides
        draw.line((x, 0, x, h), fill=_rgba(green, 150), width=w // 60)
        for y in range(0, h, h // 12):
            draw.line((x - w // 60, y, x + w // 60, y), fill=_rgba(theme.bg_bottom, 200), width=3)


def _pookalam(draw, w, h, theme, rng):
    for cx, cy in ((0, 0), (w, 0), (0, h), (w, h)):
        r = w // 4
        for i, colour in enumerate(theme.pattern * 2):
            rr = r - i * r // 6
            if rr <= 0:
                break
            draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=_rgba(colour, 120))
        for k in range(16):
            a = k * math.pi / 8
            px, py = cx + r * 1.1 * math.cos(a), cy + r * 1.1 * math.sin(a)
            draw.ellipse((px - r // 10, py - r // 10, px + r // 10, py + r // 10), fill=_rgba(theme.pattern[0], 100))


def _snow(draw, w, h, theme, rng):
    white = theme.pattern[0]
    s = w // 30
    for x, y in _edge_points(w, h, s * 4, 0.12):
        x += rng.randint(-s, s)
        y += rng.randint(-s, s)
        for k in range(3):
            a = k * math.pi / 3
            dx, dy = s * math.cos(a), s * math.sin(a)
            draw.line((x - dx, y - dy, x + dx, y + dy), fill=_rgba(white, 150), width=3)
    for x, y in _edge_points(w, h, s * 7, 0.06):
        _star(draw, x, y, s * 0.5, _rgba(theme.pattern[1], 170))


def _marigold_ball(draw, x, y, r, colour, rng):
    """A marigold seen from the side: a ruffled ball of petals with a darker heart."""
    dark = tuple(max(0, c - 60) for c in colour)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(colour, 235))
    for k in range(8):
        a = k * math.pi / 4 + rng.random() * 0.3
        px, py = x + r * 0.62 * math.cos(a), y + r * 0.62 * math.sin(a)
        draw.ellipse((px - r * 0.32, py - r * 0.32, px + r * 0.32, py + r * 0.32), fill=_rgba(dark, 120))
    draw.ellipse((x - r * 0.3, y - r * 0.3, x + r * 0.3, y + r * 0.3), fill=_rgba(dark, 200))


def _marigold(draw, w, h, theme, rng):
    """A toran: a string of marigolds along the top edge with mango leaves, and strands
    hanging down both sides, all inside the margins (no text is drawn over them)."""
    orange, yellow, leaf = (244, 140, 6), (255, 186, 8), (45, 106, 79)
    r = max(8, w // 72)
    margin = round(w * 0.06)
    y = margin // 2
    draw.line((0, y, w, y), fill=_rgba(leaf, 200), width=3)
    for i, x in enumerate(range(r, w, r * 2)):
        if i % 5 == 2:  # a mango leaf hanging from the string
            draw.polygon([(x - r * 0.5, y), (x + r * 0.5, y), (x, y + r * 2.4)], fill=_rgba(leaf, 230))
        else:
            _marigold_ball(draw, x, y, r, orange if i % 2 else yellow, rng)
    for x in (margin // 2, w - margin // 2):
        draw.line((x, y, x, int(h * 0.45)), fill=_rgba(leaf, 200), width=3)
        for j, yy in enumerate(range(y + r * 2, int(h * 0.45), r * 2)):
            _marigold_ball(draw, x, yy, r, orange if j % 2 else yellow, rng)


def _splash(draw, w, h, theme, rng):
    for x, y in _edge_points(w, h, w // 8, 0.14):
        colour = theme.pattern[rng.randrange(len(theme.pattern))]
        r = rng.randint(w // 40, w // 18)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(colour, 110))


def _diamonds(draw, w, h, theme, rng):
    s = w // 18
    for i, (x, y) in enumerate(_edge_points(w, h, s * 2, 0.1)):
        colour = theme.pattern[i % len(theme.pattern)]
        draw.polygon([(x, y - s // 2), (x + s // 2, y), (x, y + s // 2), (x - s // 2, y)], outline=_rgba(colour, 140), width=3)


def _stripes(draw, w, h, theme, rng):
    step = w // 14
    for k in range(-h, w, step):
        draw.line((k, 0, k + h, h), fill=_rgba(theme.pattern[0], 40), width=step // 3)


_MOTIFS = {
    "diyas": _diyas,
    "crescents": _crescents,
    "kolam": _kolam,
    "pookalam": _pookalam,
    "snow": _snow,
    "marigold": _marigold,
    "splash": _splash,
    "diamonds": _diamonds,
    "stripes": _stripes,
}
