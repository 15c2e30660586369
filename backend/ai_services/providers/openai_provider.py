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
        for label, value in (("Fabric", request.fabric), ("Colour", request.color), ("Category", request.category),
                             ("Offer", request.offer), ("Occasion", request.occasion)):
            if value:
                facts.append(f"{label}: {value}")
        if request.price is not None:
            facts.append(f"Price: {format_inr(request.price)}")
        platform = request.platform or "social media"
        system = (
            "You write social media captions for small Indian textile and clothing shops. "
            f"Write exactly {request.variants} distinct caption variants in {language}"
            + (" using its native script" if request.language != "en" else "")
            + f". Tone: {request.tone} ({TONES[request.tone]}). Platform: {platform}. "
            "Use only the facts given; never invent prices, discounts or materials. Write prices as ₹ with Indian "
            "digit grouping. Put no hashtags inside the captions; suggest 5 to 12 relevant hashtags separately "
            "(words only, no '#' needed). Keep each caption under 240 characters."
        )
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n".join(facts)},
        ]

    def generate_captions(self, request: CaptionRequest) -> CaptionResult:
        try:
            completion = self.client.chat.completions.create(
                model=self.chat_model,
                messages=self._messages(request),
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
        captions, hashtags = self._parse(message.content, request)
        usage = completion.usage
        return CaptionResult(
            captions=captions,
            hashtags=hashtags,
            provider=self.name,
            model=completion.model or self.chat_model,
            usage=Usage(
                prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
                total_tokens=getattr(usage, "total_tokens", 0) or 0,
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
