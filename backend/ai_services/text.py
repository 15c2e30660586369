"""Text helpers shared by the caption providers and the poster renderer: Indian number
formatting, grapheme-safe cutting, scripts."""
from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

VIRAMAS = {"\u094d", "\u0bcd", "\u09cd", "\u0a4d", "\u0acd", "\u0b4d", "\u0c4d", "\u0ccd", "\u0d4d"}
JOINERS = {"\u200c", "\u200d"}
CURRENCY_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£", "LKR": "Rs", "AED": "AED", "SGD": "S$"}

SCRIPT_RANGES = {
    "deva": (0x0900, 0x097F),
    "taml": (0x0B80, 0x0BFF),
}
LANGUAGE_SCRIPT = {"hi": "deva", "ta": "taml", "en": "latn"}


def group_indian(whole: int) -> str:
    """1499 -> '1,499'; 149999 -> '1,49,999' (lakh/crore grouping)."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join(groups + [tail])


def format_money(amount: Decimal | int | float | str, *, currency: str = "INR", symbol: str | None = None) -> str:
    """'₹1,499', 'Rs 1,499', '₹1,499.50', '$25'. Indian grouping for INR, western otherwise."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = int(value)
    paise = int((value - whole) * 100)
    currency = (currency or "INR").upper()
    grouped = group_indian(whole) if currency == "INR" else f"{whole:,}"
    number = grouped if paise == 0 else f"{grouped}.{paise:02d}"
    sign = symbol if symbol is not None else CURRENCY_SYMBOLS.get(currency, currency)
    # Alphabetic symbols ("Rs", "AED") need a space; "₹", "$" sit against the number.
    return f"{sign} {number}" if sign[-1:].isalpha() else f"{sign}{number}"


def format_inr(amount: Decimal | int | float | str, *, symbol: str = "₹") -> str:
    return format_money(amount, currency="INR", symbol=symbol)


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Whether cutting `text` at `index` keeps every grapheme cluster whole.

    Covers what captions meet: combining marks (Devanagari/Tamil vowel signs, nukta,
    anusvara), conjuncts joined by a virama, ZWJ/ZWNJ sequences, variation selectors and
    emoji skin-tone modifiers, regional-indicator flag pairs.
    """
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if unicodedata.category(after).startswith("M"):
        return False
    if after in JOINERS or before in JOINERS:
        return False
    if before in VIRAMAS and unicodedata.category(after).startswith("L"):
        return False
    if "\ufe00" <= after <= "\ufe0f" or "\U0001f3fb" <= after <= "\U0001f3ff":
        return False
    if "\U000e0020" <= after <= "\U000e007f":  # emoji tag sequences
        return False
    ri = lambda ch: "\U0001f1e6" <= ch <= "\U0001f1ff"  # noqa: E731
    if ri(before) and ri(after):
        run = 0
        j = index - 1
        while j >= 0 and ri(text[j]):
            run += 1
            j -= 1
        return run % 2 == 0
    return True


def script_share(text: str, script: str) -> float:
    """Share of the letters in `text` that belong to `script` ('deva', 'taml', 'latn')."""
    letters = [ch for ch in text if unicodedata.category(ch)[0] in "LM"]
    if not letters:
        return 0.0
    if script == "latn":
        hits = sum(1 for ch in letters if ch.isascii() or "\u00c0" <= ch <= "\u024f")
    else:
        low, high = SCRIPT_RANGES[script]
        hits = sum(1 for ch in letters if low <= ord(ch) <= high)
    return hits / len(letters)


def has_script(text: str, script: str) -> bool:
    if script == "latn":
        return any(ch.isascii() and ch.isalpha() for ch in text)
    low, high = SCRIPT_RANGES[script]
    return any(low <= ord(ch) <= high for ch in text)
