"""Captions a native speaker would write: the linter over every template combination, the
grammar the phrase tables rely on, and the platform rules (hashtags, tone, ₹)."""
from __future__ import annotations

import itertools

import pytest

from backend.ai_services import lexicon
from backend.ai_services.caption_lint import lint_caption
from backend.ai_services.captions import caption_generate
from backend.ai_services.providers import CaptionRequest, InvalidRequest
from backend.ai_services.providers.offline import OfflineProvider
from backend.social.text import find_hashtags

PRODUCTS = [
    ("Banarasi Silk Saree", "Saree"), ("Cotton Kurta", None), ("Bridal Lehenga", None), ("Silk Dupatta", None),
    ("Linen Shirt", None), ("Pattu Veshti", "veshti"), ("Bandhani Set", None), ("सूती कुर्ता", None),
    ("பட்டுப் புடவை", None),
]
FIELDS = [{}, {"price": 1799}, {"price": 1799, "original_price": 2499},
          {"price": 1799, "discount_percent": 28, "fabric": "Silk", "color": "Yellow"},
          {"discount_percent": 20, "offer": "Buy 2, get 1 free", "fabric": "Handloom cotton", "color": "navy"}]
OCCASIONS = [None, *lexicon.FESTIVAL_NAMES, "दिवाली", "Anniversary sale"]


def test_the_linter_finds_nothing_in_any_template_combination():
    provider = OfflineProvider()
    checked = 0
    problems = []
    for language, tone, platform, occasion, (product, category), fields in itertools.product(
            ("en", "hi", "ta"), ("friendly", "festive", "premium", "playful"), (None, "whatsapp", "linkedin"),
            OCCASIONS, PRODUCTS, FIELDS):
        request = CaptionRequest.create(product_name=product, category=category, occasion=occasion, language=language,
                                        tone=tone, platform=platform, **fields)
        given = " ".join(str(v) for v in (product, category, occasion, *fields.values()) if v)
        tags = provider._hashtags(request)
        for caption in provider.every_caption(request):
            checked += 1
            found = lint_caption(caption, language=language, product_name=product, category=category, given=given,
                                 hashtags=tags)
            if found:
                problems.append((caption, found))
    assert checked > 50_000
    assert problems == []


@pytest.mark.parametrize("caption,language,rule", [
    ("தீபாவளி க்கு சிறப்பு தள்ளுபடி!", "ta", "tamil_detached_suffix"),
    ("20% தள்ளுபடி உடன் வாங்குங்கள்.", "ta", "tamil_detached_suffix"),
    ("இந்த கோடைக்கு Cotton Kurta உடன் வாருங்கள்.", "ta", "tamil_detached_suffix"),
    ("इस कुर्ता में आप खिलेंगे।", "hi", "hindi_direct_before_postposition"),
    ("पीला रंग में उपलब्ध।", "hi", "hindi_direct_before_postposition"),
    ("केवल ₹999 में आपका।", "hi", "hindi_gender"),
    ("Perfect for diwali. दिवाली की तैयारी!", "hi", "english_festival_key"),
    ("diwali की तैयारी अभी से!", "hi", "english_festival_key"),
    ("Made with care, finished by hand.", "en", "invented_claim"),
    ("Visit our studio for a private viewing.", "en", "invented_claim"),
    ("Now Rs 1,499 only.", "en", "rupee_as_rs"),
])
def test_the_linter_catches_what_the_review_found(caption, language, rule):
    found = lint_caption(caption, language=language, product_name="Banarasi Saree", category="saree")
    assert rule in {f.rule for f in found}, found


def test_the_linter_flags_mixed_script_and_invented_hashtags():
    found = lint_caption("Nice.", language="ta", product_name="Cotton Kurta", hashtags=["#दिवालीCollection", "#கைத்தறி"])
    assert {f.rule for f in found} == {"mixed_script_hashtag", "invented_claim"}
    # the shop's own words make a claim true
    assert lint_caption("Handloom weave.", language="en", given="Handloom Cotton Saree") == []


@pytest.mark.parametrize("word,case,joined", [
    ("புடவை", "dat", "புடவைக்கு"), ("புடவை", "soc", "புடவையுடன்"), ("புடவை", "loc", "புடவையில்"),
    ("பொங்கல்", "dat", "பொங்கலுக்கு"), ("தீபாவளி", "dat", "தீபாவளிக்கு"), ("தள்ளுபடி", "soc", "தள்ளுபடியுடன்"),
    ("திருமணம்", "dat", "திருமணத்துக்கு"), ("குர்தா", "soc", "குர்தாவுடன்"), ("பட்டு", "soc", "பட்டுடன்"),
    ("ரம்ஜான்", "dat", "ரம்ஜானுக்கு"), ("பட்டுப் புடவை", "dat", "பட்டுப் புடவைக்கு"),
])
def test_tamil_case_endings_join_per_sandhi(word, case, joined):
    assert lexicon.tamil_join(word, case) == joined


def test_hindi_agrees_with_the_garment_and_inflects_before_postpositions():
    kurta = caption_generate(product_name="Cotton Kurta", color="yellow", fabric="cotton", language="hi",
                             tone="friendly", variants=5, provider="offline")
    text = "\n".join(kurta.captions)
    assert "पीले रंग में कॉटन का कुर्ता" in text
    assert "हमारा नया कुर्ता" in text
    saree = caption_generate(product_name="Banarasi Silk Saree", fabric="silk", language="hi", tone="festive",
                             occasion="diwali", variants=5, provider="offline")
    text = "\n".join(saree.captions)
    assert "हमारी नई साड़ी" in text and "सिल्क की साड़ी" in text
    assert "दीपावली" in text and "diwali" not in text.lower()


def test_tamil_captions_name_festivals_and_discounts_joined():
    result = caption_generate(product_name="Kanchipuram Silk Saree", price=1799, original_price=2499, occasion="pongal",
                              language="ta", tone="festive", variants=5, provider="offline")
    text = "\n".join(result.captions)
    assert "பொங்கலுக்கு" in text and "28% தள்ளுபடியுடன்" in text and "₹1,799" in text
    assert " க்கு" not in text and " உடன்" not in text


def test_rupee_sign_in_every_language():
    for language in ("en", "hi", "ta"):
        result = caption_generate(product_name="Linen Shirt", price=1499, language=language, variants=3, provider="offline")
        for caption in result.captions:
            assert "₹1,499" in caption and "Rs" not in caption


@pytest.mark.parametrize("platform,most", [("linkedin", 3), ("whatsapp", 0), ("twitter", 2), ("facebook", 4),
                                           ("instagram", 12)])
def test_hashtag_count_per_platform(platform, most):
    result = caption_generate(product_name="Banarasi Silk Saree", fabric="Silk", color="Maroon", category="Saree",
                              occasion="diwali", price=1799, platform=platform, variants=3, provider="offline")
    assert len(result.hashtags) <= most
    if most == 0:
        assert all(not find_hashtags(c) for c in result.captions)
    else:
        assert result.hashtags


def test_hashtags_are_each_in_one_script():
    result = caption_generate(product_name="Banarasi साड़ी", occasion="दिवाली", language="hi", variants=2,
                              provider="offline")
    assert result.hashtags
    for tag in result.hashtags:
        assert lint_caption("", language="hi", hashtags=[tag]) == [], tag


def test_linkedin_gets_no_jokes():
    result = caption_generate(product_name="Linen Shirt", tone="playful", platform="linkedin", variants=3,
                              provider="offline")
    assert not any("Plot twist" in c or "Warning:" in c for c in result.captions)


def test_poster_title_words_are_not_the_product_name():
    from backend.ai_services.services import poster_product_name

    assert poster_product_name("Banarasi साड़ी Sale") == "Banarasi साड़ी"
    assert poster_product_name("Diwali Mega Sale") == "Diwali"
    assert poster_product_name("Sale") == "Sale"


@pytest.mark.parametrize("fields,field,figure", [
    ({"price": 1799, "original_price": 2499, "discount_percent": 50}, "discount_percent", "28%"),
    ({"price": 1799, "original_price": 2499, "offer": "Flat 50% off"}, "offer", "28%"),
    ({"price": 2499, "original_price": 1799}, "original_price", "higher"),
])
def test_untrue_offers_are_refused_with_the_right_figure(fields, field, figure):
    with pytest.raises(InvalidRequest) as caught:
        caption_generate(product_name="Banarasi Silk Saree", provider="offline", **fields)
    assert caught.value.field == field and figure in caught.value.message


def test_the_discount_is_computed_from_the_two_prices():
    request = CaptionRequest.create(product_name="Saree", price=1799, original_price=2499)
    assert request.discount_percent == 28  # 28.01%: rounded down, never overstated
    assert CaptionRequest.create(product_name="Saree", price=1799, original_price=2499,
                                 discount_percent=29).discount_percent == 28
