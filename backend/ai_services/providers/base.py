"""The contract every AI provider implements, with typed inputs, results and errors.

A provider turns a `CaptionRequest` into a `CaptionResult` and may restyle a product photo.
Vendor SDKs are imported only inside their adapter module (`openai_provider.py`); everything
the providers share (validation, the hashtag and length rules) lives outside them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from backend.core.redaction import redact_secrets

from ..offers import UntrueOffer, exact_discount, offer_discount, offer_text_check

LANGUAGES: dict[str, str] = {"en": "English", "hi": "Hindi", "ta": "Tamil"}
TONES: dict[str, str] = {
    "friendly": "warm and conversational, like a shop owner talking to a regular customer",
    "festive": "celebratory, tied to the season or festival, inviting people to dress up",
    "premium": "elegant and understated, stressing craft, fabric and finish",
    "playful": "light, fun and energetic, with a wink",
}
DEFAULT_TONE = "friendly"
PLATFORMS = ("sandbox", "facebook", "instagram", "tiktok", "whatsapp", "twitter", "linkedin")
MAX_VARIANTS = 5
MAX_FIELD_CHARS = {"product_name": 200, "fabric": 60, "color": 60, "category": 60, "offer": 120, "occasion": 60}

ImageSize = Literal["1024x1024", "1024x1536", "1536x1024"]


class InvalidRequest(ValueError):
    """The caller's input cannot be served (a 400 for the API): `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ProviderError(Exception):
    """A provider call failed. `kind` tells the caller what to do about it.

    - "transient": timeouts, 5xx, rate limits left after the bounded retries: try again later
      (the API gives the usage unit back and answers 503).
    - "rejected": the provider refused the request or returned something unusable (4xx,
      a refusal, invalid structured output): retrying the same input will not help.
    - "quota_exhausted": the provider account has no credit (`insufficient_quota`): fails fast,
      nothing is retried, an operator must top up the account.
    """

    KINDS = ("transient", "rejected", "quota_exhausted")
    # What the API answers (never a 500): try later / the provider would not do it.
    HTTP_STATUS = {"transient": 503, "rejected": 422, "quota_exhausted": 503}

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"Unknown ProviderError kind: {kind!r}")
        message = redact_secrets(message)  # providers echo keys they were sent
        super().__init__(message)
        self.kind = kind
        self.message = message

    @property
    def code(self) -> str:
        return f"ai_provider_{self.kind}"

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS[self.kind]

    def __repr__(self) -> str:
        return f"ProviderError(kind={self.kind!r}, message={self.message!r})"


class UnknownProvider(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"Unknown AI provider {name!r}; known providers: {', '.join(known) or 'none'}")
        self.name = name


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


def _clean_text(name: str, value: str | None, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidRequest(name, "This field is required.")
        return None
    if not isinstance(value, str):
        raise InvalidRequest(name, "Must be a string.")
    value = " ".join(value.split())
    if not value:
        if required:
            raise InvalidRequest(name, "This field may not be blank.")
        return None
    limit = MAX_FIELD_CHARS.get(name)
    if limit and len(value) > limit:
        raise InvalidRequest(name, f"At most {limit} characters.")
    return value


def _clean_price(value: Decimal | int | float | str | None, *, field: str = "price") -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidRequest(field, "Must be a number.")
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidRequest(field, "Must be a number.") from None
    if not price.is_finite() or price < 0 or price >= Decimal("100000000"):
        raise InvalidRequest(field, "Must be between 0 and 99,999,999.")
    return price.quantize(Decimal("0.01"))


@dataclass(frozen=True, kw_only=True)
class CaptionRequest:
    """What a shop tells us about a product. Build it with `CaptionRequest.create(...)`,
    which validates and normalises every field (raising `InvalidRequest`)."""

    product_name: str
    fabric: str | None = None
    color: str | None = None
    category: str | None = None
    price: Decimal | None = None
    original_price: Decimal | None = None
    discount_percent: int | None = None  # with both prices: the true discount, rounded down
    offer: str | None = None
    occasion: str | None = None
    language: str = "en"
    tone: str = DEFAULT_TONE
    platform: str | None = None
    variants: int = 3

    @classmethod
    def create(
        cls,
        *,
        product_name: str,
        fabric: str | None = None,
        color: str | None = None,
        category: str | None = None,
        price: Decimal | int | float | str | None = None,
        original_price: Decimal | int | float | str | None = None,
        discount_percent: int | None = None,
        offer: str | None = None,
        occasion: str | None = None,
        language: str = "en",
        tone: str | None = None,
        platform: str | None = None,
        variants: int = 3,
    ) -> "CaptionRequest":
        language = (language or "").strip().lower()
        if language not in LANGUAGES:
            raise InvalidRequest(
                "language", f"Unsupported language {language!r}; choose one of: {', '.join(LANGUAGES)}."
            )
        tone = (tone or DEFAULT_TONE).strip().lower()
        if tone not in TONES:
            raise InvalidRequest("tone", f"Unknown tone {tone!r}; choose one of: {', '.join(TONES)}.")
        if platform is not None and platform != "":
            platform = platform.strip().lower()
            if platform not in PLATFORMS:
                raise InvalidRequest("platform", f"Unknown platform {platform!r}; choose one of: {', '.join(PLATFORMS)}.")
        else:
            platform = None
        if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= MAX_VARIANTS:
            raise InvalidRequest("variants", f"Must be an integer from 1 to {MAX_VARIANTS}.")
        if discount_percent is not None and (
            isinstance(discount_percent, bool) or not isinstance(discount_percent, int) or not 1 <= discount_percent <= 95
        ):
            raise InvalidRequest("discount_percent", "Must be a whole number from 1 to 95.")
        price_value, original_value = _clean_price(price), _clean_price(original_price, field="original_price")
        try:
            discount_percent = offer_discount(price=price_value, original_price=original_value,
                                              discount_percent=discount_percent)
            offer_text_check(offer=offer, discount_percent=discount_percent,
                             exact=exact_discount(price_value, original_value), field="offer")
        except UntrueOffer as exc:
            raise InvalidRequest(exc.field, exc.message) from None
        return cls(
            product_name=_clean_text("product_name", product_name, required=True),  # type: ignore[arg-type]
            fabric=_clean_text("fabric", fabric),
            color=_clean_text("color", color),
            category=_clean_text("category", category),
            price=price_value,
            original_price=original_value,
            discount_percent=discount_percent,
            offer=_clean_text("offer", offer),
            occasion=_clean_text("occasion", occasion),
            language=language,
            tone=tone,
            platform=platform,
            variants=variants,
        )


@dataclass(frozen=True, kw_only=True)
class CaptionResult:
    captions: list[str]
    hashtags: list[str]
    provider: str
    model: str
    usage: Usage = field(default_factory=Usage)

    def as_dict(self) -> dict:
        """The body of POST /api/textile/caption/."""
        return {
            "captions": list(self.captions),
            "hashtags": list(self.hashtags),
            "provider": self.provider,
            "model": self.model,
            "usage": self.usage.as_dict(),
        }


class AIProvider(ABC):
    """One AI vendor (or the offline generator). Instances are cheap and stateless."""

    name: str = ""

    @abstractmethod
    def generate_captions(self, request: CaptionRequest) -> CaptionResult:
        """Raw captions and hashtag suggestions for `request` (post-processing happens after)."""

    @abstractmethod
    def restyle_product_image(self, *, image: bytes, prompt: str, size: ImageSize) -> bytes | None:
        """A restyled version of the product photo (encoded image bytes), or None to keep it."""
