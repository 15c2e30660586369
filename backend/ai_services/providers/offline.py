"""The offline provider: phrase tables a native speaker would write, no network, deterministic.

It is the default when no AI key is configured, so it must be genuinely usable. Captions are
assembled from five parts (opener, detail, price, occasion, closer), each a small table per
language written for grammar, not for variety:

- Hindi: the garment noun's gender picks हमारी नई साड़ी / हमारा नया कुर्ता; colours take their
  oblique form before रंग में (पीले रंग में); the product's own name never stands before a
  postposition (where it could not be inflected): it follows a colon or stands alone.
- Tamil: case endings are joined to their word by `lexicon.tamil_join` (தீபாவளிக்கு,
  தள்ளுபடியுடன்), and no template puts a word that would need sandhi doubling after them.
- Festivals and colours appear by their localised names (दीपावली, தீபாவளி), never as the
  English key; a colour or fabric we cannot name in the caption's language is left out.
- Only what the shop told us is said: no "handwoven", no "visit our studio", no scarcity.
- Prices are "₹" in every language; hashtags are each in one script.

The same request always gives the same output; `every_caption` lists every combination (the
caption linter runs over all of them).
"""
from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass

from backend.social.text import caption_length

from .. import lexicon
from ..text import LANGUAGE_SCRIPT, format_inr, script_share
from .base import AIProvider, CaptionRequest, CaptionResult, ImageSize, Usage

MODEL = "offline-templates-v2"


@dataclass(frozen=True)
class _Words:
    """Everything a template may name, already in the caption's language (None: not known)."""

    product: str
    noun: str
    our: str | None = None  # Hindi: हमारा / हमारी
    new: str | None = None  # Hindi: नया / नई
    ka: str | None = None  # Hindi: का / की
    rahi: str | None = None  # Hindi: रहा / रही
    colour: str | None = None
    fabric: str | None = None
    price: str | None = None
    original: str | None = None
    discount: int | None = None
    offer: str | None = None
    occasion: str | None = None  # the festival's name
    occasion_on: str | None = None  # Hindi "दीपावली पर"; Tamil dative "தீபாவளிக்கு"


def _words(request: CaptionRequest) -> _Words:
    lang = request.language
    noun = lexicon.garment_noun(request.product_name, request.category)
    festival = lexicon.festival_key(request.occasion)
    occasion = occasion_on = None
    if festival:
        occasion = lexicon.FESTIVAL_NAMES[festival][lang]
    elif request.occasion and (lang == "en" or script_share(request.occasion, LANGUAGE_SCRIPT[lang]) > 0.9):
        occasion = request.occasion  # the shop's own words, in the caption's script
    common = dict(
        product=request.product_name,
        colour=lexicon.colour_name(request.color, lang),
        fabric=lexicon.fabric_name(request.fabric, lang),
        price=format_inr(request.price) if request.price is not None else None,
        original=format_inr(request.original_price) if request.original_price is not None else None,
        discount=request.discount_percent,
        offer=request.offer,
        occasion=occasion,
    )
    if lang == "hi":
        if occasion:
            occasion_on = f"{occasion} {'में' if festival in ('wedding', 'navratri') else 'पर'}"
        colour = common.pop("colour")
        return _Words(noun=noun.hi, our="हमारी" if noun.hi_gender == "f" else "हमारा",
                      new=lexicon.hi_adjective("नया", noun), ka="की" if noun.hi_gender == "f" else "का",
                      rahi="रही" if noun.hi_gender == "f" else "रहा",
                      colour=lexicon.hi_oblique_adjective(colour) if colour else None,
                      occasion_on=occasion_on, **common)
    if lang == "ta":
        if occasion:
            occasion_on = lexicon.tamil_join(occasion, "dat")
        return _Words(noun=noun.ta, occasion_on=occasion_on, **common)
    return _Words(noun=noun.en, **common)


# Each table entry: (template, fields it needs). A template is used only when all are known.
T = tuple[str, tuple[str, ...]]

OPENERS: dict[str, dict[str, list[T]]] = {
    "en": {
        "friendly": [("Meet the {product}.", ()), ("Fresh in the shop: {product}.", ()),
                     ("Say hello to the {product}.", ())],
        "festive": [("Celebrate {occasion} in style with the {product}.", ("occasion",)),
                    ("Celebrate in style with the {product}!", ()),
                    ("Festive looks start here: {product}.", ()),
                    ("Make the season sparkle with the {product}.", ())],
        "premium": [("Introducing the {product}.", ()), ("Timeless elegance: the {product}.", ()),
                    ("Quietly elegant: the {product}.", ())],
        "playful": [("Plot twist: your wardrobe just met the {product}!", ()),
                    ("Warning: the {product} may cause compliments.", ()),
                    ("Swipe, smile, repeat: the {product} is here!", ())],
    },
    "hi": {
        "friendly": [("पेश है {our} {new} {noun}: {product}।", ()), ("दुकान में नया क्या है? {product}।", ()),
                     ("आपके लिए ख़ास: {product}।", ())],
        "festive": [("{occasion_on} पहनिए {our} {new} {noun}: {product}।", ("occasion_on",)),
                    ("इस त्योहार पर पहनिए {our} {new} {noun}: {product}।", ()),
                    ("त्योहार की रौनक बढ़ाइए: {product}।", ()), ("जश्न की तैयारी: {product}।", ())],
        "premium": [("प्रस्तुत है {product}।", ()), ("सदाबहार ख़ूबसूरती: {product}।", ()),
                    ("सलीके की पसंद: {product}।", ())],
        "playful": [("नया लुक, नया अंदाज़: {product}!", ()),
                    ("दिल आ गया? {product} आपका इंतज़ार कर {rahi} है!", ()),
                    ("सावधान! {product} पहनने पर तारीफ़ें रुकेंगी नहीं।", ())],
    },
    "ta": {
        "friendly": [("எங்கள் புதிய {noun}: {product}.", ()), ("கடையில் புதிதாக வந்துள்ளது: {product}.", ()),
                     ("உங்களுக்காக: {product}.", ())],
        "festive": [("{occasion_on} ஏற்ற {noun}: {product}.", ("occasion_on",)),
                    ("பண்டிகைக்கு ஏற்ற {noun}: {product}.", ()),
                    ("கொண்டாட்டத்துக்கு ஏற்ற அழகு: {product}.", ()), ("பண்டிகை அழகு இங்கே: {product}.", ())],
        "premium": [("அறிமுகம்: {product}.", ()), ("என்றும் அழகு: {product}.", ()),
                    ("நேர்த்தியான தேர்வு: {product}.", ())],
        "playful": [("புது லுக், புது ஸ்டைல்: {product}!", ()),
                    ("மனசு பறிபோச்சா? {product} உங்களுக்காகக் காத்திருக்கிறது!", ()),
                    ("கவனம்! {product} அணிந்தால் பாராட்டுகள் நிற்காது.", ())],
    },
}

DETAILS: dict[str, list[T]] = {
    "en": [("A {colour} {noun} in {fabric}.", ("colour", "fabric")), ("Fabric: {fabric}.", ("fabric",)),
           ("Colour: {colour}.", ("colour",))],
    "hi": [("{colour} रंग में {fabric} {ka} {noun}।", ("colour", "fabric")), ("{fabric} {ka} {noun}।", ("fabric",)),
           ("{colour} रंग में उपलब्ध।", ("colour",))],
    "ta": [("{colour} நிறத்தில் கிடைக்கிறது. துணி: {fabric}.", ("colour", "fabric")), ("துணி: {fabric}.", ("fabric",)),
           ("{colour} நிறத்தில் கிடைக்கிறது.", ("colour",))],
}

PRICES: dict[str, list[T]] = {
    "en": [("Was {original}, now {price}: {discount}% off.", ("original", "price", "discount")),
           ("Now {price}, {discount}% off.", ("price", "discount")),
           ("Was {original}, now {price}.", ("original", "price")),
           ("Just {price}.", ("price",)), ("Priced at {price}.", ("price",)),
           ("{discount}% off.", ("discount",))],
    "hi": [("पहले {original}, अब {discount}% छूट के साथ सिर्फ़ {price}।", ("original", "price", "discount")),
           ("{discount}% छूट के साथ अब सिर्फ़ {price}।", ("price", "discount")),
           ("पहले {original}, अब सिर्फ़ {price}।", ("original", "price")),
           ("कीमत सिर्फ़ {price}।", ("price",)), ("सिर्फ़ {price} में।", ("price",)),
           ("{discount}% की छूट।", ("discount",))],
    "ta": [("முன்பு {original}, இப்போது {discount}% தள்ளுபடியுடன் {price} மட்டுமே.", ("original", "price", "discount")),
           ("{discount}% தள்ளுபடியுடன் இப்போது {price} மட்டுமே.", ("price", "discount")),
           ("முன்பு {original}, இப்போது {price} மட்டுமே.", ("original", "price")),
           ("விலை {price} மட்டுமே.", ("price",)), ("{price} மட்டுமே.", ("price",)),
           ("{discount}% தள்ளுபடி.", ("discount",))],
}
OFFER_LINE = {"en": "Offer: {offer}.", "hi": "ऑफ़र: {offer}।", "ta": "சலுகை: {offer}."}

OCCASIONS: dict[str, list[T]] = {
    "en": [("Perfect for {occasion}.", ("occasion",)), ("Ready for {occasion}?", ("occasion",))],
    "hi": [("{occasion} के लिए ख़ास।", ("occasion",)), ("{occasion} की तैयारी अभी से!", ("occasion",))],
    "ta": [("{occasion_on} ஏற்றது.", ("occasion_on",)), ("{occasion_on} இப்போதே தயாராகுங்கள்!", ("occasion_on",))],
}

CLOSERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "friendly": ["DM us to order.", "Message us to reserve yours.",
                     "Drop us a message and we will keep one aside for you."],
        "festive": ["Order now for the festive season!", "Book yours before the festival rush!"],
        "premium": ["Message us for details.", "Enquire via DM to reserve yours."],
        "playful": ["Go on, treat yourself. DM us!", "Your next favourite outfit is one message away."],
        "whatsapp": ["Reply to this message to order.", "Reply here to reserve yours."],
    },
    "hi": {
        "friendly": ["ऑर्डर के लिए हमें मैसेज करें।", "अपना पीस रिज़र्व करने के लिए हमें मैसेज करें।"],
        "festive": ["त्योहार से पहले अभी ऑर्डर करें!", "आज ही ऑर्डर करें!"],
        "premium": ["जानकारी के लिए हमें मैसेज करें।", "रिज़र्व करने के लिए DM करें।"],
        "playful": ["देर मत कीजिए, अभी मैसेज कीजिए!", "खुद को एक तोहफ़ा दीजिए, अभी DM करें!"],
        "whatsapp": ["ऑर्डर के लिए इसी चैट में जवाब दें।", "रिज़र्व करने के लिए यहीं जवाब दें।"],
    },
    "ta": {
        "friendly": ["ஆர்டர் செய்ய எங்களுக்கு மெசேஜ் செய்யுங்கள்.",
                     "உங்களுக்கானதை முன்பதிவு செய்ய எங்களுக்கு மெசேஜ் செய்யுங்கள்."],
        "festive": ["பண்டிகைக்கு முன் இப்போதே ஆர்டர் செய்யுங்கள்!", "இன்றே ஆர்டர் செய்யுங்கள்!"],
        "premium": ["விவரங்களுக்கு எங்களுக்கு மெசேஜ் செய்யுங்கள்.", "முன்பதிவு செய்ய DM செய்யுங்கள்."],
        "playful": ["தாமதிக்காதீர்கள், இப்போதே மெசேஜ் செய்யுங்கள்!",
                    "உங்களுக்கு நீங்களே ஒரு பரிசு! இப்போதே DM செய்யுங்கள்."],
        "whatsapp": ["ஆர்டர் செய்ய இங்கேயே பதில் அனுப்புங்கள்.", "முன்பதிவு செய்ய இங்கேயே பதில் அனுப்புங்கள்."],
    },
}

# Business networks get no jokes: a playful tone is written as premium there.
PLATFORM_TONE = {"linkedin": {"playful": "premium"}}

GENERIC_TAGS = {
    "en": ["ShopLocal", "IndianWear", "VocalForLocal", "Textiles"],
    "hi": ["भारतीयपरिधान", "ShopLocal", "IndianWear"],
    "ta": ["ShopLocal", "IndianWear"],
}
TONE_TAGS = {"festive": "FestiveWear", "premium": "EthnicElegance", "playful": "OOTD", "friendly": "StyleDiaries"}


def _usable(table: list[T], words: _Words) -> list[str]:
    return [t for t, needs in table if all(getattr(words, n) not in (None, "") for n in needs)]


def _richest(table: list[T], words: _Words) -> list[str]:
    """The templates naming the most of what we know (a price line with the discount beats one without)."""
    usable = [(t, needs) for t, needs in table if all(getattr(words, n) not in (None, "") for n in needs)]
    if not usable:
        return []
    most = max(len(needs) for _, needs in usable)
    return [t for t, needs in usable if len(needs) == most]


class OfflineProvider(AIProvider):
    name = "offline"

    def _parts(self, request: CaptionRequest) -> tuple[_Words, list[list[str]]]:
        lang = request.language
        tone = PLATFORM_TONE.get(request.platform or "", {}).get(request.tone, request.tone)
        words = _words(request)
        openers = _usable(OPENERS[lang][tone], words)
        festive_first = [t for t, needs in OPENERS[lang][tone] if needs and t in openers]
        if festive_first:  # name the festival when we know it
            openers = festive_first + [t for t in openers if t not in festive_first][:2]
        details = _richest(DETAILS[lang], words) or [""]
        prices = _richest(PRICES[lang], words) or [""]
        if words.offer:
            offer = OFFER_LINE[lang]
            prices = [f"{p} {offer}".strip() for p in prices]
        occasions = _usable(OCCASIONS[lang], words) or [""]
        closers = CLOSERS[lang]["whatsapp" if request.platform == "whatsapp" else tone]
        return words, [openers, details, prices, occasions, closers]

    @staticmethod
    def _compose(parts: list[str], words: _Words, budget: int, counting: str) -> str:
        values = {k: v for k, v in words.__dict__.items() if v is not None}
        if "{occasion" in parts[0]:
            parts = [*parts[:3], "", parts[4]]  # the opener named the festival already
        opener, detail, price, occasion, closer = [p.format(**values) if p else "" for p in parts]
        # On short platforms (X: 280 weighted) leave out the occasion, then the detail line,
        # rather than have the caption cut off mid-sentence.
        body_parts = [opener, detail, price, occasion]
        for optional in (3, 1, None):
            body = " ".join(p for p in body_parts if p)
            caption = f"{body}\n\n{closer}"
            if optional is None or caption_length(caption, counting) <= budget:
                return caption
            body_parts[optional] = ""
        return caption

    def every_caption(self, request: CaptionRequest) -> list[str]:
        """Every caption the tables can make for `request` (for the linter)."""
        words, tables = self._parts(request)
        budget, counting = self._budget(request)
        return [self._compose(list(combo), words, budget, counting) for combo in itertools.product(*tables)]

    def generate_captions(self, request: CaptionRequest) -> CaptionResult:
        words, tables = self._parts(request)
        seed = int.from_bytes(hashlib.sha256(repr(request).encode("utf-8")).digest()[:8], "big")
        rng = random.Random(seed)
        combos = list(itertools.product(*(range(len(t)) for t in tables)))
        rng.shuffle(combos)
        chosen: list[tuple[int, ...]] = []
        for _ in range(min(request.variants, len(combos))):
            # Greedy: the next combination sharing the fewest parts with those already chosen.
            best = min(
                (c for c in combos if c not in chosen),
                key=lambda c: sum(sum(a == b for a, b in zip(c, prev)) for prev in chosen),
            )
            chosen.append(best)
        budget, counting = self._budget(request)
        captions = [self._compose([t[i] for t, i in zip(tables, combo)], words, budget, counting) for combo in chosen]
        return CaptionResult(captions=captions, hashtags=self._hashtags(request), provider=self.name, model=MODEL,
                             usage=Usage())

    @staticmethod
    def _budget(request: CaptionRequest) -> tuple[int, str]:
        from ..captions import HASHTAG_BUDGET_SHARE, requirements_for

        req = requirements_for(request.platform)
        return int(req.caption_max * (1 - HASHTAG_BUDGET_SHARE)) - 4, req.caption_counting

    def _hashtags(self, request: CaptionRequest) -> list[str]:
        """Tags in the caption's language first, each in one script (mixed ones are dropped)."""
        lang = request.language
        noun = lexicon.garment_noun(request.product_name, request.category)
        festival = lexicon.festival_key(request.occasion)
        tags: list[str] = []
        if lang == "en":
            tags.append(request.product_name)
            if request.fabric:
                tags.append(request.fabric)
            if request.color and request.category:
                tags.append(f"{request.color} {request.category}")
            if request.category:
                tags.append(request.category)
            if festival:
                tags.append(lexicon.FESTIVAL_TAGS[festival]["en"])
            if request.fabric and request.category:
                tags.append(f"{request.fabric} {request.category}")
        else:
            script = LANGUAGE_SCRIPT[lang]
            if script_share(request.product_name, script) > 0.9:
                tags.append(request.product_name)
            if noun is not lexicon.GENERIC:
                tags.append(getattr(noun, lang))
            fabric = lexicon.fabric_name(request.fabric, lang)
            if fabric:
                tags.append(fabric)
            if fabric and noun is not lexicon.GENERIC and lang == "hi":
                tags.append(f"{fabric}{noun.hi}")
            if festival:
                tags.append(lexicon.FESTIVAL_TAGS[festival][lang])
                tags.append(lexicon.FESTIVAL_TAGS[festival]["en"])
            if noun is not lexicon.GENERIC:
                tags.append(noun.en.title())
        tags.append(TONE_TAGS[PLATFORM_TONE.get(request.platform or "", {}).get(request.tone, request.tone)])
        tags.extend(GENERIC_TAGS[lang])
        return tags

    def restyle_product_image(self, *, image: bytes, prompt: str, size: ImageSize) -> bytes | None:
        # Offline there is no image model: the photo is used as the shop took it.
        return None
