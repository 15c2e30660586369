"""What happens to every provider's captions before a shop sees them.

- Hashtags are normalised (one leading '#', letters/marks/digits/_ only, Devanagari and Tamil
  kept), de-duplicated case-insensitively and capped at the platform's `hashtag_max`.
- Each caption is fitted to the platform's `caption_max`, counted the platform's way
  (`caption_length(..., requirements.caption_counting)`), *including* the hashtag block as
  `backend.social.text.compose` will append it. Captions are shortened at a word boundary with
  an ellipsis, never inside a grapheme cluster.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from decimal import Decimal

from backend.social.platforms import requirements as platform_requirements
from backend.social.platforms.requirements import Requirements
from backend.social.text import HASHTAG_RE, caption_length, compose, find_hashtags

from .providers.base import CaptionRequest, CaptionResult
from .providers.registry import get_provider
from .text import is_grapheme_boundary

ELLIPSIS = "…"
MAX_HASHTAG_CHARS = 50
# No platform given: write for the strictest common case a caption is reused on (Instagram).
GENERIC_REQUIREMENTS = Requirements(caption_max=2200, hashtag_max=30)
# Platforms without a hashtag cap still get a sensible number of tags.
DEFAULT_HASHTAG_CAP = 15
# How many hashtags a post should carry, per platform (below any hard cap): a few on LinkedIn,
# Facebook and X, none in a WhatsApp message (they are not links there, just noise).
HASHTAG_COUNT = {"instagram": 12, "tiktok": 5, "facebook": 4, "twitter": 2, "linkedin": 3, "whatsapp": 0, "sandbox": 10}
GENERIC_HASHTAG_COUNT = 12
# The hashtag block may use at most this share of the caption budget (matters on X: 280).
HASHTAG_BUDGET_SHARE = 0.25
_TRAILING_JUNK = " \t\n,;:.!?।–—-/|(&"


def requirements_for(platform: str | None) -> Requirements:
    if not platform:
        return GENERIC_REQUIREMENTS
    found = getattr(platform_requirements, platform.upper(), None)
    if not isinstance(found, Requirements):
        raise ValueError(f"No requirements known for platform {platform!r}")
    return found


def normalize_hashtag(raw: str) -> str | None:
    """'silk saree' -> '#SilkSaree', '##Diwali!' -> '#Diwali', 'रेशमी साड़ी' -> '#रेशमीसाड़ी'.

    None when nothing usable is left (empty, digits only, starts with a mark)."""
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFC", raw).strip().lstrip("#＃").strip()
    words = re.split(r"[\s\-/.,&+]+", text)
    parts: list[str] = []
    for word in words:
        kept = "".join(
            ch for ch in word if ch == "_" or unicodedata.category(ch)[0] in "LMN"
        )
        if not kept:
            continue
        if len(words) > 1 and kept[0].isascii() and kept[0].isalpha():
            kept = kept[0].upper() + kept[1:]
        parts.append(kept)
    body = "".join(parts)
    if not body or unicodedata.category(body[0]).startswith("M") or body.isdigit():
        return None
    if len(_scripts(body)) > 1:  # "#दिवालीCollection" reads as neither language
        return None
    while len(body) > MAX_HASHTAG_CHARS:
        body = body[:-1]
        while body and not is_grapheme_boundary(body + "x", len(body)):
            body = body[:-1]
    tag = "#" + body
    # Must read back as exactly one hashtag with the same rule preflight uses.
    match = HASHTAG_RE.fullmatch(tag)
    return tag if match else None


def _scripts(text: str) -> set[str]:
    found = set()
    for ch in text:
        if not ch.isalpha() and not unicodedata.category(ch).startswith("M"):
            continue
        code = ord(ch)
        if 0x0900 <= code <= 0x097F:
            found.add("deva")
        elif 0x0B80 <= code <= 0x0BFF:
            found.add("taml")
        elif code < 0x0250:
            found.add("latn")
        else:
            found.add(f"other-{code >> 7}")
    return found


def normalize_hashtags(raw_tags: list[str], *, limit: int | None) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for raw in raw_tags:
        tag = normalize_hashtag(raw)
        if tag is None or tag.casefold() in seen:
            continue
        seen.add(tag.casefold())
        out.append(tag)
        if limit is not None and len(out) >= limit:
            break
    return out


def _hashtag_cap(req: Requirements, platform: str | None = None) -> int:
    cap = req.hashtag_max if req.hashtag_max is not None else DEFAULT_HASHTAG_CAP
    return min(cap, HASHTAG_COUNT.get(platform, GENERIC_HASHTAG_COUNT) if platform else GENERIC_HASHTAG_COUNT)


def _fit_hashtag_budget(tags: list[str], req: Requirements) -> list[str]:
    budget = int(req.caption_max * HASHTAG_BUDGET_SHARE)
    tags = list(tags)
    while tags and caption_length(" ".join(tags), req.caption_counting) > budget:
        tags.pop()
    return tags


def _fits(caption: str, hashtags: list[str], req: Requirements) -> bool:
    return caption_length(compose(caption, hashtags), req.caption_counting) <= req.caption_max


def _dehash_excess_inline(caption: str, hashtags: list[str], req: Requirements, cap: int | None = None) -> str:
    """Keep the total number of hashtags the platform sees within its cap."""
    if cap == 0:
        return HASHTAG_RE.sub(lambda m: m.group(0)[1:], caption)
    if req.hashtag_max is None:
        return caption
    shared = {tag.casefold() for tag in hashtags}
    total = {tag.casefold() for tag in find_hashtags(compose(caption, hashtags))}
    if len(total) <= req.hashtag_max:
        return caption
    excess = len(total) - req.hashtag_max

    def strip(match: re.Match) -> str:
        nonlocal excess
        tag = match.group(0)
        if excess > 0 and tag.casefold() not in shared:
            excess -= 1
            return tag[1:]
        return tag

    return HASHTAG_RE.sub(strip, caption)


def _shortened(text: str, cut: int) -> str:
    head = text[:cut].rstrip(_TRAILING_JUNK)
    return f"{head}{ELLIPSIS}" if head else ELLIPSIS


def fit_caption(caption: str, *, hashtags: list[str], requirements: Requirements) -> str:
    """`caption`, shortened if needed so that compose(caption, hashtags) fits the platform."""
    caption = caption.strip()
    if _fits(caption, hashtags, requirements):
        return caption
    # Word boundaries first: cut just before a whitespace character.
    cuts = [i for i, ch in enumerate(caption) if ch.isspace() and i > 0 and is_grapheme_boundary(caption, i)]
    best = _largest_fitting(caption, cuts, hashtags, requirements)
    if best is None:
        # A single over-long word: fall back to grapheme boundaries.
        cuts = [i for i in range(1, len(caption)) if is_grapheme_boundary(caption, i)]
        best = _largest_fitting(caption, cuts, hashtags, requirements)
    if best is None:
        return ELLIPSIS if _fits(ELLIPSIS, hashtags, requirements) else ""
    return best


def _largest_fitting(text: str, cuts: list[int], hashtags: list[str], req: Requirements) -> str | None:
    lo, hi, best = 0, len(cuts) - 1, None
    while lo <= hi:  # the shortened length grows with the cut index
        mid = (lo + hi) // 2
        candidate = _shortened(text, cuts[mid])
        if _fits(candidate, hashtags, req):
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best


def postprocess(result: CaptionResult, *, platform: str | None) -> CaptionResult:
    """Normalise hashtags and fit every caption to `platform` (see the module docstring)."""
    req = requirements_for(platform)
    cap = _hashtag_cap(req, platform)
    hashtags = normalize_hashtags(result.hashtags, limit=cap) if cap else []
    hashtags = _fit_hashtag_budget(hashtags, req)
    captions: list[str] = []
    for caption in result.captions:
        text = unicodedata.normalize("NFC", caption).strip()
        if not text:
            continue
        text = _dehash_excess_inline(text, hashtags, req, cap)
        text = fit_caption(text, hashtags=hashtags, requirements=req)
        if text and text not in captions:
            captions.append(text)
    return replace(result, captions=captions, hashtags=hashtags)


def caption_generate(
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
    provider: str | None = None,
) -> CaptionResult:
    """Captions and hashtags for a product, ready to post on `platform`.

    Raises InvalidRequest (400), UnknownProvider (configuration) or ProviderError
    (transient -> 503, rejected -> 422/502, quota_exhausted -> 503 with its message).
    """
    request = CaptionRequest.create(
        product_name=product_name,
        fabric=fabric,
        color=color,
        category=category,
        price=price,
        original_price=original_price,
        discount_percent=discount_percent,
        offer=offer,
        occasion=occasion,
        language=language,
        tone=tone,
        platform=platform,
        variants=variants,
    )
    raw = get_provider(provider).generate_captions(request)
    return postprocess(raw, platform=request.platform)
