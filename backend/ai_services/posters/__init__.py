"""Offer posters drawn with Pillow: spec.py declares a poster, render.py draws it."""
from .errors import (  # noqa: F401
    FontUnavailable,
    ImageTooLarge,
    InvalidImage,
    InvalidPosterSpec,
    PosterError,
    ShapingUnavailable,
    UnsupportedText,
)
from .render import Drawing, TextBox, render_poster  # noqa: F401
from .spec import API_FIELDS, LANGUAGES, POSTER_FIELDS, SIZES, PosterField, PosterSpec  # noqa: F401
from .themes import FESTIVALS  # noqa: F401
