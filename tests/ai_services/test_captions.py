"""Offline captions and the shared post-processing (hashtags, platform length)."""
from __future__ import annotations

import pytest

from backend.ai_services.captions import caption_generate, fit_caption, normalize_hashtag, normalize_hashtags
from backend.ai_services.providers import InvalidRequest, UnknownProvider, get_provider
from backend.ai_services.providers.offline import OfflineProvider
from backend.ai_services.text import format_inr, has_script, is_grapheme_boundary
from backend.social.platforms.requirements import INSTAGRAM, TWITTER
from backend.social.text import HASHTAG_RE, caption_length, compose, find_hashtags

PRODUCT = dict(product_name="Banarasi Silk Saree", fabric="Silk", color="Maroon", category="Saree", price=1499,
               offer="20% off", occasion="Diwali")


def test_registry_default_is_offline_and_unknown_key_is_clear(settings):
    settings.AI_PROVIDER = "offline"
    assert isinstance(get_provider(), OfflineProvider)
    with pytest.raises(UnknownProvider, match="'gemini'.*offline, openai"):
        get_provider("gemini")


@pytest.mark.parametrize("language,script", [("en", "latn"), ("hi", "deva"), ("ta", "taml")])
def test_offline_captions_are_in_the_right_script(language, script):
    result = caption_generate(**PRODUCT, language=language, tone="festive", variants=3, provider="offline")
    assert len(result.captions) == 3
    for caption in result.captions:
        assert has_script(caption, script), caption
        assert "Banarasi Silk Saree" in caption
    assert result.provider == "offline" and result.usage.total_tokens == 0


def test_offline_captions_weave_in_price_offer_and_occasion():
    result = caption_generate(**PRODUCT, language="en", tone="friendly", variants=5, provider="offline")
    text = "\n".join(result.captions)
    assert "₹1,499" in text and "20% off" in text and "Diwali" in text
    hindi = caption_generate(**PRODUCT, language="hi", variants=5, provider="offline")
    assert "₹1,499" in "\n".join(hindi.captions)


def test_offline_is_deterministic_and_variants_differ():
    first = caption_generate(**PRODUCT, language="ta", tone="premium", variants=5, provider="offline")
    second = caption_generate(**PRODUCT, language="ta", tone="premium", variants=5, provider="offline")
    assert first == second
    assert len(set(first.captions)) == 5
    # with almost nothing to go on, five variants still differ
    sparse = caption_generate(product_name="Cotton Kurti", variants=5, provider="offline")
    assert len(set(sparse.captions)) == 5


@pytest.mark.parametrize("tone", ["friendly", "festive", "premium", "playful"])
def test_every_tone_has_its_own_wording(tone):
    result = caption_generate(product_name="Linen Shirt", tone=tone, variants=2, provider="offline")
    others = [caption_generate(product_name="Linen Shirt", tone=t, variants=2, provider="offline").captions
              for t in ("friendly", "festive", "premium", "playful") if t != tone]
    assert all(set(result.captions).isdisjoint(o) for o in others)


@pytest.mark.parametrize("language", ["en", "hi", "ta"])
def test_twitter_captions_fit_280_weighted_with_hashtags(language):
    long_offer = "Buy 2 get 1 free on every saree in the shop, this weekend only, while stocks last"
    result = caption_generate(**{**PRODUCT, "offer": long_offer}, language=language, platform="twitter",
                              variants=5, provider="offline")
    assert result.hashtags
    for caption in result.captions:
        assert caption_length(compose(caption, result.hashtags), "twitter") <= 280


@pytest.mark.parametrize("language", ["en", "hi", "ta"])
def test_offline_writes_whole_sentences_for_twitter(language):
    # Optional lines are left out on X so the caption is not cut off mid-sentence.
    result = caption_generate(**PRODUCT, language=language, platform="twitter", variants=3, provider="offline")
    for caption in result.captions:
        assert not caption.endswith("…")
        assert "₹1,499" in caption or "Rs 1,499" in caption
        assert caption_length(compose(caption, result.hashtags), "twitter") <= 280


def test_instagram_captions_fit_2200_and_hashtags_cap_at_30():
    raw = [f"tag number {i}" for i in range(60)] + ["#Tag Number 3", "#tag-number-4"]
    tags = normalize_hashtags(raw, limit=INSTAGRAM.hashtag_max)
    assert len(tags) == 30 and len({t.casefold() for t in tags}) == 30
    caption = "Handwoven in Varanasi. " * 120  # ~2,760 characters
    fitted = fit_caption(caption, hashtags=tags, requirements=INSTAGRAM)
    final = compose(fitted, tags)
    assert caption_length(final, "chars") <= 2200
    assert fitted.endswith("Varanasi…")  # cut at a word boundary, trailing full stop dropped
    # and as long as it can be: one more word would not fit
    longer = caption[: len(fitted) + len(" Handwoven")].rstrip(". ") + "…"
    assert caption_length(compose(longer, tags), "chars") > 2200
    assert len(find_hashtags(final)) == 30


def test_instagram_service_caps_hashtags(settings):
    result = caption_generate(**PRODUCT, platform="instagram", variants=2, provider="offline")
    assert 0 < len(result.hashtags) <= 30
    for caption in result.captions:
        assert len(find_hashtags(compose(caption, result.hashtags))) <= 30
        assert caption_length(compose(caption, result.hashtags), "chars") <= 2200


@pytest.mark.parametrize("raw,expected", [
    ("silk saree", "#SilkSaree"),
    ("##Diwali!", "#Diwali"),
    (" #festive-wear ", "#FestiveWear"),
    ("रेशमी साड़ी", "#रेशमीसाड़ी"),
    ("#காஞ்சிபுரம் பட்டு", "#காஞ்சிபுரம்பட்டு"),
    ("2024", None),
    ("!!!", None),
])
def test_hashtag_normalisation(raw, expected):
    assert normalize_hashtag(raw) == expected
    if expected:
        assert HASHTAG_RE.fullmatch(expected)


def test_hashtags_dedupe_case_insensitively():
    assert normalize_hashtags(["Saree", "#saree", "SAREE", "Silk"], limit=None) == ["#Saree", "#Silk"]


def test_shortening_never_cuts_inside_a_grapheme():
    word = "स्त्री" * 60  # conjuncts and vowel signs, no spaces at all
    fitted = fit_caption(word, hashtags=[], requirements=TWITTER)
    assert fitted.endswith("…")
    body = fitted[:-1]
    assert is_grapheme_boundary(word, len(body)) and word.startswith(body)
    assert caption_length(fitted, "twitter") <= 280


def test_shortening_cuts_at_a_word_boundary():
    text = " ".join(["kanchipuram"] * 40)
    fitted = fit_caption(text, hashtags=["#Silk"], requirements=TWITTER)
    assert fitted.endswith("kanchipuram…")
    assert caption_length(compose(fitted, ["#Silk"]), "twitter") <= 280


@pytest.mark.parametrize("field,value", [("language", "fr"), ("tone", "angry"), ("variants", 6), ("variants", 0),
                                         ("platform", "myspace"), ("product_name", "  "), ("price", "abc")])
def test_invalid_requests_name_the_field(field, value):
    with pytest.raises(InvalidRequest) as caught:
        caption_generate(**{"product_name": "Kurti", field: value}, provider="offline")
    assert caught.value.field == field


def test_indian_rupee_formatting():
    assert format_inr(1499) == "₹1,499"
    assert format_inr(149999, symbol="Rs") == "Rs 1,49,999"
    assert format_inr("12345678.5") == "₹1,23,45,678.50"
    assert format_inr(999) == "₹999"
