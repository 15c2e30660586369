"""The JSON parser every endpoint uses: bounded depth, and only text a database and a reader can hold."""
from __future__ import annotations

import json
import math

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json


def check_json_value(data, *, max_depth: int) -> None:
    """Raises ParseError if `data` nests deeper than max_depth or holds a string that cannot be stored.

    Refused strings (keys too): NUL characters (PostgreSQL text and jsonb cannot hold them) and lone
    surrogates such as "\\udfff" (valid JSON escapes but not Unicode text: saving them, or writing
    them back out as UTF-8, fails, and a row that holds one breaks every later read). Iterative, so
    the check itself cannot overflow the stack.
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                raise ParseError(detail=f"JSON is nested deeper than {max_depth} levels.", code="json_too_deep")
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError(detail="Text contains a NUL character, which cannot be stored.", code="invalid_text")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                detail="Text contains a lone surrogate (such as \\udfff): it is not valid Unicode.", code="invalid_unicode"
            ) from None


def _finite_float(text: str) -> float:
    """1e309 parses to infinity, which no id, count or price can be (int(inf) raises OverflowError)."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        # The body was bounded by RequestSizeLimitMiddleware (DATA_UPLOAD_MAX_MEMORY_SIZE).
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(detail=f"The body is not valid {encoding} text.", code="invalid_unicode") from None
        try:
            parse_constant = drf_json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant, parse_float=_finite_float)
        except RecursionError:
            raise ParseError(detail=f"JSON is nested deeper than {settings.JSON_MAX_DEPTH} levels.", code="json_too_deep") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json_value(data, max_depth=settings.JSON_MAX_DEPTH)
        return data
