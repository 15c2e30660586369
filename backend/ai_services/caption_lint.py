"""A linter for captions: the mistakes a native reader notices first.

Rules (each finding names its rule and the offending text):

- tamil_detached_suffix: a Tamil case ending written as its own word ("தீபாவளி க்கு",
  "தள்ளுபடி உடன்", "{product} உடன்"): it must be joined (தீபாவளிக்கு, தள்ளுபடியுடன்).
- hindi_direct_before_postposition: a masculine -आ noun or adjective left in its direct form
  before a postposition ("कुर्ता में" for कुर्ते में, "पीला रंग में" for पीले रंग में).
- hindi_gender: a possessive/adjective that does not agree with the product's garment noun
  ("आपका" said of a साड़ी, "हमारी नई कुर्ता").
- english_festival_key: a festival's English key inside a Hindi or Tamil caption ("diwali की").
- mixed_script_hashtag: one hashtag written in two scripts (#दिवालीCollection).
- invented_claim: a claim the input did not make (handwoven, "visit our studio", limited pieces,
  #கைத்தறி ...), unless the shop's own words contain it.
- rupee_as_rs: "Rs" where the poster and the other captions say "₹".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import lexicon

TAMIL_SUFFIXES = ("க்கு", "உக்கு", "ுக்கு", "உடன்", "யுடன்", "இல்", "ஆல்", "ஐ", "உம்", "இன்", "க்காக", "ஓடு", "இடம்")
_TAMIL_DETACHED = re.compile(r"(?<=\S)\s+(" + "|".join(TAMIL_SUFFIXES) + r")(?=[\s.,!?:;]|$)")
_POSTPOSITIONS = r"(?:में|से|पर|के|की|का|को|तक|वाले|वाली)"
HINDI_A_NOUNS = ("कुर्ता", "लहँगा", "लहंगा", "दुपट्टा", "पजामा", "कपड़ा", "जोड़ा", "त्योहारी")
HINDI_A_ADJECTIVES = ("पीला", "हरा", "नीला", "काला", "सुनहरा", "भूरा", "गहरा", "नया", "अच्छा", "प्यारा")
_HINDI_DIRECT = re.compile(
    r"(?<![\u0900-\u097f])(" + "|".join(HINDI_A_NOUNS) + r")\s+" + _POSTPOSITIONS + r"(?![\u0900-\u097f])"
    + r"|(?<![\u0900-\u097f])(" + "|".join(HINDI_A_ADJECTIVES) + r")\s+[\u0900-\u097f]+\s+" + _POSTPOSITIONS
    + r"(?![\u0900-\u097f])"
)
_MASC_WORDS = r"(?:आपका|हमारा|नया|इसका|यह\s+आपका)"
_FEM_WORDS = r"(?:आपकी|हमारी|नई|इसकी)"
INVENTED = (
    "finished by hand", "handcrafted", "hand-crafted", "handwoven", "hand-woven", "handloom", "visit our studio",
    "studio", "artisans", "weavers", "limited pieces", "few pieces", "only a few", "limited stock", "while stocks last",
    "100%", "pure ", "authentic", "कारीगर", "हाथ से", "स्टूडियो", "हथकरघा", "सीमित पीस", "गिने-चुने",
    "நெசவாளர்கள்", "கைவினை", "ஸ்டுடியோ", "கைத்தறி", "சில துண்டுகள்", "குறைந்த எண்ணிக்கை",
)
_RS = re.compile(r"\bRs\.?\s?\d")
_HASHTAG = re.compile(r"#[\w\u0900-\u097f\u0b80-\u0bff]+")


@dataclass(frozen=True)
class Finding:
    rule: str
    text: str


def _scripts(text: str) -> set[str]:
    out = set()
    for ch in text:
        if not (ch.isalpha() or unicodedata.category(ch).startswith("M")):
            continue
        code = ord(ch)
        out.add("deva" if 0x0900 <= code <= 0x097F else "taml" if 0x0B80 <= code <= 0x0BFF else "latn")
    return out


def lint_caption(caption: str, *, language: str, product_name: str = "", category: str | None = None,
                 given: str = "", hashtags: list[str] | tuple[str, ...] = ()) -> list[Finding]:
    """Findings for one caption (and its hashtags). `given` is everything the shop wrote (its
    own words may make a claim that would otherwise be invented)."""
    findings: list[Finding] = []
    body = _HASHTAG.sub(" ", caption)
    if language == "ta":
        for m in _TAMIL_DETACHED.finditer(body):
            findings.append(Finding("tamil_detached_suffix", body[max(0, m.start() - 12): m.end()].strip()))
    if language == "hi":
        for m in _HINDI_DIRECT.finditer(body):
            findings.append(Finding("hindi_direct_before_postposition", m.group(0)))
        noun = lexicon.garment_noun(product_name, category)
        if noun is not lexicon.GENERIC:
            wrong = _MASC_WORDS if noun.hi_gender == "f" else _FEM_WORDS
            for m in re.finditer(wrong + r"(?:\s+" + re.escape(noun.hi) + r"|\s*[।!?,])", body):
                findings.append(Finding("hindi_gender", m.group(0)))
        for m in re.finditer(r"(?:आपका|हमारा|नया)\s+(साड़ी|कुर्ती|शर्ट|ड्रेस|धोती|शेरवानी)"
                             r"|(?:आपकी|हमारी|नई)\s+(कुर्ता|लहँगा|दुपट्टा|ब्लाउज़)", body):
            findings.append(Finding("hindi_gender", m.group(0)))
    if language in ("hi", "ta"):
        keys = {k for k in (*lexicon.FESTIVAL_NAMES, *lexicon.FESTIVAL_ALIASES) if k.isascii()}
        for word in re.findall(r"[A-Za-z]+", body):
            if word.lower() in keys and word.lower() not in product_name.lower():
                findings.append(Finding("english_festival_key", word))
    for tag in list(_HASHTAG.findall(caption)) + list(hashtags):
        if len(_scripts(tag)) > 1:
            findings.append(Finding("mixed_script_hashtag", tag))
    given_lower = given.lower()
    text_lower = (caption + " " + " ".join(hashtags)).lower()
    for phrase in INVENTED:
        if phrase in text_lower and phrase not in given_lower:
            findings.append(Finding("invented_claim", phrase.strip()))
    if _RS.search(caption):
        findings.append(Finding("rupee_as_rs", _RS.search(caption).group(0)))
    return findings
