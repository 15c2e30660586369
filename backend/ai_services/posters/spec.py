"""What a poster is made of, declared once.

`POSTER_FIELDS` is the single declaration of a poster's inputs: the API serializer builds its
fields from it (serializers.PosterInput), the service validates with it (`PosterSpec.create`),
a background job stores exactly these fields (`PosterSpec.as_json`). The rules that tie fields
together (an offer must be true, a story is not a feed post) live in `PosterSpec.create` only.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from ..offers import UntrueOffer, exact_discount, offer_discount, offer_text_check
from ..providers.base import PLATFORMS
from ..text import format_money
from .errors import InvalidPosterSpec
from .themes import ALIASES, FESTIVALS

SIZES: dict[str, tuple[int, int]] = {"square": (1080, 1080), "portrait": (1080, 1350), "story": (1080, 1920)}
LANGUAGES = ("en", "hi", "ta")
MAX_PRICE = Decimal("100000000")

@dataclass(frozen=True)
class PosterField:
    """One input of a poster. `kind` is text, int, money, currency, choice, platform, festival or bool."""

    name: str
    kind: str
    help: str
    required: bool = False
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    api: bool = True  # False: for code and tests only, not part of the REST contract


POSTER_FIELDS: tuple[PosterField, ...] = (
    PosterField("title", "text", "The product as the poster names it (catalogue titles of up to 200 characters are fine).",
                required=True, max_length=200),
    PosterField("offer_text", "text", "A short offer line, e.g. 'Buy 2, get 1 free'.", max_length=80),
    PosterField("discount_percent", "int", "Drawn as a badge. With price and original_price it must match them "
                "(within one point); leave it out to have it computed.", min_value=1, max_value=95),
    PosterField("price", "money", "The selling price."),
    PosterField("original_price", "money", "The price before the offer (drawn struck through); needs price."),
    PosterField("currency", "currency", "ISO 4217 code.", default="INR"),
    PosterField("shop_name", "text", "Drawn small at the top.", max_length=60),
    PosterField("festival", "festival", f"One of: {', '.join(FESTIVALS)} (or a common alias such as deepavali). "
                "Adds the festival's greeting, colours and motifs.", max_length=40),
    PosterField("language", "choice", "Detected from the text when left out.", choices=LANGUAGES),
    PosterField("size", "choice", "square 1080x1080, portrait 1080x1350, story 1080x1920.", choices=tuple(SIZES),
                default="square"),
    PosterField("platform", "platform", "Fit the image format, size and captions to it."),
    PosterField("call_to_action", "bool", "Add a contact line (phone, WhatsApp, address) from the organization's "
                "profile when it has one.", default=True),
    PosterField("output_format", "choice", "auto, JPEG or PNG.", choices=("auto", "JPEG", "PNG"), default="auto",
                api=False),
)
API_FIELDS = tuple(f for f in POSTER_FIELDS if f.api)


def _requirements(platform: str):
    from backend.social.platforms import requirements as reqs

    return getattr(reqs, platform.upper())


@dataclass(frozen=True, kw_only=True)
class PosterSpec:
    """A validated poster. Build it with `PosterSpec.create(**fields)`; `contact` is not an
    input: the service fills it from the organization's profile."""

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
    platform: str | None = None
    call_to_action: bool = True
    output_format: str = "auto"
    contact: str | None = None

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def create(cls, **given: Any) -> "PosterSpec":
        unknown = set(given) - {f.name for f in POSTER_FIELDS} - {"contact"}
        if unknown:
            raise TypeError(f"Unknown poster fields: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for field in POSTER_FIELDS:
            value = _clean(field, given.get(field.name))
            values[field.name] = field.default if value is None else value
        values["contact"] = _clean(PosterField("contact", "text", "", max_length=200), given.get("contact"))
        spec = cls(**values)
        return spec._checked()

    def _checked(self) -> "PosterSpec":
        spec = self
        try:
            discount = offer_discount(price=spec.price, original_price=spec.original_price,
                                      discount_percent=spec.discount_percent, currency=spec.currency)
        except UntrueOffer as exc:
            raise InvalidPosterSpec(exc.message, field=exc.field) from None
        spec = replace(spec, discount_percent=discount)
        try:
            offer_text_check(offer=spec.offer_text, discount_percent=spec.discount_percent,
                             exact=spec.true_discount, field="offer_text")
        except UntrueOffer as exc:
            raise InvalidPosterSpec(exc.message, field=exc.field) from None
        if spec.output_format != "auto" and spec.platform:
            allowed = _requirements(spec.platform).image_formats
            if spec.output_format not in allowed:
                raise InvalidPosterSpec(f"{spec.platform} accepts only {', '.join(allowed)} images.", field="output_format")
        if spec.platform:
            req = _requirements(spec.platform)
            width, height = SIZES[spec.size]
            ratio = width / height
            low, high = req.aspect_ratio_min, req.aspect_ratio_max
            if (low is not None and ratio < low - 1e-6) or (high is not None and ratio > high + 1e-6):
                fitting = [
                    name for name, (w, h) in SIZES.items()
                    if (low is None or w / h >= low - 1e-6) and (high is None or w / h <= high + 1e-6)
                ]
                best = max(fitting, key=lambda n: SIZES[n][1]) if fitting else None
                hint = f" Use size={best} ({SIZES[best][0]}x{SIZES[best][1]})." if best else ""
                raise InvalidPosterSpec(
                    f"{req.name or spec.platform} feed posts accept width:height from {_ratio(low)} to {_ratio(high)}; "
                    f"a {spec.size} poster ({width}x{height}) is not accepted.{hint}",
                    field="size",
                )
        return spec

    # --- reading ----------------------------------------------------------------------------

    @property
    def true_discount(self) -> float | None:
        """The exact discount the two prices give, in percent (None without both)."""
        return exact_discount(self.price, self.original_price)

    @property
    def layout(self) -> str:
        """Which footer this poster gets: full (price and an offer), price, offer or plain."""
        has_price = self.price is not None
        has_offer = bool(self.offer_text) or self.discount_percent is not None or self.original_price is not None
        if has_price and has_offer:
            return "full"
        if has_price:
            return "price"
        if has_offer:
            return "offer"
        return "plain"

    @property
    def resolved_format(self) -> str:
        # JPEG unless PNG was asked for: photos compress far better, and Instagram and TikTok
        # accept nothing else. Text stays crisp with 4:4:4 chroma at quality 90.
        return "PNG" if self.output_format == "PNG" else "JPEG"

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount, currency=self.currency) if amount is not None else ""

    def as_json(self) -> dict:
        """The API fields, JSON-safe (what a background job stores and gives back to create())."""
        out = {}
        for field in API_FIELDS:
            value = getattr(self, field.name)
            if value is None or value == field.default:
                continue
            out[field.name] = str(value) if isinstance(value, Decimal) else value
        return out


def _ratio(value: float | None) -> str:
    if value is None:
        return "any"
    for a, b in ((4, 5), (9, 16), (1, 1), (16, 9)):
        if abs(value - a / b) < 1e-3:
            return f"{a}:{b}"
    return f"{value:g}:1"


def _clean(field: PosterField, value: Any) -> Any:
    name = field.name
    if value is None or (isinstance(value, str) and not value.strip()):
        if field.required:
            raise InvalidPosterSpec("This field is required.", field=name)
        return None
    kind = field.kind
    if kind in ("text", "festival"):
        if not isinstance(value, str):
            raise InvalidPosterSpec("Must be a string.", field=name)
        value = " ".join(value.split())
        if field.max_length and len(value) > field.max_length:
            raise InvalidPosterSpec(f"At most {field.max_length} characters.", field=name)
        if kind == "festival":
            key = ALIASES.get(value.lower(), value.lower())
            if key not in FESTIVALS:
                raise InvalidPosterSpec(f"Unknown festival; choose one of: {', '.join(FESTIVALS)}.", field=name)
            return key
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            else:
                raise InvalidPosterSpec("Must be a whole number.", field=name)
        if not field.min_value <= value <= field.max_value:
            raise InvalidPosterSpec(f"Must be a whole number from {field.min_value} to {field.max_value}.", field=name)
        return value
    if kind == "money":
        if isinstance(value, bool):
            raise InvalidPosterSpec("Must be a number.", field=name)
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise InvalidPosterSpec("Must be a number.", field=name) from None
        if not amount.is_finite() or amount < 0 or amount >= MAX_PRICE:
            raise InvalidPosterSpec("Must be between 0 and 99,999,999.", field=name)
        return amount.quantize(Decimal("0.01"))
    if kind == "currency":
        currency = str(value).strip().upper()
        if not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
            raise InvalidPosterSpec("Must be a 3-letter ISO 4217 code.", field=name)
        return currency
    if kind == "choice":
        text = str(value).strip()
        if name == "output_format":
            text = {"JPG": "JPEG", "AUTO": "auto"}.get(text.upper(), text.upper())
        if text not in field.choices:
            raise InvalidPosterSpec(f"Unknown {name}; choose one of: {', '.join(field.choices)}.", field=name)
        return text
    if kind == "platform":
        text = str(value).strip().lower()
        if text not in PLATFORMS:
            raise InvalidPosterSpec(f"Unknown platform; choose one of: {', '.join(PLATFORMS)}.", field=name)
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise InvalidPosterSpec("Must be true or false.", field=name)
    raise AssertionError(f"unknown field kind {kind}")
