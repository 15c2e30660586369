"""Offer posters drawn with Pillow: see render.py."""
from .errors import (  # noqa: F401
    FontUnavailable,
    ImageTooLarge,
    InvalidImage,
    InvalidPosterSpec,
    PosterError,
    ShapingUnavailable,
    UnsupportedText,
)
from .render import SIZES, PosterResult, PosterSpec, TextBox, render_poster  # noqa: F401
from .themes import FESTIVALS  # noqa: F401
