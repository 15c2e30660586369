"""The OpenAI adapter: the only module that imports the `openai` SDK.

Captions come from chat completions with a strict JSON-schema response format and are
validated before anyone sees them; the product photo is restyled with the image edit endpoint.
The SDK does the bounded retries (timeouts, 408/409, 429 rate limits, 5xx) with backoff; a 429
whose code is `insufficient_quota` is marked not-retryable so it fails fast, after one request.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import lexicon
from ..offers import wrong_figures
from ..text import LANGUAGE_SCRIPT, format_inr, has_script
from .base import LANGUAGES, TONES, AIProvider, CaptionRequest, CaptionResult, ImageSize, ProviderError, Usage

log = logging.getLogger(__name__)

QUOTA_CODE = "insufficient_quota"
CAPTION_SCHEMA = {
    "type": "object",
    "properties": {
        "captions": {"type": "array", "items": {"type": "string"}},
        "hashtags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["captions", "hashtags"],
    "additionalProperties": False,
}


def _error_code(body: object) -> str | None:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return error.get("code") or error.get("type")
    return None


def _mark_quota_not_retryable(response) -> None:
    """httpx response hook: OpenAI answers both rate limits and an empty balance with 429;
    only the first is worth retrying. `x-should-retry: false` is the SDK's documented opt-out."""
    if response.status_code != 429:
        return
    response.read()
    try:
        code = _error_code(json.loads(response.content or b"{}"))
    except ValueError:
        return
    if code == QUOTA_CODE:
        response.headers["x-should-retry"] = "false"


def _translate(exc: Exception) -> ProviderError:
    if isinstance(exc, openai.RateLimitError):
        if exc.code == QUOTA_CODE or _error_code(exc.body) == QUOTA_CODE:
            return ProviderError(
                "quota_exhausted",
                "The OpenAI account has no credit left (insufficient_quota). Top up billing or switch AI_PROVIDER.",
            )
        return ProviderError("transient", "OpenAI is rate limiting requests; try again shortly.")
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("transient", "OpenAI did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("transient", "Could not reach OpenAI.")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return ProviderError("transient", f"OpenAI had a server error ({exc.status_code}).")
        if exc.status_code in (401, 403):
            return ProviderError("rejected", "OpenAI rejected the credentials (check OPENAI_API_KEY).")
        return ProviderError("rejected", f"OpenAI rejected the request ({exc.status_code}): {exc.message}")
    if isinstance(exc, openai.APIResponseValidationError):
        return ProviderError("rejected", "OpenAI returned a response we could not read.")
    return ProviderError("transient", f"OpenAI call failed: {type(exc).__name__}")


def hashtag_count(platform: str | None) -> int:
    from ..captions import GENERIC_HASHTAG_COUNT, HASHTAG_COUNT

    return HASHTAG_COUNT.get(platform or "", GENERIC_HASHTAG_COUNT)


class OpenAIProvider(AIProvider):
    name = "openai"

    def __init__(self) -> None:
        api_key = getattr(settings, "OPENAI_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured("AI_PROVIDER is 'openai' but OPENAI_API_KEY is not set.")
        self.chat_model = settings.OPENAI_CHAT_MODEL
        self.image_model = settings.OPENAI_IMAGE_MODEL
        self.client = openai.OpenAI(
            api_key=api_key,
            base_url=settings.OPENAI_BASE_URL,
            timeout=settings.OPENAI_TIMEOUT_SECONDS,
            max_retries=settings.OPENAI_MAX_RETRIES,
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [_mark_quota_not_retryable]}),
        )

    # --- captions ---------------------------------------------------------------------------

    def _messages(self, request: CaptionRequest) -> list[dict]:
        language = LANGUAGES[request.language]
        facts = [f"Product: {request.product_name}"]
        festival = lexicon.festival_key(request.occasion)
        occasion = lexicon.FESTIVAL_NAMES[festival][request.language] if festival else request.occasion
        for label, value in (("Fabric", request.fabric), ("Colour", request.color), ("Category", request.category),
                             ("Offer", request.offer), ("Occasion", occasion)):
            if value:
                facts.append(f"{label}: {value}")
        if request.price is not None:
            facts.append(f"Price: {format_inr(request.price)}")
        if request.original_price is not None:
            facts.append(f"Price before the offer: {format_inr(request.original_price)}")
        if request.discount_percent is not None:
            facts.append(f"Discount: {request.discount_percent}%")
        platform = request.platform or "social media"
        tags = hashtag_count(request.platform)
        system = (
            "You write social media captions for small Indian textile and clothing shops. "
            f"Write exactly {request.variants} distinct caption variants in {language}"
            + (" using its native script, grammatically, as a native speaker would (Hindi: inflect nouns "
               "before postpositions and make possessives agree in gender; Tamil: join case endings to their "
               "word), with festival names in the language" if request.language != "en" else "")
            + f". Tone: {request.tone} ({TONES[request.tone]}). Platform: {platform}"
            + (" (a business network: no jokes)" if request.platform == "linkedin" else "") + ". "
            "Use only the facts given; never invent prices, discounts, materials, craft (handwoven, handmade) "
            "or a place to visit. Mention no amount of money other than the prices given and no percentage "
            "other than the discount given. Write prices as ₹ with Indian digit grouping. Put no hashtags "
            f"inside the captions; suggest {tags} relevant hashtags separately, each in one script "
            "(words only, no '#' needed). Keep each caption under 240 characters."
        )
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n".join(facts)},
        ]

    def _complete(self, messages: list[dict]):
        try:
            completion = self.client.chat.completions.create(
                model=self.chat_model,
                messages=messages,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "captions", "strict": True, "schema": CAPTION_SCHEMA},
                },
                temperature=0.8,
            )
        except openai.OpenAIError as exc:
            error = _translate(exc)
            log.warning("OpenAI caption request failed: %s", error.kind)
            raise error from None
        if not completion.choices:
            raise ProviderError("rejected", "OpenAI returned no choices.")
        choice = completion.choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            raise ProviderError("rejected", f"The model declined to write these captions: {message.refusal}")
        if choice.finish_reason == "content_filter":
            raise ProviderError("rejected", "The request was blocked by the provider's content filter.")
        if choice.finish_reason == "length":
            raise ProviderError("rejected", "The model's answer was cut off before it was complete.")
        return completion, message.content

    def generate_captions(self, request: CaptionRequest) -> CaptionResult:
        """Captions whose figures match the input: a caption stating another price or discount
        is rejected; the model is asked once more (told which figures were wrong), and captions
        still wrong are dropped. None left: a `rejected` ProviderError."""
        messages = self._messages(request)
        completion, content = self._complete(messages)
        usages = [completion.usage]
        captions, hashtags = self._parse(content, request)
        good = [c for c in captions if not wrong_figures(c, request)]
        if len(good) < len(captions):
            problems = "; ".join(
                f"caption {i} says {', '.join(wrong_figures(c, request))}"
                for i, c in enumerate(captions, 1) if wrong_figures(c, request)
            )
            log.warning("OpenAI captions misstated figures (%s); asking once more", problems)
            retry = [*messages, {"role": "assistant", "content": content or ""},
                     {"role": "user", "content": f"These figures are wrong: {problems}. Write all {request.variants} "
                      "captions again using only the prices and discount given."}]
            completion, content = self._complete(retry)
            usages.append(completion.usage)
            again, hashtags2 = self._parse(content, request)
            hashtags = hashtags2 or hashtags
            fresh = [c for c in again if not wrong_figures(c, request) and c not in good]
            good = (good + fresh)[: request.variants]
        if not good:
            raise ProviderError("rejected", "The model's captions misstated the price or discount twice; none were kept.")
        return CaptionResult(
            captions=good,
            hashtags=hashtags,
            provider=self.name,
            model=completion.model or self.chat_model,
            usage=Usage(
                prompt_tokens=sum(getattr(u, "prompt_tokens", 0) or 0 for u in usages),
                completion_tokens=sum(getattr(u, "completion_tokens", 0) or 0 for u in usages),
                total_tokens=sum(getattr(u, "total_tokens", 0) or 0 for u in usages),
            ),
        )

    @staticmethod
    def _parse(content: str | None, request: CaptionRequest) -> tuple[list[str], list[str]]:
        try:
            data = json.loads(content or "")
        except ValueError:
            raise ProviderError("rejected", "The model's answer was not valid JSON.") from None
        if not isinstance(data, dict):
            raise ProviderError("rejected", "The model's answer was not a JSON object.")
        captions, hashtags = data.get("captions"), data.get("hashtags")
        if not isinstance(captions, list) or not all(isinstance(c, str) for c in captions):
            raise ProviderError("rejected", "The model's answer has no list of captions.")
        if not isinstance(hashtags, list) or not all(isinstance(h, str) for h in hashtags):
            raise ProviderError("rejected", "The model's answer has no list of hashtags.")
        captions = [c.strip() for c in captions if c.strip()]
        if len(captions) < request.variants:
            raise ProviderError(
                "rejected", f"The model wrote {len(captions)} usable captions; {request.variants} were asked for."
            )
        captions = captions[: request.variants]
        script = LANGUAGE_SCRIPT[request.language]
        if script != "latn":
            wrong = [i for i, c in enumerate(captions, 1) if not has_script(c, script)]
            if wrong:
                raise ProviderError(
                    "rejected", f"Caption(s) {wrong} are not written in {LANGUAGES[request.language]}."
                )
        return captions, hashtags

    # --- images -----------------------------------------------------------------------------

    def restyle_product_image(self, *, image: bytes, prompt: str, size: ImageSize) -> bytes | None:
        extra = {"response_format": "b64_json"} if self.image_model.startswith("dall-e") else {}
        try:
            response = self.client.images.edit(
                model=self.image_model,
                image=("product.png", image, "image/png"),
                prompt=prompt,
                size=size,
                n=1,
                **extra,
            )
        except openai.OpenAIError as exc:
            error = _translate(exc)
            log.warning("OpenAI image edit failed: %s", error.kind)
            raise error from None
        if not response.data or not response.data[0].b64_json:
            raise ProviderError("rejected", "OpenAI returned no image.")
        try:
            return base64.b64decode(response.data[0].b64_json, validate=True)
        except (binascii.Error, ValueError):
            raise ProviderError("rejected", "OpenAI returned an image we could not decode.") from None
