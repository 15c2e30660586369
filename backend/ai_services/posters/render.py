"""Drawing an offer poster: pure layout and drawing, a validated spec and a decoded photo in,
a picture out (`render_poster`). Validation, the AI provider and encoding live in the service
(`backend.ai_services.services.poster_render`).

The layout adapts to what the shop gave (`PosterSpec.layout`):

- **full** (a price and an offer): the price is the hero of the footer card, the struck original
  price under it, the offer line beside it; the discount badge sits on the photo's corner.
- **price**: the price, large, beside the product name (or alone).
- **offer**: the offer line (or the discount) is the hero of the card.
- **plain**: no card; the photo takes the room.

The headline is the festival's greeting in the poster's language (drawn in the script's
display face) or, without a festival, the title. The price is the largest text after the
headline: every other element is capped to the price's glyph height. The photo is cropped around
its subject to fill its slot (photo.py). Every piece of text stays inside the safe margins and
reaches WCAG AA contrast on the pixels around it (a backing panel is added where it would not).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .. import lexicon
from ..text import is_grapheme_boundary
from . import fonts as font_lib
from .contrast import AA_NORMAL, RGB, backdrop_luminances, contrast, luminance, worst_contrast
from .errors import InvalidPosterSpec
from .photo import find_subject, fit_photo
from .spec import SIZES, PosterSpec
from .themes import Theme, draw_background, theme_for

log = logging.getLogger(__name__)

SAFE_MARGIN = 0.06  # of the width, on every side
STORY_TOP, STORY_BOTTOM = 0.10, 0.12  # Stories overlay the account name on top and a reply bar below
RING = 6  # pixels around the ink that count as "behind the text"
WHITE: RGB = (255, 255, 255)
INK: RGB = (17, 17, 17)
X_GLYPH = {"latn": "x", "deva": "क", "taml": "க"}
BADGE_X_HEIGHT = 0.032  # of the canvas height: legible in every script (the issue asks >= 3%)


@dataclass(frozen=True)
class TextBox:
    role: str  # greeting, title, shop_name, badge, price, original_price, offer, contact
    text: str
    box: tuple[int, int, int, int]  # the ink's bounding box (left, top, right, bottom)
    font_size: int
    fonts: tuple[str, ...]
    color: RGB
    contrast: float  # worst case against every backdrop pixel within RING px of the ink
    panel: bool  # a backing panel was added to reach AA
    lines: int
    line_ink: int = 0  # the tallest line's glyph height in pixels
    x_height: int = 0  # x-height of the text's letters in pixels (x, क, க)


@dataclass(frozen=True)
class Drawing:
    """What render_poster drew: the picture and where everything is on it."""

    image: Image.Image
    layout: str
    layout_engine: str
    fonts: tuple[str, ...]
    text_boxes: tuple[TextBox, ...]
    safe_box: tuple[int, int, int, int]
    photo_box: tuple[int, int, int, int]
    subject_box: tuple[int, int, int, int]  # the product inside the photo, on the canvas
    backdrop_cleaned: bool


# --- text layout ----------------------------------------------------------------------------


@dataclass
class _Line:
    runs: list[font_lib.Run]
    width: float


@dataclass
class _Block:
    lines: list[_Line]
    size: int
    line_height: int
    ascent: int


class _Typesetter:
    """Measures and shapes text for one poster. Fitting tries the same lines at the same sizes
    many times (the size search, then balancing the lines), so every run's split, advance and
    ink box is remembered for the poster's lifetime (not longer: the next poster has new text)."""

    def __init__(self, engine: ImageFont.Layout) -> None:
        self.engine = engine
        self._runs: dict[tuple[str, tuple[str, ...]], list[font_lib.Run]] = {}
        self._advances: dict[tuple[font_lib.Run, int], float] = {}
        self._boxes: dict[tuple[font_lib.Run, int], tuple[int, int, int, int]] = {}

    def font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        return font_lib.get_font(path, size, self.engine)

    def shaping(self, run: font_lib.Run) -> dict[str, str]:
        """The language RAQM shapes the run for (Devanagari and Tamil forms differ per language)."""
        return {"language": run.language} if run.language and self.engine == ImageFont.Layout.RAQM else {}

    def runs(self, text: str, stack: list[str]) -> list[font_lib.Run]:
        key = (text, tuple(stack))
        if key not in self._runs:
            self._runs[key] = font_lib.split_runs(text, stack)
        return self._runs[key]

    def advance(self, run: font_lib.Run, size: int) -> float:
        key = (run, size)
        if key not in self._advances:
            self._advances[key] = self.font(run.path, size).getlength(run.text, **self.shaping(run))
        return self._advances[key]

    def ink(self, run: font_lib.Run, size: int) -> tuple[int, int, int, int]:
        """The run's ink box relative to its baseline origin."""
        key = (run, size)
        if key not in self._boxes:
            self._boxes[key] = self.font(run.path, size).getbbox(run.text, anchor="ls", **self.shaping(run))
        return self._boxes[key]

    def width(self, runs: list[font_lib.Run], size: int) -> float:
        return sum(self.advance(run, size) for run in runs)

    def metrics(self, stack: list[str], size: int) -> tuple[int, int]:
        ascent = descent = 0
        for path in stack:
            a, d = self.font(path, size).getmetrics()
            ascent, descent = max(ascent, a), max(descent, d)
        return ascent, descent

    def wrap(self, text: str, stack: list[str], size: int, max_width: float) -> list[_Line]:
        words = text.split(" ")
        lines: list[_Line] = []
        current = ""
        for word in words:
            trial = f"{current} {word}" if current else word
            runs = self.runs(trial, stack)
            if self.width(runs, size) <= max_width:
                current = trial
                continue
            if current:
                lines.append(self._line(current, stack, size))
            # A word wider than the box is broken at grapheme boundaries.
            current = ""
            piece = ""
            for i, ch in enumerate(word):
                candidate = piece + ch
                boundary = is_grapheme_boundary(word, i + 1)
                if boundary and piece and self.width(self.runs(candidate, stack), size) > max_width:
                    lines.append(self._line(piece, stack, size))
                    piece = ch
                else:
                    piece = candidate
            current = piece
        if current:
            lines.append(self._line(current, stack, size))
        return lines

    def _line(self, text: str, stack: list[str], size: int) -> _Line:
        runs = self.runs(text, stack)
        return _Line(runs=runs, width=self.width(runs, size))

    def fit(self, text: str, stack: list[str], box: tuple[int, int, int, int], *, max_size: int, min_size: int,
            max_lines: int) -> _Block:
        """The largest size (binary search) at which `text` wraps into `box` in at most
        `max_lines` lines; at the minimum size, the last line is ellipsized."""
        width, height = box[2] - box[0], box[3] - box[1]

        def attempt(size: int) -> _Block | None:
            ascent, descent = self.metrics(stack, size)
            line_height = int((ascent + descent) * 1.08)
            lines = self.wrap(text, stack, size, width)
            if len(lines) <= max_lines and line_height * len(lines) <= height and all(l.width <= width for l in lines):
                return _Block(lines, size, line_height, ascent)
            return None

        lo, hi, best = min_size, max_size, None
        if max_size >= min_size and (block := attempt(max_size)):  # it fits whole (prices, short lines)
            best, lo = block, max_size + 1
        while lo <= hi:
            mid = (lo + hi) // 2
            block = attempt(mid)
            if block:
                best, lo = block, mid + 1
            else:
                hi = mid - 1
        if best:
            return self._balanced(text, stack, best, width)
        return self._ellipsized(text, stack, box, min_size, max_lines)

    def _balanced(self, text: str, stack: list[str], block: _Block, width: int) -> _Block:
        """Same size and line count, but lines of even length ("Flat 30% off / this week"
        rather than "Flat 30% off this / week"): the narrowest width that keeps the count."""
        count = len(block.lines)
        if count < 2:
            return block
        lo, hi, best = int(width * 0.4), width, block.lines
        while hi - lo > 4:
            mid = (lo + hi) // 2
            lines = self.wrap(text, stack, block.size, mid)
            whole_words = " ".join("".join(r.text for r in line.runs) for line in lines) == text
            if len(lines) == count and whole_words and all(line.width <= mid for line in lines):
                best, hi = lines, mid
            else:
                lo = mid
        return _Block(best, block.size, block.line_height, block.ascent)

    def _ellipsized(self, text, stack, box, size, max_lines) -> _Block:
        width, height = box[2] - box[0], box[3] - box[1]
        ascent, descent = self.metrics(stack, size)
        line_height = int((ascent + descent) * 1.08)
        max_lines = max(1, min(max_lines, height // max(line_height, 1)))
        lines = self.wrap(text, stack, size, width)[:max_lines]
        last = "".join(r.text for r in lines[-1].runs)
        while True:
            candidate = last.rstrip(" ,;:-") + "…"
            line = self._line(candidate, stack, size)
            if line.width <= width or not last:
                lines[-1] = line
                break
            cut = len(last) - 1
            while cut > 0 and not is_grapheme_boundary(last, cut):
                cut -= 1
            last = last[:cut]
        return _Block(lines, size, line_height, ascent)


# --- drawing --------------------------------------------------------------------------------


class _Poster:
    def __init__(self, spec: PosterSpec, theme: Theme, engine: ImageFont.Layout) -> None:
        self.spec = spec
        self.theme = theme
        self.width, self.height = SIZES[spec.size]
        self.margin = round(self.width * SAFE_MARGIN)
        top = self.margin if spec.size != "story" else round(self.height * STORY_TOP)
        bottom = self.margin if spec.size != "story" else round(self.height * STORY_BOTTOM)
        self.safe = (self.margin, top, self.width - self.margin, self.height - bottom)
        self.typesetter = _Typesetter(engine)
        self.boxes: list[TextBox] = []
        self.fonts_used: list[str] = []

    def stack(self, text: str, weight: str) -> list[str]:  # noqa: D102
        scripts = font_lib.scripts_in(text)
        return font_lib.font_stack(scripts=scripts, weight=weight)

    def draw_text(self, canvas: Image.Image, role: str, text: str, box: tuple[int, int, int, int], *,
                  weight: str = "bold", max_size: int, min_size: int, max_lines: int, align: str = "center",
                  strike: bool = False, prefer: RGB | None = None, max_line_ink: int | None = None,
                  fill: RGB | None = None) -> TextBox:
        stack = self.stack(text, weight)
        block = self.typesetter.fit(text, stack, box, max_size=max_size, min_size=min_size, max_lines=max_lines)
        while max_line_ink is not None and self._line_ink(block) > max_line_ink and block.size > min_size:
            # Keep this text's glyphs no taller than the element above it in the hierarchy.
            smaller = max(min_size, block.size - max(1, block.size // 12))
            block = self.typesetter.fit(text, stack, box, max_size=smaller, min_size=min(min_size, smaller),
                                        max_lines=max_lines)
        # Draw into a mask covering the box (and a margin for overhanging glyphs) only.
        margin = block.size
        origin = (max(0, box[0] - margin), max(0, box[1] - margin))
        region = (origin[0], origin[1], min(canvas.width, box[2] + margin), min(canvas.height, box[3] + margin))
        mask = Image.new("L", (region[2] - region[0], region[3] - region[1]), 0)
        draw = ImageDraw.Draw(mask)
        block_height = block.line_height * len(block.lines)
        y = box[1] + (box[3] - box[1] - block_height) // 2 + block.ascent - origin[1]
        used: list[str] = []
        for line in block.lines:
            if align == "center":
                x = box[0] + ((box[2] - box[0]) - line.width) / 2 - origin[0]
            elif align == "right":
                x = box[2] - line.width - origin[0]
            else:
                x = box[0] - origin[0]
            for run in line.runs:
                font = self.typesetter.font(run.path, block.size)
                draw.text((x, y), run.text, font=font, fill=255, anchor="ls", **self.typesetter.shaping(run))
                x += self.typesetter.advance(run, block.size)
                name = run.path.rsplit("/", 1)[-1]
                if name not in used:
                    used.append(name)
            y += block.line_height
        local = mask.getbbox()
        if local is None:
            raise InvalidPosterSpec("Nothing to draw.", field=role)
        if strike:
            mid = (local[1] + local[3]) // 2
            thickness = max(2, block.size // 12)
            draw.rectangle((local[0], mid - thickness // 2, local[2], mid + thickness // 2), fill=255)
            local = mask.getbbox()
        drawn = (local[0] + origin[0], local[1] + origin[1], local[2] + origin[0], local[3] + origin[1])
        # Clamp: text never leaves the safe area (fit() guarantees it; this is the backstop).
        ink = (max(drawn[0], self.safe[0]), max(drawn[1], self.safe[1]), min(drawn[2], self.safe[2]),
               min(drawn[3], self.safe[3]))
        if fill is not None:  # a colour chosen by the caller on a surface it drew (the badge)
            color, ratio, panel = fill, worst_contrast(fill, self._backdrop(canvas, ink)), False
        else:
            color, ratio, panel = self._ensure_contrast(canvas, ink, block.size, prefer)
        canvas.paste(color, drawn, mask.crop(local))  # the mask is empty outside the ink
        for name in used:
            if name not in self.fonts_used:
                self.fonts_used.append(name)
        result = TextBox(role=role, text=text, box=ink, font_size=block.size, fonts=tuple(used), color=color,
                         contrast=round(ratio, 2), panel=panel, lines=len(block.lines),
                         line_ink=self._line_ink(block), x_height=self._x_height(block))
        self.boxes.append(result)
        return result

    def _line_ink(self, block: _Block) -> int:
        """The tallest line's ink (ascender to descender) in pixels."""
        tallest = 0
        for line in block.lines:
            top = bottom = 0
            for run in line.runs:
                if not run.text.strip():
                    continue
                b = self.typesetter.ink(run, block.size)
                top, bottom = min(top, b[1]), max(bottom, b[3])
            tallest = max(tallest, bottom - top)
        return tallest

    def _x_height(self, block: _Block) -> int:
        """The x-height of the text's letters: the ink height of x, क or க in the font of each
        run with letters (the smallest, so the weakest script decides)."""
        heights = []
        for line in block.lines:
            for run in line.runs:
                script = (font_lib.scripts_in(run.text) or ["latn"])[0]
                if not any(ch.isalpha() for ch in run.text):
                    continue
                heights.append(font_lib.glyph_height(run.path, block.size, self.typesetter.engine, X_GLYPH[script]))
        return min(heights) if heights else 0

    def _backdrop(self, canvas: Image.Image, ink: tuple[int, int, int, int]) -> Image.Image:
        area = (max(0, ink[0] - RING), max(0, ink[1] - RING), min(canvas.width, ink[2] + RING), min(canvas.height, ink[3] + RING))
        return canvas.crop(area)

    def _best_colour(self, backdrop: Image.Image, prefer: RGB | None) -> tuple[RGB, float]:
        candidates = [c for c in (prefer, WHITE, INK) if c]
        lums = backdrop_luminances(backdrop)
        scored = [(worst_contrast(c, lums), c) for c in candidates]
        if prefer and scored[0][0] >= AA_NORMAL:
            return prefer, scored[0][0]
        ratio, colour = max(scored)
        return colour, ratio

    def _ensure_contrast(self, canvas: Image.Image, ink, size: int, prefer: RGB | None) -> tuple[RGB, float, bool]:
        colour, ratio = self._best_colour(self._backdrop(canvas, ink), prefer)
        if ratio >= AA_NORMAL:
            return colour, ratio, False
        # The backdrop is too busy or mid-toned: add a solid backing panel and measure again.
        backdrop = self._backdrop(canvas, ink)
        mean = backdrop.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
        panel_colour = self.theme.dark_panel if luminance(mean) < 0.3 else self.theme.light_panel
        pad = max(RING + 4, size // 4)
        rect = (ink[0] - pad, ink[1] - pad, ink[2] + pad, ink[3] + pad)
        ImageDraw.Draw(canvas).rounded_rectangle(rect, radius=pad, fill=panel_colour)
        colour, ratio = self._best_colour(self._backdrop(canvas, ink), None)
        if ratio < AA_NORMAL:  # a theme colour that fails: fall back to black on white
            ImageDraw.Draw(canvas).rounded_rectangle(rect, radius=pad, fill=WHITE)
            colour, ratio = self._best_colour(self._backdrop(canvas, ink), None)
        return colour, ratio, True


SHADOW_SCALE = 4  # the soft shadow is drawn and blurred at a quarter of the size: it has no detail


def _shadowed_card(canvas: Image.Image, rect: tuple[int, int, int, int], *, fill: RGB, radius: int) -> None:
    """A rounded card with a soft shadow falling a little below it."""
    pad = radius * 2
    w, h = rect[2] - rect[0] + 2 * pad, rect[3] - rect[1] + 2 * pad
    k = SHADOW_SCALE
    shade = Image.new("L", (-(-w // k), -(-h // k)), 0)
    ImageDraw.Draw(shade).rounded_rectangle(
        ((pad) / k, (pad + radius // 2) / k, (w - pad) / k, (h - pad + radius // 2) / k), radius=radius / k, fill=90)
    shade = shade.filter(ImageFilter.BoxBlur(max(1, radius // 2) / k))
    # The card hides the shadow under it: only the band around its edge (and rounded corners)
    # is scaled up and painted.
    edge = pad + radius
    x0, y0 = rect[0] - pad, rect[1] - pad
    for band in ((0, 0, w, edge), (0, h - edge, w, h), (0, edge, edge, h - edge), (w - edge, edge, w, h - edge)):
        bw, bh = band[2] - band[0], band[3] - band[1]
        if bw <= 0 or bh <= 0:
            continue
        piece = shade.resize((bw, bh), Image.Resampling.BILINEAR, box=tuple(v / k for v in band))
        canvas.paste((0, 0, 0), (x0 + band[0], y0 + band[1], x0 + band[2], y0 + band[3]), piece)
    ImageDraw.Draw(canvas).rounded_rectangle(rect, radius=radius, fill=fill)


def _rounded_paste(canvas: Image.Image, picture: Image.Image, at: tuple[int, int], radius: int) -> None:
    """`picture` on `canvas` with rounded corners. The mask is opaque but for the corners: the
    picture is pasted whole, then each corner square is restored and pasted through the mask."""
    w, h = picture.size
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
    r = min(radius + 1, w // 2, h // 2)
    corners = [(x, y, x + r, y + r) for x in (0, w - r) for y in (0, h - r)]
    under = [canvas.crop((at[0] + c[0], at[1] + c[1], at[0] + c[2], at[1] + c[3])) for c in corners]
    canvas.paste(picture, at)
    for corner, saved in zip(corners, under):
        spot = (at[0] + corner[0], at[1] + corner[1])
        canvas.paste(saved, spot)
        canvas.paste(picture.crop(corner), spot, mask.crop(corner))


def language_of(spec: PosterSpec) -> str:
    """The poster's language: given, or the script with most letters in the title and offer
    (a mixed "Banarasi साड़ी Sale" with an English offer is English, so is its badge)."""
    if spec.language:
        return spec.language
    counts = {"latn": 0, "deva": 0, "taml": 0}
    for ch in " ".join(filter(None, [spec.title, spec.offer_text])):
        if not ch.isalpha():
            continue
        scripts = font_lib.scripts_in(ch)
        counts[scripts[0] if scripts else "latn"] += 1
    best = max(counts, key=lambda k: counts[k])
    return {"deva": "hi", "taml": "ta"}.get(best, "en") if counts[best] else "en"


def badge_lines(spec: PosterSpec, language: str) -> tuple[str, str]:
    return f"{spec.discount_percent}%", lexicon.BADGE_WORD[language]


def poster_texts(spec: PosterSpec) -> list[str]:
    """Every string the poster may draw (for checking fonts and shaping before drawing)."""
    language = language_of(spec)
    texts = [spec.title, spec.offer_text or "", spec.shop_name or "", spec.contact or ""]
    if spec.festival:
        texts.append(lexicon.GREETINGS[spec.festival][language])
    if spec.discount_percent:
        texts.extend(badge_lines(spec, language))
    return [t for t in texts if t]


def _slots(poster: _Poster, spec: PosterSpec, *, greeting: bool, badge_row: int = 0,
           column: bool = False) -> dict[str, tuple[int, int, int, int]]:
    """Where everything goes. `column`: a tall product on a square poster stands in a tall slot
    at the left and the price card is a column at its right (instead of a wide, short slot
    above a footer, which would leave the product small)."""
    left, top, right, bottom = poster.safe
    W = poster.width
    gap = round(W * 0.02)
    slots: dict[str, tuple[int, int, int, int]] = {}
    y = top
    if spec.shop_name:
        h = round(W * 0.05)
        slots["shop_name"] = (left, y, right, y + h)
        y += h + gap // 2
    head_h = round(W * {"square": 0.12, "portrait": 0.15, "story": 0.2}[spec.size])
    if not greeting and len(spec.title) > 40:
        head_h = round(head_h * 1.25)  # a catalogue title gets a third line
    slots["headline"] = (left, y, right, y + head_h)
    y += head_h + gap
    if badge_row:  # a story has the height for the discount tag on its own row
        slots["badge"] = (left, y, right, y + badge_row)
        y += badge_row + gap
    layout = spec.layout
    contact_h = round(W * 0.05) if spec.contact else 0
    if layout == "plain":
        footer_h = 0
    else:
        footer_h = round(W * {"square": 0.2, "portrait": 0.22, "story": 0.27}[spec.size])
    if column and footer_h:
        photo_bottom = bottom - contact_h - (gap if contact_h else 0)
        split = left + round((right - left) * 0.63)
        slots["photo"] = (left, y, split, photo_bottom)
        slots["footer"] = (split + gap, y, right, photo_bottom)
        if contact_h:
            slots["contact"] = (left, bottom - contact_h + gap // 2, right, bottom)
        return slots
    footer_top = bottom - footer_h - contact_h
    photo_bottom = footer_top - (gap if footer_h else (gap if contact_h else 0))
    slots["photo"] = (left, y, right, photo_bottom)
    if footer_h:
        slots["footer"] = (left, footer_top, right, footer_top + footer_h)
    if contact_h:
        slots["contact"] = (left, bottom - contact_h + gap // 2, right, bottom)
    return slots


def render_poster(*, spec: PosterSpec, photo: Image.Image, engine: ImageFont.Layout | None = None) -> Drawing:
    """Draw the poster for `spec` around `photo` (an upright RGB image). Raises FontUnavailable
    or UnsupportedText when a string cannot be drawn; nothing here reads files or the network
    beyond the installed fonts."""
    if engine is None:
        engine = font_lib.require_engine_for(poster_texts(spec))
    language = language_of(spec)
    theme = theme_for(spec.festival)
    poster = _Poster(spec, theme, engine)
    W = poster.width
    seed = int.from_bytes(hashlib.sha256(f"{spec.title}|{spec.festival}|{spec.size}".encode()).digest()[:4], "big")
    canvas = draw_background((poster.width, poster.height), theme, seed=seed)
    greeting = lexicon.GREETINGS[spec.festival][language] if spec.festival else None
    own_row = spec.size == "story"
    badge = _badge_shape(poster, spec, language, one_line=own_row) \
        if spec.discount_percent and spec.layout != "offer" else None
    own_row = own_row and badge is not None
    subject = find_subject(photo)
    tall = (subject.box[3] - subject.box[1]) * photo.height > 1.3 * (subject.box[2] - subject.box[0]) * photo.width
    # (A discount tag needs the photo's width to keep clear of the product: not in a column.)
    column = spec.size == "square" and spec.layout != "plain" and tall and badge is None
    slots = _slots(poster, spec, greeting=bool(greeting), badge_row=badge.height if own_row else 0, column=column)

    # The photo: cropped around the product to fill its slot, in a card with a soft shadow.
    slot = slots["photo"]
    frame = max(8, W // 110)
    inner = (slot[0] + frame, slot[1] + frame, slot[2] - frame, slot[3] - frame)
    size = (inner[2] - inner[0], inner[3] - inner[1])
    inset = round(W * 0.02)
    keep_clear = (badge.width + 2 * inset, badge.height + 2 * inset) if badge and not own_row else None
    fitted = fit_photo(photo, size, card=theme.light_panel, keep_clear=keep_clear, subject=subject)
    radius = round(W * 0.03)
    _shadowed_card(canvas, slot, fill=theme.card, radius=radius)
    _rounded_paste(canvas, fitted.image, inner[:2], max(2, radius - frame))
    photo_box = inner
    sb = fitted.subject_box
    subject_box = (inner[0] + sb[0], inner[1] + sb[1], inner[0] + sb[2], inner[1] + sb[3])

    if spec.shop_name:
        poster.draw_text(canvas, "shop_name", spec.shop_name, slots["shop_name"], max_size=round(W * 0.042),
                         min_size=round(W * 0.026), max_lines=1)
    head = slots["headline"]
    if greeting:
        poster.draw_text(canvas, "greeting", greeting, head, weight="display", max_size=round(W * 0.1),
                         min_size=round(W * 0.045), max_lines=2, prefer=theme.accent)
    else:
        poster.draw_text(canvas, "title", spec.title, head, max_size=round(W * 0.085), min_size=round(W * 0.034),
                         max_lines=3 if len(spec.title) > 40 else 2)

    price_box = _footer(canvas, poster, spec, slots.get("footer"), language, title_in_footer=bool(greeting),
                        column=column)
    cap = price_box.line_ink if price_box else None
    if not any(box.role == "title" for box in poster.boxes):
        # The greeting took the headline and the card had no room: the product's name goes on
        # a label over the photo's foot.
        _label(canvas, poster, spec.title, photo_box, cap)
    if badge:
        _badge(canvas, poster, spec, language, badge, slots.get("badge") or photo_box, centred=own_row)
    if spec.contact and "contact" in slots:
        poster.draw_text(canvas, "contact", spec.contact, slots["contact"], weight="regular",
                         max_size=round(W * 0.036), min_size=round(W * 0.026), max_lines=1, max_line_ink=cap)
    return Drawing(
        image=canvas,
        layout=spec.layout,
        layout_engine="raqm" if engine == ImageFont.Layout.RAQM else "basic",
        fonts=tuple(poster.fonts_used),
        text_boxes=tuple(poster.boxes),
        safe_box=poster.safe,
        photo_box=photo_box,
        subject_box=subject_box,
        backdrop_cleaned=fitted.cleaned,
    )


def _label(canvas: Image.Image, poster: _Poster, text: str, photo_box, cap: int | None) -> None:
    W = poster.width
    pad = round(W * 0.03)
    height = round(W * 0.07)
    box = (photo_box[0] + pad, photo_box[3] - pad - height, photo_box[2] - pad, photo_box[3] - pad)
    poster.draw_text(canvas, "title", text, box, max_size=round(W * 0.045), min_size=round(W * 0.026), max_lines=1,
                     align="left", max_line_ink=round(cap * 0.8) if cap else None)


def _side_text(spec: PosterSpec, language: str, *, title_in_footer: bool) -> tuple[str | None, str]:
    """What goes beside the price: the offer, else the product (on a festival poster), else the saving."""
    if spec.offer_text:
        return spec.offer_text, "offer"
    if title_in_footer:
        return spec.title, "title"
    if spec.original_price is not None:
        return lexicon.SAVING[language].format(amount=spec.money(spec.original_price - spec.price)), "offer"
    return None, "offer"


def _column_card(canvas, poster: _Poster, spec: PosterSpec, inner, rows: list[tuple]) -> TextBox | None:
    """Rows (role, text, share of the height, options) stacked in a tall card, centred."""
    W = poster.width
    ih = inner[3] - inner[1]
    y = inner[1]
    price = None
    for role, text, share, options in rows:
        box = (inner[0], y, inner[2], y + round(ih * share))
        y = box[3]
        if role != "price" and price is not None:
            options = {**options, "max_line_ink": round(price.line_ink * (1.0 if role == "original_price" else 0.8))}
        drawn = poster.draw_text(canvas, role, text, box, min_size=round(W * 0.026), **options)
        if role == "price":
            price = drawn
    return price


def _footer(canvas, poster: _Poster, spec: PosterSpec, card, language: str, *, title_in_footer: bool,
            column: bool = False) -> TextBox | None:
    """The card beside or under the photo, composed from the fields present; returns the price's box."""
    if card is None:
        return None
    if column:
        W = poster.width
        theme = poster.theme
        _shadowed_card(canvas, card, fill=theme.card, radius=round(W * 0.03))
        pad = round(W * 0.03)
        inner = (card[0] + pad, card[1] + pad, card[2] - pad, card[3] - pad)
        side, role = _side_text(spec, language, title_in_footer=title_in_footer)
        hero = round(W * 0.1)
        if spec.layout in ("full", "price"):
            rows = [("price", spec.money(spec.price), 0.3 if side else 0.6,
                     {"max_size": hero, "max_lines": 1, "prefer": theme.accent})]
            if spec.original_price is not None:
                rows.append(("original_price", spec.money(spec.original_price), 0.16,
                             {"max_size": round(W * 0.05), "max_lines": 1, "weight": "regular", "strike": True}))
            if side:
                rows.append((role, side, 1 - sum(r[2] for r in rows),
                             {"max_size": round(W * 0.06), "max_lines": 4,
                              "prefer": theme.accent if role == "offer" else None}))
            return _column_card(canvas, poster, spec, inner, rows)
        hero_text = spec.offer_text or f"{spec.discount_percent}% {lexicon.BADGE_WORD[language]}"
        rows = [("offer", hero_text, 0.55 if title_in_footer else 1.0,
                 {"max_size": hero, "max_lines": 3, "prefer": theme.accent})]
        if title_in_footer:
            rows.append(("title", spec.title, 0.45, {"max_size": round(W * 0.05), "max_lines": 3}))
        _column_card(canvas, poster, spec, inner, rows)
        return None
    W = poster.width
    theme = poster.theme
    _shadowed_card(canvas, card, fill=theme.card, radius=round(W * 0.03))
    pad = round(W * 0.035)
    inner = (card[0] + pad, card[1] + pad // 2, card[2] - pad, card[3] - pad // 2)
    ih = inner[3] - inner[1]
    hero = round(W * {"square": 0.1, "portrait": 0.11, "story": 0.12}[spec.size])
    layout = spec.layout
    price = None
    if layout in ("full", "price"):
        side, role = _side_text(spec, language, title_in_footer=title_in_footer)
        split = inner[0] + round((inner[2] - inner[0]) * (0.52 if side else 1.0))
        price_area = (inner[0], inner[1], split, inner[3])
        if spec.original_price is not None:
            main = (price_area[0], price_area[1], price_area[2], price_area[1] + round(ih * 0.64))
            was = (price_area[0], main[3], price_area[2], price_area[3])
        else:
            main, was = price_area, None
        price = poster.draw_text(canvas, "price", spec.money(spec.price), main, max_size=hero,
                                 min_size=round(W * 0.04), max_lines=1, align="left" if side else "center",
                                 prefer=theme.accent)
        if was:
            poster.draw_text(canvas, "original_price", spec.money(spec.original_price), was, weight="regular",
                             max_size=round(W * 0.05), min_size=round(W * 0.026), max_lines=1,
                             align="left" if side else "center", strike=True, max_line_ink=price.line_ink)
        if side:
            area = (split + pad // 2, inner[1], inner[2], inner[3])
            poster.draw_text(canvas, role, side, area, max_size=round(W * 0.06), min_size=round(W * 0.026),
                             max_lines=3, align="right", max_line_ink=round(price.line_ink * 0.8),
                             prefer=theme.accent if role == "offer" else None)
        return price
    # offer: the offer (or the discount) is the hero; the product name beside it on a festival poster
    hero_text = spec.offer_text or f"{spec.discount_percent}% {lexicon.BADGE_WORD[language]}"
    if spec.offer_text is None and spec.discount_percent is None:
        hero_text = spec.title
    side = spec.title if title_in_footer and hero_text != spec.title else None
    split = inner[0] + round((inner[2] - inner[0]) * (0.6 if side else 1.0))
    offer = poster.draw_text(canvas, "offer", hero_text, (inner[0], inner[1], split, inner[3]), max_size=hero,
                             min_size=round(W * 0.04), max_lines=2, align="left" if side else "center",
                             prefer=theme.accent)
    if side:
        poster.draw_text(canvas, "title", side, (split + pad // 2, inner[1], inner[2], inner[3]),
                         max_size=round(W * 0.05), min_size=round(W * 0.026), max_lines=3, align="right",
                         max_line_ink=round(offer.line_ink * 0.8))
    return None


@dataclass(frozen=True)
class _BadgeShape:
    width: int
    height: int
    size: int  # the word's font size
    big: int  # the percentage's font size
    pad: int
    split: int  # from the tag's top to the line between the two texts


def _badge_shape(poster: _Poster, spec: PosterSpec, language: str, *, one_line: bool = False) -> _BadgeShape:
    """The tag's size: the word at an x-height of BADGE_X_HEIGHT of the canvas in its script;
    "28%" above it (or before it, on one line, for a story's own row)."""
    top_line, word = badge_lines(spec, language)
    stack = poster.stack(word, "bold")
    script = (font_lib.scripts_in(word) or ["latn"])[0]
    ref = next((p for p in stack if font_lib.covers(p, X_GLYPH[script])), stack[0])
    target = BADGE_X_HEIGHT * poster.height
    size = 20
    while font_lib.glyph_height(ref, size, poster.typesetter.engine, X_GLYPH[script]) < target:
        size += 2
    pad = round(size * 0.45)
    a2, d2 = poster.typesetter.metrics(stack, size)
    if one_line:
        text = f"{top_line} {word}"
        width = poster.typesetter.width(poster.typesetter.runs(text, poster.stack(text, "bold")), size)
        height = round((a2 + d2) * 1.1 + pad)
        return _BadgeShape(width=round(width + 2 * pad + 4), height=height, size=size, big=size, pad=pad, split=0)
    big = round(size * 1.3)
    top_stack = poster.stack(top_line, "bold")
    word_w = poster.typesetter.width(poster.typesetter.runs(word, stack), size)
    num_w = poster.typesetter.width(poster.typesetter.runs(top_line, top_stack), big)
    a1, d1 = poster.typesetter.metrics(top_stack, big)
    split = pad // 3 + round((a1 + d1) * 1.05)
    return _BadgeShape(width=round(max(word_w, num_w) + 2 * pad + 4), height=round(split + (a2 + d2) * 1.1 + pad),
                       size=size, big=big, pad=pad, split=split)


def _badge(canvas, poster: _Poster, spec: PosterSpec, language: str, shape: _BadgeShape, photo_box, *,
           centred: bool = False) -> None:
    """The discount as a tag on the photo's top-right corner (the photo keeps its subject clear
    of it): "28%" over the word (OFF, छूट, தள்ளுபடி), legible in every script."""
    W = poster.width
    theme = poster.theme
    top_line, word = badge_lines(spec, language)
    inset = 0 if centred else round(W * 0.02)
    x1 = (photo_box[0] + photo_box[2] + shape.width) // 2 if centred else photo_box[2] - inset
    tag = (x1 - shape.width, photo_box[1] + inset, x1, photo_box[1] + inset + shape.height)
    fill = theme.badge
    text_colour = WHITE if contrast(WHITE, fill) >= contrast(INK, fill) else INK
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((tag[0] - 5, tag[1] - 5, tag[2] + 5, tag[3] + 5), radius=round(shape.size * 0.5),
                           fill=theme.card)
    draw.rounded_rectangle(tag, radius=round(shape.size * 0.45), fill=fill)
    pad = shape.pad
    if centred:
        poster.draw_text(canvas, "badge", f"{top_line} {word}", (tag[0] + pad // 2, tag[1], tag[2] - pad // 2, tag[3]),
                         max_size=shape.size, min_size=shape.size, max_lines=1, fill=text_colour)
        return
    split = tag[1] + shape.split
    poster.draw_text(canvas, "badge", top_line, (tag[0] + pad // 2, tag[1] + pad // 3, tag[2] - pad // 2, split),
                     max_size=shape.big, min_size=shape.size, max_lines=1, fill=text_colour)
    poster.draw_text(canvas, "badge", word, (tag[0] + pad // 2, split, tag[2] - pad // 2, tag[3] - pad // 3),
                     max_size=shape.size, min_size=shape.size, max_lines=1, fill=text_colour)
