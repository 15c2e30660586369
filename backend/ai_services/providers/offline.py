"""The offline provider: well-written template captions, no network, fully deterministic.

It is the default when no AI key is configured, so it must be genuinely usable: templates per
language and tone weave in the fabric, colour, category, price (Indian grouping), offer and
occasion, and variants differ from each other. The same request always gives the same output.
"""
from __future__ import annotations

import hashlib
import itertools
import random
import string

from backend.social.text import caption_length

from ..text import format_inr
from .base import AIProvider, CaptionRequest, CaptionResult, ImageSize, Usage

MODEL = "offline-templates-v1"

# {product} {fabric} {color} {category} {price} {offer} {occasion}
OPENERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "friendly": ["Meet our {product}!", "Say hello to the {product}.", "Fresh in the shop: the {product}."],
        "festive": [
            "Celebrate in style with our {product}!",
            "Make this season sparkle with the {product}.",
            "Festive looks start here: the {product}.",
        ],
        "premium": ["Introducing the {product}.", "Timeless elegance: the {product}.", "Crafted to be cherished: our {product}."],
        "playful": [
            "Plot twist: your wardrobe just met the {product}!",
            "Warning: the {product} may cause compliments.",
            "Swipe, smile, repeat: the {product} is here!",
        ],
    },
    "hi": {
        "friendly": ["मिलिए {product} से!", "हमारी दुकान में नया: {product}।", "आपके लिए खास: {product}।"],
        "festive": [
            "त्योहार की रौनक बढ़ाइए {product} के साथ!",
            "इस त्योहार पर चमकिए {product} में।",
            "उत्सव का रंग, {product} के संग!",
        ],
        "premium": ["प्रस्तुत है {product}।", "सदाबहार खूबसूरती: {product}।", "बारीक कारीगरी की मिसाल: {product}।"],
        "playful": [
            "सावधान! {product} पहनने पर तारीफ़ें रुकेंगी नहीं।",
            "दिल आ गया? {product} बस आपके लिए!",
            "नया लुक, नया अंदाज़: {product}!",
        ],
    },
    "ta": {
        "friendly": ["எங்கள் புதிய {product} உங்களுக்காக!", "கடையில் புதிதாக: {product}.", "உங்களுக்குப் பிடித்த {product} வந்துவிட்டது!"],
        "festive": [
            "{product} உடன் பண்டிகையைக் கொண்டாடுங்கள்!",
            "இந்தப் பண்டிகைக்கு {product} அணிந்து ஜொலியுங்கள்.",
            "பண்டிகை அழகு {product} உடன் தொடங்குகிறது!",
        ],
        "premium": ["அறிமுகம்: {product}.", "என்றும் அழியாத அழகு: {product}.", "நுணுக்கமான கைவினைத் திறன்: {product}."],
        "playful": [
            "கவனம்! {product} அணிந்தால் பாராட்டுகள் நிற்காது.",
            "மனசு பறிபோச்சா? {product} உங்களுக்காகக் காத்திருக்கிறது!",
            "புது லுக், புது ஸ்டைல்: {product}!",
        ],
    },
}

DETAILS: dict[str, list[str]] = {
    "en": [
        "Woven in {fabric} in a rich {color} shade.",
        "Soft {fabric} that feels as good as it looks.",
        "A {color} {category} you will reach for again and again.",
        "A {category} made for everyday grace.",
        "The {color} tone pairs beautifully with gold jewellery.",
        "Made with care, finished by hand.",
    ],
    "hi": [
        "{color} रंग में खूबसूरत {fabric} की बुनाई।",
        "मुलायम {fabric}, पहनने में बेहद आरामदायक।",
        "{color} रंग में {category}, हर मौके के लिए।",
        "{category} जो हर दिन को खास बना दे।",
        "{color} रंग हर किसी पर खिलता है।",
        "हमारे कारीगरों ने बड़े प्यार से तैयार किया।",
    ],
    "ta": [
        "அழகான {color} நிறத்தில் {fabric} நெசவு.",
        "மென்மையான {fabric}, அணிய மிகவும் வசதியானது.",
        "{color} நிறத்தில் {category}, எல்லா விசேஷங்களுக்கும் ஏற்றது.",
        "ஒவ்வொரு நாளையும் சிறப்பாக்கும் {category}.",
        "{color} நிறம் எல்லோருக்கும் அழகாகப் பொருந்தும்.",
        "எங்கள் நெசவாளர்கள் அன்புடன் உருவாக்கியது.",
    ],
}

PRICE_LINES: dict[str, list[str]] = {
    "en": [
        "Now just {price} with {offer}.",
        "{offer}, only {price}.",
        "Yours for {price}.",
        "Priced at just {price}.",
        "{offer} for a limited time.",
        "Grab {offer} while it lasts.",
    ],
    "hi": [
        "{offer} के साथ अब सिर्फ़ {price}।",
        "सिर्फ़ {price} में, साथ में {offer}।",
        "कीमत सिर्फ़ {price}।",
        "केवल {price} में आपका।",
        "सीमित समय के लिए {offer}।",
        "{offer}, जल्दी कीजिए!",
    ],
    "ta": [
        "{offer} உடன் இப்போது வெறும் {price}.",
        "வெறும் {price} மட்டுமே, கூடவே {offer}.",
        "விலை வெறும் {price}.",
        "{price} மட்டுமே.",
        "குறுகிய காலத்திற்கு மட்டும் {offer}.",
        "{offer}, சீக்கிரம் வாருங்கள்!",
    ],
}

OCCASION_LINES: dict[str, list[str]] = {
    "en": ["Perfect for {occasion}.", "Ready for {occasion}?"],
    "hi": ["{occasion} के लिए एकदम सही।", "{occasion} की तैयारी अभी से!"],
    "ta": ["{occasion} க்கு மிகவும் ஏற்றது.", "{occasion} க்கு இப்போதே தயாராகுங்கள்!"],
}

CLOSERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "friendly": [
            "DM us to order or visit the store today.",
            "Message us on WhatsApp to reserve yours.",
            "Drop us a message and we will keep one aside for you.",
        ],
        "festive": [
            "Order now and shine this festive season!",
            "Book yours before the festival rush!",
            "Tap to order and celebrate in colour.",
        ],
        "premium": [
            "Available in limited pieces. Enquire via DM.",
            "Visit our studio for a private viewing.",
            "Only a few pieces made; reserve yours today.",
        ],
        "playful": [
            "Go on, treat yourself! DM us.",
            "Add to cart? More like add to heart. Order now!",
            "Your next favourite outfit is one message away.",
        ],
    },
    "hi": {
        "friendly": [
            "ऑर्डर के लिए हमें मैसेज करें या दुकान पर आएँ।",
            "व्हाट्सऐप पर मैसेज करें और अपना पीस रिज़र्व करें।",
            "आज ही दुकान पर पधारें!",
        ],
        "festive": [
            "त्योहार से पहले अभी ऑर्डर करें!",
            "जल्दी करें, त्योहारी स्टॉक सीमित है!",
            "अभी ऑर्डर करें और त्योहार को रंगीन बनाएँ।",
        ],
        "premium": [
            "सीमित पीस उपलब्ध। जानकारी के लिए DM करें।",
            "इत्मीनान से देखने के लिए हमारे स्टूडियो पधारें।",
            "गिने-चुने पीस, आज ही रिज़र्व करें।",
        ],
        "playful": [
            "खुद को एक तोहफ़ा दीजिए, अभी DM करें!",
            "देर मत कीजिए, पसंद का रंग खत्म हो सकता है!",
            "बस एक मैसेज, और यह आपका!",
        ],
    },
    "ta": {
        "friendly": [
            "ஆர்டர் செய்ய எங்களுக்கு மெசேஜ் செய்யுங்கள் அல்லது கடைக்கு வாருங்கள்.",
            "வாட்ஸ்அப்பில் மெசேஜ் செய்து உங்களுக்கானதை முன்பதிவு செய்யுங்கள்.",
            "இன்றே கடைக்கு வாருங்கள்!",
        ],
        "festive": [
            "பண்டிகைக்கு முன் இப்போதே ஆர்டர் செய்யுங்கள்!",
            "சீக்கிரம்! பண்டிகை ஸ்டாக் குறைவாகவே உள்ளது.",
            "இப்போதே ஆர்டர் செய்து பண்டிகையை வண்ணமயமாக்குங்கள்.",
        ],
        "premium": [
            "குறைந்த எண்ணிக்கையில் மட்டுமே. விவரங்களுக்கு DM செய்யுங்கள்.",
            "நிதானமாகப் பார்க்க எங்கள் ஸ்டுடியோவிற்கு வாருங்கள்.",
            "சில துண்டுகள் மட்டுமே, இன்றே முன்பதிவு செய்யுங்கள்.",
        ],
        "playful": [
            "உங்களுக்கு நீங்களே ஒரு பரிசு! இப்போதே DM செய்யுங்கள்.",
            "தாமதிக்காதீர்கள், பிடித்த நிறம் தீர்ந்துவிடலாம்!",
            "ஒரே ஒரு மெசேஜ், இது உங்களுடையது!",
        ],
    },
}

GENERIC_TAGS = {
    "en": ["ShopLocal", "IndianWear", "NewArrivals", "VocalForLocal", "Textiles"],
    "hi": ["नयाकलेक्शन", "भारतीयपरिधान", "ShopLocal", "IndianWear"],
    "ta": ["புதியவரவு", "கைத்தறி", "ShopLocal", "IndianWear"],
}
TONE_TAGS = {"festive": "FestiveWear", "premium": "Handcrafted", "playful": "OOTD", "friendly": "StyleDiaries"}
OCCASION_TAGS = {
    "diwali": {"hi": "दिवाली", "ta": "தீபாவளி"},
    "deepavali": {"hi": "दिवाली", "ta": "தீபாவளி"},
    "pongal": {"ta": "பொங்கல்", "hi": "पोंगल"},
    "eid": {"hi": "ईद", "ta": "ரம்ஜான்"},
    "onam": {"ta": "ஓணம்", "hi": "ओणम"},
    "wedding": {"hi": "शादी", "ta": "திருமணம்"},
    "christmas": {"hi": "क्रिसमस", "ta": "கிறிஸ்துமஸ்"},
    "holi": {"hi": "होली", "ta": "ஹோலி"},
    "navratri": {"hi": "नवरात्रि", "ta": "நவராத்திரி"},
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _usable(templates: list[str], values: dict[str, str]) -> list[str]:
    return [t for t in templates if _fields(t) <= values.keys()]


class OfflineProvider(AIProvider):
    name = "offline"

    def generate_captions(self, request: CaptionRequest) -> CaptionResult:
        lang, tone = request.language, request.tone
        values: dict[str, str] = {"product": request.product_name}
        for key in ("fabric", "color", "category", "offer", "occasion"):
            value = getattr(request, key)
            if value:
                values[key] = value if lang != "en" or key in ("offer", "occasion") else value.lower()
        if request.price is not None:
            values["price"] = format_inr(request.price, symbol="Rs" if lang == "en" else "₹")

        openers = _usable(OPENERS[lang][tone], values)
        details = _usable(DETAILS[lang], values)
        # Prefer the richest detail lines (those naming more of what the shop told us).
        richest = max(len(_fields(t)) for t in details)
        details = [t for t in details if len(_fields(t)) >= min(richest, 1)] or details
        prices = _usable(PRICE_LINES[lang], values)
        richest_price = max((len(_fields(t)) for t in prices), default=0)
        prices = [t for t in prices if len(_fields(t)) == richest_price] or [""]
        occasions = _usable(OCCASION_LINES[lang], values) or [""]
        closers = CLOSERS[lang][tone]

        seed = int.from_bytes(hashlib.sha256(repr(request).encode("utf-8")).digest()[:8], "big")
        rng = random.Random(seed)
        combos = list(itertools.product(range(len(openers)), range(len(details)), range(len(prices)),
                                        range(len(occasions)), range(len(closers))))
        rng.shuffle(combos)
        chosen: list[tuple[int, ...]] = []
        for _ in range(request.variants):
            # Greedy: the next combination sharing the fewest parts with those already chosen.
            best = min(
                (c for c in combos if c not in chosen),
                key=lambda c: sum(sum(a == b for a, b in zip(c, prev)) for prev in chosen),
            )
            chosen.append(best)

        budget, counting = self._budget(request)
        captions = []
        for o, d, p, occ, c in chosen:
            parts = [openers[o], details[d], prices[p], occasions[occ]]
            closer = closers[c].format(**values)
            # On short platforms (X: 280 weighted) leave out the occasion, then the detail
            # line, rather than have the caption cut off mid-sentence.
            for optional in (3, 1, None):
                body = " ".join(part.format(**values) for part in parts if part)
                caption = f"{body}\n\n{closer}"
                if optional is None or caption_length(caption, counting) <= budget:
                    break
                parts[optional] = ""
            captions.append(caption)

        return CaptionResult(
            captions=captions,
            hashtags=self._hashtags(request),
            provider=self.name,
            model=MODEL,
            usage=Usage(),
        )

    @staticmethod
    def _budget(request: CaptionRequest) -> tuple[int, str]:
        from ..captions import HASHTAG_BUDGET_SHARE, requirements_for

        req = requirements_for(request.platform)
        return int(req.caption_max * (1 - HASHTAG_BUDGET_SHARE)) - 4, req.caption_counting

    def _hashtags(self, request: CaptionRequest) -> list[str]:
        lang = request.language
        tags: list[str] = [request.product_name]
        if request.fabric:
            tags.append(request.fabric)
        if request.color and request.category:
            tags.append(f"{request.color} {request.category}")
        if request.category:
            tags.append(request.category)
        if request.occasion:
            key = request.occasion.strip().lower()
            local = OCCASION_TAGS.get(key, {}).get(lang)
            if local:
                tags.append(local)
            tags.append(request.occasion)
            tags.append(f"{request.occasion} Collection")
        if request.fabric and request.category:
            tags.append(f"{request.fabric} {request.category}")
        tags.append(TONE_TAGS[request.tone])
        tags.extend(GENERIC_TAGS[lang])
        return tags

    def restyle_product_image(self, *, image: bytes, prompt: str, size: ImageSize) -> bytes | None:
        # Offline there is no image model: the photo is used as the shop took it.
        return None
