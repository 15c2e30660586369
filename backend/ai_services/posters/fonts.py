"""Finding fonts that cover the poster's text and splitting text into per-font runs.

Pillow draws with one font at a time and has no fallback, and the Noto Devanagari/Tamil
fonts carry no Latin letters, so a title like "Banarasi साड़ी" is split into runs, each drawn
with the first font of the stack that covers it. Complex scripts need the RAQM layout engine
(HarfBuzz shaping); without it, or without a covering font, we refuse with a clear error
instead of drawing broken text.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from PIL import ImageFont, features

from .errors import FontUnavailable, ShapingUnavailable, UnsupportedText

# Preference order per script and weight; the first file found in POSTER_FONT_DIRS wins.
# "display" is the festival greeting's face: Noto Serif (Display) per script, from fonts-noto-core.
FONT_FILES: dict[str, dict[str, list[str]]] = {
    "latn": {
        "bold": ["NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf", "FreeSansBold.ttf"],
        "regular": ["NotoSans-Regular.ttf", "DejaVuSans.ttf", "FreeSans.ttf"],
        "display": ["NotoSerifDisplay-Bold.ttf", "NotoSerif-Bold.ttf", "DejaVuSerif-Bold.ttf", "NotoSans-Bold.ttf"],
    },
    "deva": {
        "bold": ["NotoSansDevanagari-Bold.ttf", "Lohit-Devanagari.ttf", "FreeSansBold.ttf"],
        "regular": ["NotoSansDevanagari-Regular.ttf", "Lohit-Devanagari.ttf", "FreeSans.ttf"],
        "display": ["NotoSerifDevanagari-Bold.ttf", "NotoSansDevanagari-Bold.ttf", "Lohit-Devanagari.ttf"],
    },
    "taml": {
        "bold": ["NotoSansTamil-Bold.ttf", "Lohit-Tamil.ttf", "FreeSansBold.ttf"],
        "regular": ["NotoSansTamil-Regular.ttf", "Lohit-Tamil.ttf", "FreeSans.ttf"],
        "display": ["NotoSerifTamil-Bold.ttf", "NotoSansTamil-Bold.ttf", "Lohit-Tamil.ttf"],
    },
}
COMPLEX_RANGES = [(0x0900, 0x0DFF)]  # Devanagari .. Sinhala: need shaping
SCRIPT_OF = [((0x0900, 0x097F), "deva"), ((0x0B80, 0x0BFF), "taml")]
_PROBE = "\U0010fffd"  # a private-use code point no font maps: renders as .notdef


def font_dirs() -> list[str]:
    return list(settings.POSTER_FONT_DIRS)


def needs_shaping(text: str) -> bool:
    return any(low <= ord(ch) <= high for ch in text for low, high in COMPLEX_RANGES)


def layout_engine() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


def require_engine_for(texts: list[str]) -> ImageFont.Layout:
    engine = layout_engine()
    if engine != ImageFont.Layout.RAQM and any(needs_shaping(t) for t in texts):
        raise ShapingUnavailable(
            "Hindi and Tamil text needs Pillow built with the RAQM layout engine (libraqm, "
            "HarfBuzz, FriBidi); it is not available on this server, so the poster was not drawn."
        )
    return engine


@lru_cache(maxsize=64)
def _find_file(name: str, dirs: tuple[str, ...]) -> str | None:
    for folder in dirs:
        direct = os.path.join(folder, name)
        if os.path.isfile(direct):
            return direct
    for folder in dirs:  # packages sometimes nest fonts one level deeper
        if not os.path.isdir(folder):
            continue
        for root, _subdirs, files in os.walk(folder):
            if name in files:
                return os.path.join(root, name)
    return None


def font_stack(*, scripts: list[str], weight: str) -> list[str]:
    """Font file paths to try, in order: the text's own scripts first, then Latin."""
    dirs = tuple(font_dirs())
    paths: list[str] = []
    for script in [*scripts, "latn"]:
        for name in FONT_FILES[script][weight]:
            path = _find_file(name, dirs)
            if path and path not in paths:
                paths.append(path)
                break
    return paths


@lru_cache(maxsize=256)
def get_font(path: str, size: int, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=engine)


@lru_cache(maxsize=1024)
def glyph_height(path: str, size: int, engine: ImageFont.Layout, glyph: str) -> int:
    """Pixels from the baseline to the top of `glyph`'s ink (the x-height for x, क, க)."""
    return -get_font(path, size, engine).getbbox(glyph, anchor="ls")[1]


@lru_cache(maxsize=8192)
def covers(path: str, char: str) -> bool:
    """Whether the font at `path` has a glyph for `char` (rendering differs from .notdef)."""
    if char.isspace() or unicodedata.category(char) in ("Cf", "Mn", "Mc", "Me"):
        return True
    font = get_font(path, 48, ImageFont.Layout.BASIC)
    probe = font.getmask(_PROBE)
    mask = font.getmask(char)
    return not (mask.size == probe.size and bytes(mask) == bytes(probe))


def scripts_in(text: str) -> list[str]:
    found: list[str] = []
    for ch in text:
        for (low, high), script in SCRIPT_OF:
            if low <= ord(ch) <= high and script not in found:
                found.append(script)
    return found


@dataclass(frozen=True)
class Run:
    text: str
    path: str
    language: str | None  # passed to RAQM for language-specific shaping


def _language_of(path: str) -> str | None:
    name = os.path.basename(path)
    if "Devanagari" in name:
        return "hi"
    if "Tamil" in name:
        return "ta"
    return None


def split_runs(text: str, stack: list[str]) -> list[Run]:
    """Split `text` into runs each drawable with one font of `stack`.

    Spaces, punctuation and combining marks stay with the run they follow, so a cluster is
    never split between fonts. Raises FontUnavailable when no font covers a character."""
    if not stack:
        raise FontUnavailable(
            "No poster fonts were found. Install the packages listed in "
            "backend/ai_services/SYSTEM_PACKAGES or set POSTER_FONT_DIRS."
        )
    runs: list[list] = []
    missing: list[str] = []
    for ch in text:
        neutral = ch.isspace() or unicodedata.category(ch)[0] in ("M", "C")
        if runs and (neutral or covers(runs[-1][1], ch)):
            runs[-1][0] += ch
            continue
        path = next((p for p in stack if covers(p, ch)), None)
        if path is None:
            missing.append(ch)
            path = stack[0]
        if runs and runs[-1][1] == path:
            runs[-1][0] += ch
        else:
            runs.append([ch, path])
    if missing:
        shown = "".join(dict.fromkeys(missing))
        if any(_supported(ch) for ch in missing):
            raise FontUnavailable(
                f"No installed font can draw these characters: {shown!r}. Install the packages in "
                "backend/ai_services/SYSTEM_PACKAGES or add a covering font to POSTER_FONT_DIRS."
            )
        raise UnsupportedText(f"Posters cannot draw these characters yet: {shown!r}. Use English, Hindi or Tamil.")
    return [Run(text=t, path=p, language=_language_of(p)) for t, p in runs]


def _supported(ch: str) -> bool:
    """Characters of the scripts posters promise to draw (Latin, Devanagari, Tamil, ₹)."""
    code = ord(ch)
    return code < 0x0250 or 0x0900 <= code <= 0x097F or 0x0B80 <= code <= 0x0BFF or ch in "₹€£–—‘’“”…•"


def is_pictograph(ch: str) -> bool:
    """Emoji and other pictographic symbols (and their joiners/selectors)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("So", "Cs", "Co")
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0xFE00 <= code <= 0xFE0F
        or code == 0x200D
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def drop_pictographs(text: str, stack: list[str]) -> tuple[str, str]:
    """(text without the emoji no font of `stack` can draw, the characters dropped).

    Shops love emoji in titles; Pillow cannot draw colour emoji with these fonts, so they are
    left out of the poster rather than drawn as boxes or refused."""
    kept: list[str] = []
    dropped: list[str] = []
    after_dropped = False
    for ch in text:
        code = ord(ch)
        modifier = code == 0x200D or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
        if modifier:
            # joiners, selectors and skin tones go with the emoji they modify (a ZWJ inside
            # Devanagari or Tamil text is kept: it shapes a conjunct)
            (dropped if after_dropped else kept).append(ch)
            continue
        after_dropped = is_pictograph(ch) and not any(covers(p, ch) for p in stack)
        (dropped if after_dropped else kept).append(ch)
    return " ".join("".join(kept).split()), "".join(dropped)
