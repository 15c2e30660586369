"""Errors the poster pipeline raises; each carries a stable `code` and the HTTP status a view
should answer with, so the API never turns a bad input into a 5xx."""
from __future__ import annotations


class PosterError(Exception):
    code = "poster_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidPosterSpec(PosterError):
    code = "invalid_poster_spec"


class InvalidImage(PosterError):
    code = "invalid_image"


class ImageTooLarge(PosterError):
    code = "image_too_large"


class FontUnavailable(PosterError):
    """The server lacks a font for a script it supports (Latin, Devanagari, Tamil): drawing
    would show tofu boxes. A configuration problem, hence 503."""

    code = "font_unavailable"
    http_status = 503


class UnsupportedText(PosterError):
    """The text uses a script posters do not support (e.g. Bengali): the caller's input, a 400."""

    code = "unsupported_text"


class ShapingUnavailable(PosterError):
    """Pillow has no RAQM layout engine, so Indic text cannot be shaped correctly."""

    code = "text_shaping_unavailable"
    http_status = 503
