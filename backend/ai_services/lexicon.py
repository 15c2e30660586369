"""Words posters and captions share, per language: festivals, greetings, colours, garments.

Written conservatively: every entry is a form a native speaker would write on a shop's poster
or post. Hindi nouns carry their gender and oblique form (कुर्ता -> कुर्ते में); Tamil nouns are
joined to case suffixes by `tamil_join` (புடவை + உடன் -> புடவையுடன்), never written apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# --- festivals ------------------------------------------------------------------------------

FESTIVAL_NAMES: dict[str, dict[str, str]] = {
    "diwali": {"en": "Diwali", "hi": "दीपावली", "ta": "தீபாவளி"},
    "eid": {"en": "Eid", "hi": "ईद", "ta": "ரம்ஜான்"},
    "pongal": {"en": "Pongal", "hi": "पोंगल", "ta": "பொங்கல்"},
    "onam": {"en": "Onam", "hi": "ओणम", "ta": "ஓணம்"},
    "christmas": {"en": "Christmas", "hi": "क्रिसमस", "ta": "கிறிஸ்துமஸ்"},
    "wedding": {"en": "the wedding season", "hi": "शादी", "ta": "திருமணம்"},
    "holi": {"en": "Holi", "hi": "होली", "ta": "ஹோலி"},
    "navratri": {"en": "Navratri", "hi": "नवरात्रि", "ta": "நவராத்திரி"},
}
# Hashtag words (one script each): what shops in each language actually tag.
FESTIVAL_TAGS: dict[str, dict[str, str]] = {
    "diwali": {"en": "Diwali", "hi": "दिवाली", "ta": "தீபாவளி"},
    "eid": {"en": "EidMubarak", "hi": "ईदमुबारक", "ta": "ரம்ஜான்"},
    "pongal": {"en": "Pongal", "hi": "पोंगल", "ta": "பொங்கல்"},
    "onam": {"en": "Onam", "hi": "ओणम", "ta": "ஓணம்"},
    "christmas": {"en": "Christmas", "hi": "क्रिसमस", "ta": "கிறிஸ்துமஸ்"},
    "wedding": {"en": "WeddingSeason", "hi": "शादी", "ta": "திருமணம்"},
    "holi": {"en": "Holi", "hi": "होली", "ta": "ஹோலி"},
    "navratri": {"en": "Navratri", "hi": "नवरात्रि", "ta": "நவராத்திரி"},
}
GREETINGS: dict[str, dict[str, str]] = {
    "diwali": {"en": "Happy Diwali", "hi": "दीपावली की शुभकामनाएँ", "ta": "தீபாவளி நல்வாழ்த்துகள்"},
    "eid": {"en": "Eid Mubarak", "hi": "ईद मुबारक", "ta": "ரம்ஜான் நல்வாழ்த்துகள்"},
    "pongal": {"en": "Happy Pongal", "hi": "पोंगल की शुभकामनाएँ", "ta": "பொங்கல் வாழ்த்துகள்"},
    "onam": {"en": "Happy Onam", "hi": "ओणम की शुभकामनाएँ", "ta": "ஓணம் நல்வாழ்த்துகள்"},
    "christmas": {"en": "Merry Christmas", "hi": "क्रिसमस की शुभकामनाएँ", "ta": "கிறிஸ்துமஸ் நல்வாழ்த்துகள்"},
    "wedding": {"en": "Wedding Season", "hi": "शादियों का मौसम", "ta": "திருமணக் கொண்டாட்டம்"},
    "holi": {"en": "Happy Holi", "hi": "होली की शुभकामनाएँ", "ta": "ஹோலி நல்வாழ்த்துகள்"},
    "navratri": {"en": "Happy Navratri", "hi": "नवरात्रि की शुभकामनाएँ", "ta": "நவராத்திரி நல்வாழ்த்துகள்"},
}
FESTIVAL_ALIASES = {"दिवाली": "diwali", "दीपावली": "diwali", "தீபாவளி": "diwali", "ईद": "eid", "ரம்ஜான்": "eid",
                    "पोंगल": "pongal", "பொங்கல்": "pongal", "होली": "holi", "ஹோலி": "holi", "ओणम": "onam", "ஓணம்": "onam",
                    "शादी": "wedding", "திருமணம்": "wedding", "नवरात्रि": "navratri", "நவராத்திரி": "navratri",
                    "क्रिसमस": "christmas", "கிறிஸ்துமஸ்": "christmas", "deepavali": "diwali", "ramzan": "eid", "ramadan": "eid", "eid-ul-fitr": "eid", "xmas": "christmas",
                    "shaadi": "wedding", "marriage": "wedding", "dussehra": "navratri", "durga-puja": "navratri"}

SAVING = {"en": "You save {amount}", "hi": "{amount} की बचत", "ta": "{amount} சேமிப்பு"}
BADGE_WORD = {"en": "OFF", "hi": "छूट", "ta": "தள்ளுபடி"}
CONTACT_LABELS = {
    "phone": {"en": "Call", "hi": "संपर्क:", "ta": "தொடர்புக்கு:"},
    "whatsapp": {"en": "WhatsApp", "hi": "व्हाट्सऐप:", "ta": "வாட்ஸ்அப்:"},
}


def festival_key(value: str | None) -> str | None:
    if not value:
        return None
    key = value.strip().lower()
    key = FESTIVAL_ALIASES.get(key, key)
    return key if key in FESTIVAL_NAMES else None


# --- colours --------------------------------------------------------------------------------

# Hindi: the adjective as it stands before रंग (its oblique form comes from hi_oblique_adjective);
# Tamil: the attributive form used before நிறம் (நீல நிறத்தில், not நீலம் நிறத்தில்).
COLOURS: dict[str, dict[str, str]] = {
    "red": {"hi": "लाल", "ta": "சிவப்பு"},
    "maroon": {"hi": "मैरून", "ta": "மெரூன்"},
    "pink": {"hi": "गुलाबी", "ta": "இளஞ்சிவப்பு"},
    "orange": {"hi": "नारंगी", "ta": "ஆரஞ்சு"},
    "yellow": {"hi": "पीला", "ta": "மஞ்சள்"},
    "green": {"hi": "हरा", "ta": "பச்சை"},
    "blue": {"hi": "नीला", "ta": "நீல"},
    "navy": {"hi": "गहरा नीला", "ta": "கருநீல"},
    "purple": {"hi": "बैंगनी", "ta": "ஊதா"},
    "black": {"hi": "काला", "ta": "கருப்பு"},
    "white": {"hi": "सफ़ेद", "ta": "வெள்ளை"},
    "cream": {"hi": "क्रीम", "ta": "கிரீம்"},
    "gold": {"hi": "सुनहरा", "ta": "தங்க"},
    "golden": {"hi": "सुनहरा", "ta": "தங்க"},
    "brown": {"hi": "भूरा", "ta": "பழுப்பு"},
    "grey": {"hi": "स्लेटी", "ta": "சாம்பல்"},
    "gray": {"hi": "स्लेटी", "ta": "சாம்பல்"},
}


def hi_oblique_adjective(phrase: str) -> str:
    """पीला -> पीले, गहरा नीला -> गहरे नीले (before a noun followed by a postposition)."""
    return " ".join(w[:-1] + "े" if w.endswith("ा") else w for w in phrase.split())


def colour_name(value: str | None, language: str) -> str | None:
    """The colour in `language` ("maroon" -> "मैरून"); a colour we do not know is named only
    in English (an Indic caption then simply does not name it rather than mix scripts)."""
    if not value:
        return None
    if language == "en":
        return value.lower()
    known = COLOURS.get(value.strip().lower())
    return known[language] if known else None


FABRICS: dict[str, dict[str, str]] = {
    "silk": {"hi": "सिल्क", "ta": "பட்டு"},
    "cotton": {"hi": "कॉटन", "ta": "பருத்தி"},
    "linen": {"hi": "लिनन", "ta": "லினன்"},
    "georgette": {"hi": "जॉर्जेट", "ta": "ஜார்ஜெட்"},
    "chiffon": {"hi": "शिफ़ॉन", "ta": "ஷிஃபான்"},
    "khadi": {"hi": "खादी", "ta": "கதர்"},
    "velvet": {"hi": "वेलवेट", "ta": "வெல்வெட்"},
    "crepe": {"hi": "क्रेप", "ta": "கிரேப்"},
    "rayon": {"hi": "रेयॉन", "ta": "ரேயான்"},
}


def fabric_name(value: str | None, language: str) -> str | None:
    """The fabric in `language` ("Banarasi Silk" -> सिल्क / பட்டு); None when unknown in an
    Indic language (the caption then leaves it out rather than mix scripts)."""
    if not value:
        return None
    if language == "en":
        return value.lower()
    from .text import LANGUAGE_SCRIPT, script_share

    if script_share(value, LANGUAGE_SCRIPT[language]) > 0.9:
        return value
    for word in reversed(value.lower().split()):
        if word in FABRICS:
            return FABRICS[word][language]
    return None


# --- garments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    """A garment noun: English word, Hindi (direct, oblique, gender), Tamil stem."""

    key: str
    en: str
    hi: str
    hi_oblique: str
    hi_gender: str  # "m" | "f"
    ta: str
    handloom: bool = False  # a garment commonly handwoven (never assumed for a given product)


NOUNS: tuple[Noun, ...] = (
    Noun("saree", "saree", "साड़ी", "साड़ी", "f", "புடவை"),
    Noun("sari", "saree", "साड़ी", "साड़ी", "f", "புடவை"),
    Noun("kurta", "kurta", "कुर्ता", "कुर्ते", "m", "குர்தா"),
    Noun("kurti", "kurti", "कुर्ती", "कुर्ती", "f", "குர்தி"),
    Noun("lehenga", "lehenga", "लहँगा", "लहँगे", "m", "லெஹங்கா"),
    Noun("dupatta", "dupatta", "दुपट्टा", "दुपट्टे", "m", "துப்பட்டா"),
    Noun("shirt", "shirt", "शर्ट", "शर्ट", "f", "சட்டை"),
    Noun("dhoti", "dhoti", "धोती", "धोती", "f", "வேட்டி"),
    Noun("veshti", "veshti", "धोती", "धोती", "f", "வேட்டி"),
    Noun("dress", "dress", "ड्रेस", "ड्रेस", "f", "உடை"),
    Noun("sherwani", "sherwani", "शेरवानी", "शेरवानी", "f", "ஷெர்வானி"),
    Noun("blouse", "blouse", "ब्लाउज़", "ब्लाउज़", "m", "ரவிக்கை"),
)
# Words in other scripts that name the same garments.
NOUN_ALIASES = {
    "साड़ी": "saree", "साडी": "saree", "कुर्ता": "kurta", "कुर्ती": "kurti", "लहँगा": "lehenga", "लहंगा": "lehenga",
    "दुपट्टा": "dupatta", "शर्ट": "shirt", "धोती": "dhoti", "शेरवानी": "sherwani",
    "புடவை": "saree", "சேலை": "saree", "குர்தா": "kurta", "குர்தி": "kurti", "சட்டை": "shirt", "வேட்டி": "veshti",
    "துப்பட்டா": "dupatta",
    "sarees": "saree", "kurtas": "kurta", "kurtis": "kurti", "shirts": "shirt", "lehengas": "lehenga",
}
# Generic fallback when no garment is recognised: "design" (Hindi masculine, Tamil வடிவமைப்பு).
GENERIC = Noun("design", "piece", "डिज़ाइन", "डिज़ाइन", "m", "வடிவமைப்பு")
_BY_KEY = {n.key: n for n in NOUNS}


def garment_noun(*texts: str | None) -> Noun:
    """The garment named in the product name (or category): its last garment word wins
    ("Silk Saree with Blouse Piece" is a saree: the first match in reading order)."""
    for text in texts:
        if not text:
            continue
        for word in re.findall(r"[\w\u0900-\u097f\u0b80-\u0bff]+", text.lower()):
            key = NOUN_ALIASES.get(word, word)
            if key in _BY_KEY:
                return _BY_KEY[key]
    return GENERIC


def hi_possessive(noun: Noun, *, owner: str = "आप") -> str:
    """आपकी साड़ी / आपका कुर्ता (agreeing with the noun's gender)."""
    return f"{owner}{'की' if noun.hi_gender == 'f' else 'का'}"


def hi_adjective(word: str, noun: Noun) -> str:
    """An -आ adjective agreeing with the noun: नया/नई, खास stays."""
    if word.endswith("या") and noun.hi_gender == "f":
        return word[:-2] + "ई"
    if word.endswith("ा") and noun.hi_gender == "f":
        return word[:-1] + "ी"
    return word


# --- Tamil sandhi ---------------------------------------------------------------------------

_PULLI = "\u0bcd"
_VOWEL_SIGNS = {
    "\u0bbe": "aa", "\u0bbf": "i", "\u0bc0": "ii", "\u0bc1": "u", "\u0bc2": "uu", "\u0bc6": "e", "\u0bc7": "ee",
    "\u0bc8": "ai", "\u0bca": "o", "\u0bcb": "oo", "\u0bcc": "au",
}
_SIGN_OF = {"உ": "\u0bc1", "இ": "\u0bbf", "ஆ": "\u0bbe", "ஐ": "\u0bc8", "ஓ": "\u0bcb", "ஒ": "\u0bca", "எ": "\u0bc6"}
# Case suffixes written after a consonant stem (the vowel-initial form) and after a vowel.
TAMIL_SUFFIXES = {"dat": "உக்கு", "soc": "உடன்", "loc": "இல்"}


def _ending(word: str) -> str:
    last = word[-1]
    if last == _PULLI:
        return "consonant"
    if last in _VOWEL_SIGNS:
        return _VOWEL_SIGNS[last]
    if "\u0b95" <= last <= "\u0bb9":
        return "a"  # a bare consonant letter carries the inherent a
    return "other"


def tamil_join(word: str, case: str) -> str:
    """`word` with a case suffix joined per sandhi: புடவை+dat -> புடவைக்கு, பொங்கல்+dat ->
    பொங்கலுக்கு, திருமணம்+dat -> திருமணத்துக்கு, குர்தா+soc -> குர்தாவுடன், தள்ளுபடி+soc ->
    தள்ளுபடியுடன், பட்டு+soc -> பட்டுடன். Only the last word of a phrase is inflected."""
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    suffix = TAMIL_SUFFIXES[case]
    first, rest = suffix[0], suffix[1:]
    end = _ending(last)
    if last.endswith("ம" + _PULLI) and len(last) > 2:  # -am nouns take the -att- increment
        stem = last[:-2] + "த்த"
        return prefix + stem + _SIGN_OF[first] + rest
    if end == "consonant":
        return prefix + last[:-1] + _SIGN_OF[first] + rest
    if end == "u":  # short u drops before a vowel
        if case == "dat":
            return prefix + last + "க்கு"
        return prefix + last[:-1] + _SIGN_OF[first] + rest
    if case == "dat" and end in ("i", "ii", "ai", "e", "ee"):
        return prefix + last + "க்கு"
    glide = "ய" if end in ("i", "ii", "ai", "e", "ee") else "வ"
    return prefix + last + glide + _SIGN_OF[first] + rest
