"""The OpenAI adapter against a local server that answers like the OpenAI API."""
from __future__ import annotations

import io
import json
import logging

import pytest
from conftest import (
    QUOTA_BODY,
    RATE_LIMIT_BODY,
    SERVER_ERROR_BODY,
    TEST_API_KEY,
    chat_completion,
    png_b64,
)
from PIL import Image

from backend.ai_services.captions import caption_generate
from backend.ai_services.providers import CaptionRequest, ProviderError, get_provider
from backend.ai_services.providers.openai_provider import OpenAIProvider

CHAT = "/v1/chat/completions"
EDIT = "/v1/images/edits"
GOOD = {"captions": ["Silk that glows for Diwali.", "Maroon and gold, made to shine.", "Your festive saree is here."],
        "hashtags": ["silk saree", "#Diwali", "##diwali", "Handloom!", "festive wear"]}


def request(**overrides) -> CaptionRequest:
    data = {"product_name": "Banarasi Silk Saree", "fabric": "silk", "color": "maroon", "price": 1499,
            "language": "en", "tone": "festive", "platform": "instagram", "variants": 3}
    data.update(overrides)
    return CaptionRequest.create(**data)


def test_registry_picks_openai_from_settings(fake_openai):
    assert isinstance(get_provider(), OpenAIProvider)


def test_captions_use_strict_json_schema_and_bearer_auth(fake_openai):
    # given the API answers with structured JSON
    fake_openai.script(CHAT, (200, chat_completion(json.dumps(GOOD))))
    # when captions are generated through the service
    result = caption_generate(product_name="Banarasi Silk Saree", fabric="silk", color="maroon", price=1499,
                              language="en", tone="festive", platform="instagram", variants=3)
    # then one well-formed request was sent
    [sent] = fake_openai.requests_to(CHAT)
    assert sent["headers"]["authorization"] == f"Bearer {TEST_API_KEY}"
    body = sent["json"]
    assert body["model"] == "gpt-4.1-mini"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["captions", "hashtags"]
    assert "₹1,499" in body["messages"][1]["content"]
    assert "festive" in body["messages"][0]["content"]
    # and the answer was validated and post-processed
    assert result.captions == GOOD["captions"]
    assert result.hashtags == ["#SilkSaree", "#Diwali", "#Handloom", "#FestiveWear"]
    assert (result.provider, result.model) == ("openai", "gpt-4.1-mini-2025-04-14")
    assert result.usage.as_dict() == {"prompt_tokens": 182, "completion_tokens": 96, "total_tokens": 278}


def test_rate_limit_is_retried_then_succeeds(fake_openai):
    fake_openai.script(CHAT, (429, RATE_LIMIT_BODY, {"retry-after-ms": "20"}), (200, chat_completion(json.dumps(GOOD))))
    result = get_provider().generate_captions(request())
    assert len(fake_openai.requests_to(CHAT)) == 2
    assert len(result.captions) == 3


def test_server_errors_are_retried_a_bounded_number_of_times(fake_openai, settings):
    settings.OPENAI_MAX_RETRIES = 2
    fake_openai.script(CHAT, *[(500, SERVER_ERROR_BODY, {"retry-after-ms": "10"})] * 5)
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "transient"
    assert len(fake_openai.requests_to(CHAT)) == 3  # the first try and two retries


def test_timeouts_are_retried_then_succeed(fake_openai, settings):
    settings.OPENAI_TIMEOUT_SECONDS = 0.3
    settings.OPENAI_MAX_RETRIES = 1
    fake_openai.script(CHAT, (200, chat_completion(json.dumps(GOOD)), {}, 1.0), (200, chat_completion(json.dumps(GOOD))))
    result = get_provider().generate_captions(request())
    assert len(result.captions) == 3
    assert len(fake_openai.requests_to(CHAT)) == 2


def test_timeouts_end_as_a_transient_error_after_bounded_retries(fake_openai, settings):
    settings.OPENAI_TIMEOUT_SECONDS = 0.3
    settings.OPENAI_MAX_RETRIES = 1
    slow = (200, chat_completion(json.dumps(GOOD)), {}, 1.0)
    fake_openai.script(CHAT, slow, slow, slow)
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "transient"
    assert len(fake_openai.requests_to(CHAT)) == 2


def test_insufficient_quota_fails_fast_without_retry(fake_openai, caplog):
    fake_openai.script(CHAT, *[(429, QUOTA_BODY)] * 3)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ProviderError) as caught:
            get_provider().generate_captions(request())
    assert caught.value.kind == "quota_exhausted"
    assert "insufficient_quota" in caught.value.message
    assert len(fake_openai.requests_to(CHAT)) == 1
    assert TEST_API_KEY not in caplog.text


def test_refusal_is_rejected(fake_openai):
    fake_openai.script(CHAT, (200, chat_completion(None, refusal="I'm sorry, I can't help with that request.")))
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "rejected"
    assert "declined" in caught.value.message


def test_malformed_json_is_rejected(fake_openai):
    fake_openai.script(CHAT, (200, chat_completion('{"captions": ["Half an answ')))
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "rejected"
    assert len(fake_openai.requests_to(CHAT)) == 1


def test_too_few_variants_are_rejected(fake_openai):
    fake_openai.script(CHAT, (200, chat_completion(json.dumps({"captions": ["Only one", "  "], "hashtags": []}))))
    with pytest.raises(ProviderError, match="2 usable|1 usable") as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "rejected"


def test_hindi_in_latin_script_is_rejected_and_devanagari_accepted(fake_openai):
    latin = {"captions": ["Yeh saree bahut sundar hai"], "hashtags": ["saree"]}
    hindi = {"captions": ["यह बनारसी साड़ी दिवाली के लिए एकदम सही है।"], "hashtags": ["साड़ी", "#दिवाली"]}
    fake_openai.script(CHAT, (200, chat_completion(json.dumps(latin))), (200, chat_completion(json.dumps(hindi))))
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request(language="hi", variants=1))
    assert caught.value.kind == "rejected"
    result = get_provider().generate_captions(request(language="hi", variants=1))
    assert "साड़ी" in result.captions[0]
    assert "Hindi" in fake_openai.requests_to(CHAT)[-1]["json"]["messages"][0]["content"]


def test_bad_request_is_rejected_not_retried(fake_openai):
    body = {"error": {"message": "Invalid schema for response_format 'captions'.", "type": "invalid_request_error",
                      "param": "response_format", "code": None}}
    fake_openai.script(CHAT, (400, body), (400, body))
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request())
    assert caught.value.kind == "rejected"
    assert len(fake_openai.requests_to(CHAT)) == 1


def test_image_edit_sends_multipart_and_decodes_b64_json(fake_openai):
    fake_openai.script(EDIT, (200, {"created": 1, "data": [{"b64_json": png_b64()}],
                                    "usage": {"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210}}))
    source = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(source, "PNG")
    out = get_provider().restyle_product_image(image=source.getvalue(), prompt="Clean studio background",
                                               size="1024x1024")
    assert Image.open(io.BytesIO(out)).getpixel((0, 0)) == (10, 120, 60)
    [sent] = fake_openai.requests_to(EDIT)
    assert sent["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert sent["headers"]["authorization"] == f"Bearer {TEST_API_KEY}"
    assert sent["fields"]["model"] == "gpt-image-1"
    assert sent["fields"]["prompt"] == "Clean studio background"
    assert sent["fields"]["size"] == "1024x1024"
    assert sent["files"]["image"]["filename"] == "product.png"
    assert sent["files"]["image"]["data"] == source.getvalue()


def test_image_edit_without_image_is_rejected(fake_openai):
    fake_openai.script(EDIT, (200, {"created": 1, "data": []}))
    with pytest.raises(ProviderError) as caught:
        get_provider().restyle_product_image(image=b"\x89PNG", prompt="x", size="1024x1024")
    assert caught.value.kind == "rejected"


def test_poster_uses_restyled_photo_when_enabled(fake_openai, settings, photo):
    from backend.ai_services.posters import PosterSpec
    from backend.ai_services.services import poster_render

    settings.AI_POSTER_RESTYLE = True
    fake_openai.script(EDIT, (200, {"created": 1, "data": [{"b64_json": png_b64((10, 120, 60), (400, 500))}]}))
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Kanchipuram Silk", size="square"))
    assert result.restyled and result.provider == "openai"
    poster = Image.open(io.BytesIO(result.image)).convert("RGB")
    cx = (result.photo_box[0] + result.photo_box[2]) // 2
    cy = (result.photo_box[1] + result.photo_box[3]) // 2
    r, g, b = poster.getpixel((cx, cy))
    assert abs(r - 10) < 12 and abs(g - 120) < 12 and abs(b - 60) < 12


def test_poster_keeps_the_original_photo_when_restyle_hits_quota(fake_openai, settings, photo):
    from backend.ai_services.posters import PosterSpec
    from backend.ai_services.services import poster_render

    settings.AI_POSTER_RESTYLE = True
    fake_openai.script(EDIT, (429, QUOTA_BODY))
    result = poster_render(product_image=photo, spec=PosterSpec.create(title="Kanchipuram Silk", size="square"))
    assert not result.restyled and result.restyle_error == "quota_exhausted"
    assert len(fake_openai.requests_to(EDIT)) == 1


def test_missing_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.OPENAI_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        get_provider("openai")


def _answer(*captions: str) -> tuple:
    return (200, chat_completion(json.dumps({"captions": list(captions), "hashtags": ["silk saree"]})))


def test_a_caption_with_a_wrong_price_is_regenerated_once(fake_openai):
    # given the model misstates the price in one caption, then gets it right when told
    fake_openai.script(
        CHAT,
        _answer("Banarasi silk at just ₹1,799.", "Now ₹1,299 only!", "Was ₹2,499, now ₹1,799: 28% off."),
        _answer("Maroon silk for Diwali, ₹1,799.", "Now ₹1,299 only!", "Your festive saree, 28% off."),
    )
    result = caption_generate(product_name="Banarasi Silk Saree", price=1799, original_price=2499, language="en",
                              variants=3, platform="instagram")
    # then a second request told the model which figure was wrong
    first, second = fake_openai.requests_to(CHAT)
    assert "₹1,799" in first["json"]["messages"][1]["content"] and "28%" in first["json"]["messages"][1]["content"]
    assert second["json"]["messages"][-1]["role"] == "user"
    assert "₹1,299" in second["json"]["messages"][-1]["content"]
    # and only captions whose figures match the input are kept
    assert result.captions == ["Banarasi silk at just ₹1,799.", "Was ₹2,499, now ₹1,799: 28% off.",
                               "Maroon silk for Diwali, ₹1,799."]
    assert result.usage.total_tokens == 2 * 278


def test_a_wrong_discount_twice_is_dropped(fake_openai):
    fake_openai.script(CHAT, _answer("Flat 50% off!", "Silk at ₹1,799."), _answer("Flat 50% off!", "Grab it: 40% off"))
    result = get_provider().generate_captions(request(price=1799, original_price=2499, variants=2))
    assert result.captions == ["Silk at ₹1,799."]  # the untrue ones are gone, not passed on
    assert len(fake_openai.requests_to(CHAT)) == 2


def test_captions_all_wrong_twice_are_a_rejection(fake_openai):
    fake_openai.script(CHAT, _answer("Only ₹999!"), _answer("Only Rs 999!"))
    with pytest.raises(ProviderError) as caught:
        get_provider().generate_captions(request(price=1799, variants=1))
    assert caught.value.kind == "rejected" and "misstated" in caught.value.message


def test_figures_in_indic_digits_are_checked_too(fake_openai):
    fake_openai.script(CHAT, _answer("बनारसी साड़ी सिर्फ़ ₹१,२९९ में।"), _answer("बनारसी साड़ी सिर्फ़ ₹१,७९९ में।"))
    result = get_provider().generate_captions(request(price=1799, language="hi", variants=1))
    assert result.captions == ["बनारसी साड़ी सिर्फ़ ₹१,७९९ में।"]
