"""The one rule for a true offer, shared by posters and captions.

With both prices the discount is what they say, rounded down (₹1,799 against ₹2,499 is 28%,
never 29% or "50% off"); a discount the caller states may differ from it by at most one point.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal

from .text import format_money


# A percentage an offer line claims as a discount ("Flat 30% off", "30% की छूट", "30% தள்ளுபடி").
OFFER_PERCENT_RE = re.compile(
    r"(\d{1,3})\s*%\s*(?:की\s*)?(?:off|discount|छूट|தள்ளுபடி)", re.IGNORECASE
)


class UntrueOffer(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def offer_discount(*, price: Decimal | None, original_price: Decimal | None, discount_percent: int | None,
                   currency: str = "INR") -> int | None:
    """The discount to show, or raise UntrueOffer naming the field and the right figure."""
    if original_price is not None and price is None:
        raise UntrueOffer("original_price", "An original price needs a price.")
    if original_price is None:
        return discount_percent
    if original_price <= price:
        raise UntrueOffer("original_price", "The original price must be higher than the price.")
    exact = float((original_price - price) / original_price * 100)
    shown = math.floor(exact)
    if discount_percent is not None and abs(discount_percent - exact) > 1:
        raise UntrueOffer(
            "discount_percent",
            f"{format_money(price, currency=currency)} against {format_money(original_price, currency=currency)} is "
            f"{shown}% off, not {discount_percent}%: send discount_percent={shown} or leave it out.",
        )
    return shown if 1 <= shown <= 95 else None


def offer_text_check(*, offer: str | None, discount_percent: int | None, exact: float | None, field: str) -> None:
    """An offer line may not claim another discount than the one given (or computed)."""
    if not offer or discount_percent is None:
        return
    reference = exact if exact is not None else discount_percent
    for claimed in OFFER_PERCENT_RE.findall(offer):
        if abs(int(claimed) - reference) > 1:
            raise UntrueOffer(field, f"The offer says {claimed}% but the discount is {discount_percent}%.")


def exact_discount(price: Decimal | None, original_price: Decimal | None) -> float | None:
    if price is None or original_price is None or original_price <= 0:
        return None
    return float((original_price - price) / original_price * 100)


_MONEY_RE = re.compile(r"(?:₹|\bRs\.?|\bINR)\s?(\d[\d,]*(?:\.\d{1,2})?)")
_PERCENT_RE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")


def _ascii_digits(text: str) -> str:
    """Devanagari and Tamil digits read as 0-9 (a model may write ₹१,७९९)."""
    import unicodedata

    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def wrong_figures(caption: str, request) -> list[str]:
    """The amounts and percentages in `caption` that the request does not support: a price
    other than its price/original price, a discount other than its own (or its offer's)."""
    text = _ascii_digits(caption)
    allowed_money = {p.quantize(Decimal("0.01")) for p in (request.price, request.original_price) if p is not None}
    wrong = []
    for raw in _MONEY_RE.findall(text):
        amount = Decimal(raw.replace(",", "")).quantize(Decimal("0.01"))
        if amount not in allowed_money:
            wrong.append(f"₹{raw}")
    allowed_percent = set()
    if request.discount_percent is not None:
        allowed_percent.add(Decimal(request.discount_percent))
    exact = exact_discount(request.price, request.original_price)
    for raw in _PERCENT_RE.findall(_ascii_digits(request.offer or "")):
        allowed_percent.add(Decimal(raw))
    for raw in _PERCENT_RE.findall(text):
        value = Decimal(raw)
        if value in allowed_percent or (exact is not None and abs(float(value) - exact) < 1):
            continue
        wrong.append(f"{raw}%")
    return wrong
