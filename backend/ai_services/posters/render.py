"""Rendering an offer poster: festival background, the product photo, and every piece of
text drawn by Pillow (wrapped and shrunk to fit, inside safe margins, WCAG AA contrast)."""
from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from backend.social.platforms.requirements import Requirements

from ..providers.base import PLATFORMS, AIProvider, ProviderError
from ..text import format_money, is_grapheme_boundary
from . import fonts as font_lib
from .contrast import AA_NORMAL, RGB, luminance, worst_contrast
from .errors import InvalidPosterSpec, PosterError
from .images import load_product_image
from .themes import ALIASES, FESTIVALS, THEMES, Theme, draw_background, theme_for

log = logging.getLogger(__name__)

SIZES: dict[str, tuple[int, int]] = {"square": (1080, 1080), "portrait": (1080, 1350), "story": (1080, 1920)}
SAFE_MARGIN = 0.06  # of the width, on every side
STORY_TOP, STORY_BOTTOM = 0.10, 0.12  # Stories overlay the account name on top and a reply bar below
RESTYLE_SIZES = {"square": "1024x1024", "portrait": "1024x1536", "story": "1024x1536"}
RING = 6  # pixels around the ink that count as "behind the text"
WHITE: RGB = (255, 255, 255)
INK: RGB = (17, 17, 17)
BADGE_WORD = {"en": "OFF", "hi": "छूट", "ta": "தள்ளுபடி"}
LANGUAGES = ("en", "hi", "ta")
JPEG_QUALITY = 90


@dataclass(frozen=True, kw_only=True)
class PosterSpec:
    title: str
    offer_text: str | None = None
    discount_percent: int | None = None
    price: Decimal | None = None
    original_price: Decimal | None = None
    currency: str = "INR"
    shop_name: str | None = None
    festival: str | None = None
    language: str | None = None
    size: str = "square"
    output_format: str = "auto"  # "auto" | "JPEG" | "PNG"
    platform: str | None = None

    def __post_init__(self) -> None:
        def put(name, value):
            object.__setattr__(self, name, value)

        def text(name, value, limit, required=False):
            if value is None or (isinstance(value, str) and not value.strip()):
                if required:
                    raise InvalidPosterSpec("This field is required.", field=name)
                return None
            if not isinstance(value, str):
                raise InvalidPosterSpec("Must be a string.", field=name)
            value = " ".join(value.split())
            if len(value) > limit:
                raise InvalidPosterSpec(f"At most {limit} characters.", field=name)
            return value

        put("title", text("title", self.title, 200, required=True))
        put("offer_text", text("offer_text", self.offer_text, 80))
        put("shop_name", text("shop_name", self.shop_name, 60))
        for name in ("price", "original_price"):
            value = getattr(self, name)
            if value is None or value == "":
                put(name, None)
                continue
            try:
                amount = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise InvalidPosterSpec("Must be a number.", field=name) from None
            if isinstance(value, bool) or not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
                raise InvalidPosterSpec("Must be between 0 and 99,999,999.", field=name)
            put(name, amount)
        if self.original_price is not None and self.price is None:
            raise InvalidPosterSpec("An original price needs a price.", field="original_price")
        if self.original_price is not None and self.original_price <= self.price:
            raise InvalidPosterSpec("The original price must be higher than the price.", field="original_price")
        if self.discount_percent is not None:
            if isinstance(self.discount_percent, bool) or not isinstance(self.discount_percent, int) or not 1 <= self.discount_percent <= 95:
                raise InvalidPosterSpec("Must be a whole number from 1 to 95.", field="discount_percent")
        currency = (self.currency or "INR").strip().upper()
        if not (len(currency) == 3 and currency.isalpha()):
            raise InvalidPosterSpec("Must be a 3-letter ISO 4217 code.", field="currency")
        put("currency", currency)
        if self.festival:
            key = ALIASES.get(self.festival.strip().lower(), self.festival.strip().lower())
            if key not in FESTIVALS:
                raise InvalidPosterSpec(f"Unknown festival; choose one of: {', '.join(FESTIVALS)}.", field="festival")
            put("festival", key)
        else:
            put("festival", None)
        if self.language is not None and self.language not in LANGUAGES:
            raise InvalidPosterSpec(f"Unsupported language; choose one of: {', '.join(LANGUAGES)}.", field="language")
        if self.size not in SIZES:
            raise InvalidPosterSpec(f"Unknown size; choose one of: {', '.join(SIZES)}.", field="size")
        fmt = (self.output_format or "auto").strip().upper()
        fmt = {"JPG": "JPEG", "AUTO": "auto"}.get(fmt, fmt)
        if fmt not in ("auto", "JPEG", "PNG"):
            raise InvalidPosterSpec("Must be auto, JPEG or PNG.", field="output_format")
        if self.platform is not None and self.platform not in PLATFORMS:
            raise InvalidPosterSpec(f"Unknown platform; choose one of: {', '.join(PLATFORMS)}.", field="platform")
        put("output_format", fmt)
        if fmt != "auto" and self.platform:
            allowed = _platform_requirements(self.platform).image_formats
            if fmt not in allowed:
                raise InvalidPosterSpec(f"{self.platform} accepts only {', '.join(allowed)} images.", field="output_format")

    @property
    def resolved_format(self) -> str:
        # JPEG unless PNG was asked for: photos compress far better, and Instagram and TikTok
        # accept nothing else. Text stays crisp with 4:4:4 chroma at quality 90.
        return "PNG" if self.output_format == "PNG" else "JPEG"


def _platform_requirements(platform: str) -> Requirements:
    from backend.social.platforms import requirements as reqs

    return getattr(reqs, platform.upper())


@dataclass(frozen=True)
class TextBox:
    role: str  # title, shop_name, badge, price, original_price, offer
    text: str
    box: tuple[int, int, int, int]  # the ink's bounding box (left, top, right, bottom)
    font_size: int
    fonts: tuple[str, ...]
    color: RGB
    contrast: float  # worst case against every backdrop pixel within RING px of the ink
    panel: bool  # a backing panel was added to reach AA
    lines: int


@dataclass(frozen=True)
class PosterResult:
    image: bytes
    format: str
    width: int
    height: int
    layout_engine: str
    fonts: tuple[str, ...]
    text_boxes: tuple[TextBox, ...]
    safe_box: tuple[int, int, int, int]
    photo_box: tuple[int, int, int, int]
    festival: str | None
    restyled: bool = False
    provider: str | None = None
    restyle_error: str | None = None
    render_ms: int = 0
    dropped_characters: str = ""  # emoji left out because no installed font draws them

    @property
    def content_type(self) -> str:
        return "image/jpeg" if self.format == "JPEG" else "image/png"


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
    def __init__(self, engine: ImageFont.Layout) -> None:
        self.engine = engine

    def font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        return font_lib.get_font(path, size, self.engine)

    def width(self, runs: list[font_lib.Run], size: int) -> float:
        total = 0.0
        for run in runs:
            kwargs = {"language": run.language} if run.language and self.engine == ImageFont.Layout.RAQM else {}
            total += self.font(run.path, size).getlength(run.text, **kwargs)
        return total

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
            runs = font_lib.split_runs(trial, stack)
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
                if boundary and piece and self.width(font_lib.split_runs(candidate, stack), size) > max_width:
                    lines.append(self._line(piece, stack, size))
                    piece = ch
                else:
                    piece = candidate
            current = piece
        if current:
            lines.append(self._line(current, stack, size))
        return lines

    def _line(self, text: str, stack: list[str], size: int) -> _Line:
        runs = font_lib.split_runs(text, stack)
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
            if len(lines) == count and all(line.width <= mid for line in lines):
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

    def stack(self, text: str, weight: str) -> list[str]:
        scripts = font_lib.scripts_in(text)
        return font_lib.font_stack(scripts=scripts, weight=weight)

    def draw_text(self, canvas: Image.Image, role: str, text: str, box: tuple[int, int, int, int], *,
                  weight: str = "bold", max_size: int, min_size: int, max_lines: int, align: str = "center",
                  strike: bool = False, prefer: RGB | None = None) -> TextBox:
        stack = self.stack(text, weight)
        block = self.typesetter.fit(text, stack, box, max_size=max_size, min_size=min_size, max_lines=max_lines)
        mask = Image.new("L", canvas.size, 0)
        draw = ImageDraw.Draw(mask)
        block_height = block.line_height * len(block.lines)
        y = box[1] + (box[3] - box[1] - block_height) // 2 + block.ascent
        used: list[str] = []
        for line in block.lines:
            if align == "center":
                x = box[0] + ((box[2] - box[0]) - line.width) / 2
            elif align == "right":
                x = box[2] - line.width
            else:
                x = box[0]
            for run in line.runs:
                font = self.typesetter.font(run.path, block.size)
                kwargs = {"language": run.language} if run.language and self.typesetter.engine == ImageFont.Layout.RAQM else {}
                draw.text((x, y), run.text, font=font, fill=255, anchor="ls", **kwargs)
                x += font.getlength(run.text, **kwargs)
                name = run.path.rsplit("/", 1)[-1]
                if name not in used:
                    used.append(name)
            y += block.line_height
        ink = mask.getbbox()
        if ink is None:
            raise InvalidPosterSpec("Nothing to draw.", field=role)
        if strike:
            mid = (ink[1] + ink[3]) // 2
            thickness = max(2, block.size // 12)
            draw.rectangle((ink[0] - 2, mid - thickness // 2, ink[2] + 2, mid + thickness // 2), fill=255)
            ink = mask.getbbox()
        # Clamp: text never leaves the safe area (fit() guarantees it; this is the backstop).
        ink = (max(ink[0], self.safe[0]), max(ink[1], self.safe[1]), min(ink[2], self.safe[2]), min(ink[3], self.safe[3]))
        color, ratio, panel = self._ensure_contrast(canvas, ink, block.size, prefer)
        canvas.paste(color, (0, 0, canvas.width, canvas.height), mask)
        for name in used:
            if name not in self.fonts_used:
                self.fonts_used.append(name)
        result = TextBox(role=role, text=text, box=ink, font_size=block.size, fonts=tuple(used), color=color,
                         contrast=round(ratio, 2), panel=panel, lines=len(block.lines))
        self.boxes.append(result)
        return result

    def _backdrop(self, canvas: Image.Image, ink: tuple[int, int, int, int]) -> Image.Image:
        area = (max(0, ink[0] - RING), max(0, ink[1] - RING), min(canvas.width, ink[2] + RING), min(canvas.height, ink[3] + RING))
        return canvas.crop(area)

    def _best_colour(self, backdrop: Image.Image, prefer: RGB | None) -> tuple[RGB, float]:
        candidates = [c for c in (prefer, WHITE, INK) if c]
        scored = [(worst_contrast(c, backdrop), c) for c in candidates]
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


def _shadowed_card(canvas: Image.Image, rect: tuple[int, int, int, int], *, fill: RGB, radius: int) -> None:
    pad = radius * 2
    shadow_box = (rect[0] - pad, rect[1] - pad, rect[2] + pad, rect[3] + pad)
    region = canvas.crop(shadow_box)
    shade = Image.new("L", region.size, 0)
    ImageDraw.Draw(shade).rounded_rectangle(
        (pad, pad + radius // 2, pad + rect[2] - rect[0], pad + rect[3] - rect[1] + radius // 2), radius=radius, fill=90)
    shade = shade.filter(ImageFilter.BoxBlur(radius // 2 or 1))
    region.paste((0, 0, 0), (0, 0, region.width, region.height), shade)
    canvas.paste(region, shadow_box[:2])
    ImageDraw.Draw(canvas).rounded_rectangle(rect, radius=radius, fill=fill)


def _layout(poster: _Poster, spec: PosterSpec) -> dict[str, tuple[int, int, int, int]]:
    left, top, right, bottom = poster.safe
    height = bottom - top
    gap = round(poster.height * 0.018)
    slots: dict[str, tuple[int, int, int, int]] = {}
    y = top
    if spec.shop_name:
        h = round(height * 0.055)
        slots["shop_name"] = (left, y, right, y + h)
        y += h + gap // 2
    title_h = round(height * (0.19 if spec.size == "square" else 0.16))
    slots["title"] = (left, y, right, y + title_h)
    y += title_h + gap
    has_footer = spec.price is not None or spec.offer_text
    footer_h = round(height * (0.17 if spec.size == "square" else 0.14)) if has_footer else 0
    footer_top = bottom - footer_h
    slots["photo"] = (left, y, right, footer_top - (gap if has_footer else 0))
    if has_footer:
        slots["footer"] = (left, footer_top, right, bottom)
    return slots


def _place_photo(canvas: Image.Image, photo: Image.Image, slot, theme: Theme) -> tuple[int, int, int, int]:
    frame = max(8, canvas.width // 90)
    avail_w, avail_h = slot[2] - slot[0] - 2 * frame, slot[3] - slot[1] - 2 * frame
    scale = min(avail_w / photo.width, avail_h / photo.height)
    size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    fitted = photo.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    x = slot[0] + (slot[2] - slot[0] - size[0]) // 2
    y = slot[1] + (slot[3] - slot[1] - size[1]) // 2
    _shadowed_card(canvas, (x - frame, y - frame, x + size[0] + frame, y + size[1] + frame), fill=theme.card, radius=frame)
    canvas.paste(fitted, (x, y))
    return (x, y, x + size[0], y + size[1])


def _badge_text(spec: PosterSpec, language: str) -> str:
    word = BADGE_WORD.get(language, "OFF")
    return f"{spec.discount_percent}% {word}"


def _detect_language(spec: PosterSpec) -> str:
    if spec.language:
        return spec.language
    scripts = font_lib.scripts_in(" ".join(filter(None, [spec.title, spec.offer_text, spec.shop_name])))
    return {"deva": "hi", "taml": "ta"}.get(scripts[0], "en") if scripts else "en"


def render_poster(*, product_image: bytes, spec: PosterSpec, provider: AIProvider | None = None) -> PosterResult:
    """Draw the poster. Raises PosterError subclasses (InvalidImage, ImageTooLarge,
    InvalidPosterSpec: 400; FontUnavailable, ShapingUnavailable: 503)."""
    started = time.perf_counter()
    max_pixels = getattr(settings, "MEDIA_MAX_PIXELS", 40_000_000)
    max_bytes = getattr(settings, "MEDIA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    photo = load_product_image(product_image, max_pixels=max_pixels, max_bytes=max_bytes)
    language = _detect_language(spec)
    dropped = ""
    cleaned = {}
    for name in ("title", "offer_text", "shop_name"):
        value = getattr(spec, name)
        if value:
            stack = font_lib.font_stack(scripts=font_lib.scripts_in(value), weight="bold")
            value, lost = font_lib.drop_pictographs(value, stack)
            dropped += lost
            if name == "title" and not value:
                raise InvalidPosterSpec("The title has no text a poster can show.", field="title")
        cleaned[name] = value or None
    if dropped:
        spec = replace(spec, **cleaned)

    texts = [spec.title, spec.offer_text or "", spec.shop_name or ""]
    if spec.discount_percent:
        texts.append(_badge_text(spec, language))
    engine = font_lib.require_engine_for(texts)
    # Fail before drawing anything if a font is missing for any of the text.
    for text in filter(None, texts):
        for weight in ("bold", "regular"):
            font_lib.split_runs(text, font_lib.font_stack(scripts=font_lib.scripts_in(text), weight=weight))

    restyled, restyle_error, provider_name = False, None, None
    if getattr(settings, "AI_POSTER_RESTYLE", False):
        from ..providers.registry import get_provider

        provider = provider or get_provider()
        provider_name = provider.name
        buffer = io.BytesIO()
        photo.save(buffer, "PNG")
        prompt = (
            "Studio product photo of this exact garment on a clean, softly lit background. Keep the fabric, "
            "colour, print, weave and every detail of the garment exactly as in the photo. No text, no logos."
        )
        try:
            new = provider.restyle_product_image(image=buffer.getvalue(), prompt=prompt, size=RESTYLE_SIZES[spec.size])
        except ProviderError as exc:
            log.warning("Product photo restyle failed (%s); using the original photo", exc.kind)
            restyle_error = exc.kind
            new = None
        if new:
            try:
                photo = load_product_image(new, max_pixels=max_pixels, max_bytes=max_bytes)
                restyled = True
            except PosterError:  # the provider's image is unusable: not the shop's fault
                log.warning("The restyled product photo could not be read; using the original photo")
                restyle_error = "rejected"

    theme = theme_for(spec.festival)
    poster = _Poster(spec, theme, engine)
    seed = int.from_bytes(hashlib.sha256(f"{spec.title}|{spec.festival}|{spec.size}".encode()).digest()[:4], "big")
    canvas = draw_background((poster.width, poster.height), theme, seed=seed)
    slots = _layout(poster, spec)
    photo_box = _place_photo(canvas, photo, slots["photo"], theme)
    unit = poster.width

    if spec.shop_name:
        poster.draw_text(canvas, "shop_name", spec.shop_name, slots["shop_name"], weight="regular",
                         max_size=round(unit * 0.042), min_size=round(unit * 0.024), max_lines=1)
    poster.draw_text(canvas, "title", spec.title, slots["title"], max_size=round(unit * 0.085),
                     min_size=round(unit * 0.036), max_lines=3)

    if spec.discount_percent:
        diameter = round(unit * 0.23)
        cx = min(photo_box[2], poster.safe[2] - diameter // 2)
        cy = max(photo_box[1], slots["photo"][1] + diameter // 2)
        circle = (cx - diameter // 2, cy - diameter // 2, cx + diameter // 2, cy + diameter // 2)
        draw = ImageDraw.Draw(canvas)
        draw.ellipse((circle[0] - 6, circle[1] - 6, circle[2] + 6, circle[3] + 6), fill=theme.card)
        draw.ellipse(circle, fill=theme.accent)
        inner = round(diameter * 0.68)
        text_box = (cx - inner // 2, cy - inner // 2, cx + inner // 2, cy + inner // 2)
        poster.draw_text(canvas, "badge", _badge_text(spec, language), text_box, max_size=round(unit * 0.06),
                         min_size=round(unit * 0.022), max_lines=2)

    if "footer" in slots:
        footer = slots["footer"]
        radius = round(unit * 0.025)
        _shadowed_card(canvas, footer, fill=theme.card, radius=radius)
        pad = round(unit * 0.03)
        inner = (footer[0] + pad, footer[1] + pad // 2, footer[2] - pad, footer[3] - pad // 2)
        has_price = spec.price is not None
        split = inner[0] + round((inner[2] - inner[0]) * (0.5 if spec.offer_text else 1.0))
        if has_price:
            price_area = (inner[0], inner[1], split - (pad // 2 if spec.offer_text else 0), inner[3])
            if spec.original_price is not None:
                ph = price_area[3] - price_area[1]
                main = (price_area[0], price_area[1], price_area[2], price_area[1] + round(ph * 0.62))
                was = (price_area[0], main[3], price_area[2], price_area[3])
                poster.draw_text(canvas, "price", format_money(spec.price, currency=spec.currency), main,
                                 max_size=round(unit * 0.08), min_size=round(unit * 0.03), max_lines=1, align="left",
                                 prefer=theme.accent)
                poster.draw_text(canvas, "original_price", format_money(spec.original_price, currency=spec.currency),
                                 was, weight="regular", max_size=round(unit * 0.045), min_size=round(unit * 0.024),
                                 max_lines=1, align="left", strike=True)
            else:
                poster.draw_text(canvas, "price", format_money(spec.price, currency=spec.currency), price_area,
                                 max_size=round(unit * 0.085), min_size=round(unit * 0.03), max_lines=1, align="left",
                                 prefer=theme.accent)
        if spec.offer_text:
            offer_area = (split + (pad // 2 if has_price else 0), inner[1], inner[2], inner[3])
            poster.draw_text(canvas, "offer", spec.offer_text, offer_area, max_size=round(unit * 0.055),
                             min_size=round(unit * 0.026), max_lines=3, align="right" if has_price else "center",
                             prefer=theme.accent)

    buffer = io.BytesIO()
    fmt = spec.resolved_format
    if fmt == "JPEG":
        canvas.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    else:
        canvas.save(buffer, "PNG", optimize=False, compress_level=6)
    return PosterResult(
        image=buffer.getvalue(),
        format=fmt,
        width=poster.width,
        height=poster.height,
        layout_engine="raqm" if engine == ImageFont.Layout.RAQM else "basic",
        fonts=tuple(poster.fonts_used),
        text_boxes=tuple(poster.boxes),
        safe_box=poster.safe,
        photo_box=photo_box,
        festival=spec.festival,
        restyled=restyled,
        provider=provider_name,
        restyle_error=restyle_error,
        render_ms=round((time.perf_counter() - started) * 1000),
        dropped_characters=dropped,
    )
