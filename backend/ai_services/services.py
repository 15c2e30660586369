"""Service functions a view, task or command calls in one line.

The API calls the usage-limited operations at the end of this module (caption_create,
poster_request, poster_job_run); caption_generate and poster_render are the raw pipeline.

    result = caption_generate(**serializer.validated_data)
    poster = poster_render(product_image=upload.read(), **serializer.validated_data)

Errors: InvalidRequest / PosterError subclasses carry `field`/`code`/`http_status` for a 4xx
(FontUnavailable and ShapingUnavailable are 503s); ProviderError.kind is transient (503),
rejected (422) or quota_exhausted (503 with its message).
"""
from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from backend.accounts.models import Organization, User
from backend.assets.models import MediaAsset
from backend.assets.services import image_inspect, media_asset_create
from backend.core.exceptions import ValidationFailed

from . import lexicon
from .captions import caption_generate  # noqa: F401
from .errors import error_body, is_callers_fault
from .events import job_event_emit
from .models import GenerationJob, Operation, UsageEvent
from .posters import InvalidPosterSpec, PosterError, PosterSpec, render_poster
from .posters import fonts as font_lib
from .posters.images import load_product_image
from .posters.render import Drawing, TextBox, language_of, poster_texts
from .providers.base import AIProvider, CaptionRequest, CaptionResult, ProviderError
from .usage import usage_release, usage_reserve, usage_settle

RESTYLE_SIZES = {"square": "1024x1024", "portrait": "1024x1536", "story": "1024x1536"}
JPEG_QUALITY = 90
RESTYLE_PROMPT = (
    "Studio product photo of this exact garment on a clean, softly lit background. Keep the fabric, "
    "colour, print, weave and every detail of the garment exactly as in the photo. No text, no logos."
)


@dataclass(frozen=True)
class PosterResult:
    """An encoded poster and what is on it."""

    image: bytes
    format: str
    width: int
    height: int
    layout: str
    layout_engine: str
    fonts: tuple[str, ...]
    text_boxes: tuple[TextBox, ...]
    safe_box: tuple[int, int, int, int]
    photo_box: tuple[int, int, int, int]
    subject_box: tuple[int, int, int, int]
    festival: str | None
    language: str
    restyled: bool = False
    provider: str | None = None
    restyle_error: str | None = None
    render_ms: int = 0
    dropped_characters: str = ""  # emoji left out because no installed font draws them

    @property
    def content_type(self) -> str:
        return "image/jpeg" if self.format == "JPEG" else "image/png"


def _poster_text_checked(spec: PosterSpec) -> tuple[PosterSpec, str]:
    """`spec` without the emoji no font can draw (and the characters dropped); raises
    ShapingUnavailable / FontUnavailable / UnsupportedText before anything is drawn."""
    dropped = ""
    cleaned: dict[str, str | None] = {}
    for name in ("title", "offer_text", "shop_name", "contact"):
        value = getattr(spec, name)
        if value:
            stack = font_lib.font_stack(scripts=font_lib.scripts_in(value), weight="bold")
            value, lost = font_lib.drop_pictographs(value, stack)
            dropped += lost
            if name == "title" and not value:
                raise InvalidPosterSpec("The title has no text a poster can show.", field="title")
        cleaned[name] = value or None
    if dropped:
        spec = replace(spec, **cleaned)
    for text in poster_texts(spec):
        for weight in ("bold", "regular", "display"):
            font_lib.split_runs(text, font_lib.font_stack(scripts=font_lib.scripts_in(text), weight=weight))
    return spec, dropped


def _poster_photo(data: bytes):
    return load_product_image(
        data,
        max_pixels=getattr(settings, "MEDIA_MAX_PIXELS", 40_000_000),
        max_bytes=getattr(settings, "MEDIA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
    )


def _restyled(photo, *, spec: PosterSpec, provider: AIProvider):
    """(photo, restyled, error kind): the provider's studio version of the photo, or the shop's own."""
    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    try:
        new = provider.restyle_product_image(image=buffer.getvalue(), prompt=RESTYLE_PROMPT, size=RESTYLE_SIZES[spec.size])
    except ProviderError as exc:
        log.warning("Product photo restyle failed (%s); using the original photo", exc.kind)
        return photo, False, exc.kind
    if not new:
        return photo, False, None
    try:
        return _poster_photo(new), True, None
    except PosterError:  # the provider's image is unusable: not the shop's fault
        log.warning("The restyled product photo could not be read; using the original photo")
        return photo, False, "rejected"


def _encode(drawing: Drawing, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        drawing.image.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    else:
        drawing.image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def poster_render(*, product_image: bytes, spec: PosterSpec | None = None, provider: AIProvider | str | None = None,
                  **fields: Any) -> PosterResult:
    """Decode and check the photo, check the text can be drawn, restyle the photo when
    settings.AI_POSTER_RESTYLE is on, draw (render_poster) and encode. Give a PosterSpec or its
    fields. Raises PosterError subclasses (InvalidImage, ImageTooLarge, InvalidPosterSpec: 400;
    FontUnavailable, ShapingUnavailable: 503)."""
    started = time.perf_counter()
    if spec is None:
        spec = PosterSpec.create(**fields)
    elif fields:
        raise TypeError("Pass a spec or its fields, not both")
    photo = _poster_photo(product_image)
    spec, dropped = _poster_text_checked(spec)
    engine = font_lib.require_engine_for(poster_texts(spec))
    restyled, restyle_error, provider_name = False, None, None
    if getattr(settings, "AI_POSTER_RESTYLE", False):
        from .providers.registry import get_provider

        ai = provider if isinstance(provider, AIProvider) else get_provider(provider)
        provider_name = ai.name
        photo, restyled, restyle_error = _restyled(photo, spec=spec, provider=ai)
    drawing = render_poster(spec=spec, photo=photo, engine=engine)
    fmt = spec.resolved_format
    return PosterResult(
        image=_encode(drawing, fmt),
        format=fmt,
        width=drawing.image.width,
        height=drawing.image.height,
        layout=drawing.layout,
        layout_engine=drawing.layout_engine,
        fonts=drawing.fonts,
        text_boxes=drawing.text_boxes,
        safe_box=drawing.safe_box,
        photo_box=drawing.photo_box,
        subject_box=drawing.subject_box,
        festival=spec.festival,
        language=language_of(spec),
        restyled=restyled,
        provider=provider_name,
        restyle_error=restyle_error,
        render_ms=round((time.perf_counter() - started) * 1000),
        dropped_characters=dropped,
    )


# --- The API's AI operations: usage-limited, recorded in the ledger ------------------------
#
# Every operation reserves one unit before any provider call (usage.py) and gives it back if
# the call fails. A poster counts one `poster` unit only: the captions drawn up with it are part
# of the poster and take no `caption` unit.

log = logging.getLogger(__name__)

POSTER_CAPTION_VARIANTS = 3


def _release_for(*, event: UsageEvent, exc: Exception) -> None:
    outcome = UsageEvent.Outcome.REFUNDED if is_callers_fault(exc) else UsageEvent.Outcome.FAILED
    usage_release(event=event, outcome=outcome, error=f"{type(exc).__name__}: {exc}")


def caption_create(*, organization: Organization, user: User | None, **fields: Any) -> CaptionResult:
    """Captions for a product, counted against the organization's `caption` limit."""
    CaptionRequest.create(**fields)  # a 400 costs no unit
    event = usage_reserve(organization=organization, operation=Operation.CAPTION, user=user)
    try:
        result = caption_generate(**fields)
    except Exception as exc:
        _release_for(event=event, exc=exc)
        raise
    usage_settle(event=event, provider=result.provider, model=result.model, usage=result.usage)
    return result


@dataclass(frozen=True)
class PosterGeneration:
    asset: MediaAsset
    captions: CaptionResult

    def as_dict(self) -> dict:
        """The body of a 201 from POST /api/textile/poster/ (and a finished job's result)."""
        return {
            "poster": {
                "asset_id": self.asset.pk,
                "url": self.asset.url,
                "width": self.asset.width,
                "height": self.asset.height,
                "format": self.asset.format,
            },
            "captions": list(self.captions.captions),
            "hashtags": list(self.captions.hashtags),
            "provider": self.captions.provider,
            "model": self.captions.model,
            "usage": self.captions.usage.as_dict(),
        }


def poster_runs_in_background() -> bool:
    """settings.AI_POSTER_BACKGROUND: "always", "never" or "auto" (a worker draws the poster
    whenever the provider calls a remote API; the offline provider is fast enough inline)."""
    mode = getattr(settings, "AI_POSTER_BACKGROUND", "auto")
    if mode in ("always", "never"):
        return mode == "always"
    return (getattr(settings, "AI_PROVIDER", "offline") or "offline").strip().lower() != "offline"


# Words a poster title carries that are not the product ("Banarasi Saree Sale" -> "Banarasi Saree").
PROMO_WORDS = re.compile(
    r"\b(?:mega\s+)?(?:sale|offer|offers|deal|deals|discount|collection|edit|new\s+arrivals?)\b|सेल|ऑफ़र|ऑफर|ஆஃபர்|சேல்",
    re.IGNORECASE,
)


def poster_product_name(title: str) -> str:
    name = " ".join(PROMO_WORDS.sub(" ", title).split()).strip(" -–—:|,")
    return name or title


def poster_contact(*, organization: Organization, language: str) -> str | None:
    """The call-to-action line from the organization's profile: WhatsApp, phone, address."""
    parts = []
    whatsapp, phone, address = organization.whatsapp.strip(), organization.phone.strip(), organization.address.strip()
    if whatsapp:
        parts.append(f"{lexicon.CONTACT_LABELS['whatsapp'][language]} {whatsapp}")
    if phone and phone != whatsapp:
        parts.append(f"{lexicon.CONTACT_LABELS['phone'][language]} {phone}")
    if address:
        parts.append(address)
    return " · ".join(parts) or None


def _poster_spec(*, organization: Organization, fields: dict) -> PosterSpec:
    spec = PosterSpec.create(**fields)
    if spec.call_to_action:
        spec = replace(spec, contact=poster_contact(organization=organization, language=language_of(spec)))
    return spec


def _caption_fields(spec: PosterSpec) -> dict:
    inr = spec.currency == "INR"
    return {
        "product_name": poster_product_name(spec.title),
        "price": spec.price if inr else None,
        "original_price": spec.original_price if inr else None,
        "discount_percent": spec.discount_percent,
        "offer": spec.offer_text,
        "occasion": spec.festival,
        "language": language_of(spec),
        "tone": "festive" if spec.festival else None,
        "platform": spec.platform,
        "variants": POSTER_CAPTION_VARIANTS,
    }


def _asset_bytes(asset: MediaAsset, *, field: str) -> bytes:
    try:
        with asset.file.open("rb") as handle:
            return handle.read()
    except OSError:
        log.warning("Media asset %s has no readable file (%s)", asset.pk, asset.file.name)
        raise ValidationFailed({field: ["The file of this media asset is missing; upload the photo again."]}) from None


def _poster_generate(
    *, organization: Organization, user: User | None, image: bytes, fields: dict, event: UsageEvent
) -> PosterGeneration:
    try:
        spec = _poster_spec(organization=organization, fields=fields)
        captions = caption_generate(**_caption_fields(spec))
        poster = poster_render(product_image=image, spec=spec)
        extension = "png" if poster.format == "PNG" else "jpg"
        asset = media_asset_create(
            organization=organization,
            data=poster.image,
            uploaded_by=user,
            original_name=f"poster-{slugify(spec.title, allow_unicode=True)[:60] or 'offer'}.{extension}",
            source=MediaAsset.Source.POSTER,
        )
    except Exception as exc:
        _release_for(event=event, exc=exc)
        raise
    usage_settle(event=event, provider=captions.provider, model=captions.model, usage=captions.usage)
    return PosterGeneration(asset=asset, captions=captions)


def poster_request(
    *,
    organization: Organization,
    user: User | None,
    product_image: bytes | None = None,
    product_image_name: str = "",
    product_asset: MediaAsset | None = None,
    **fields: Any,
) -> PosterGeneration | GenerationJob:
    """A poster from a product photo (uploaded bytes or an asset of the organization), with
    captions, saved to the media library. Drawn now (PosterGeneration) or queued for a worker
    (GenerationJob, see poster_runs_in_background). Input errors are raised before a unit is
    taken; a failure after it gives the unit back."""
    if (product_image is None) == (product_asset is None):
        raise ValueError("Pass exactly one of product_image and product_asset")
    if product_asset is not None and product_asset.organization_id != organization.pk:
        raise ValueError("The product asset belongs to another organization")
    spec = _poster_spec(organization=organization, fields=fields)  # InvalidPosterSpec: a 400 that costs no unit
    CaptionRequest.create(**_caption_fields(spec))
    fields = spec.as_json()
    if product_image is not None:
        image_inspect(data=product_image, field="product_image")
    if poster_runs_in_background():
        job = _poster_job_create(
            organization=organization, user=user, product_image=product_image,
            product_image_name=product_image_name, product_asset=product_asset, fields=fields,
        )
        job.refresh_from_db()  # outside a transaction the job was handed to the queue already
        return job
    if product_asset is not None:
        product_image = _asset_bytes(product_asset, field="asset_id")
    event = usage_reserve(organization=organization, operation=Operation.POSTER, user=user)
    return _poster_generate(organization=organization, user=user, image=product_image, fields=fields, event=event)


@transaction.atomic
def _poster_job_create(
    *, organization: Organization, user: User | None, product_image: bytes | None, product_image_name: str,
    product_asset: MediaAsset | None, fields: dict,
) -> GenerationJob:
    event = usage_reserve(organization=organization, operation=Operation.POSTER, user=user)
    if product_asset is None:
        # The worker reads the photo from the media library (the shop can reuse it too).
        product_asset = media_asset_create(
            organization=organization, data=product_image, uploaded_by=user, original_name=product_image_name
        )
    job = GenerationJob.objects.create(
        organization=organization,
        user=user,
        kind=GenerationJob.Kind.POSTER,
        input=fields,
        product_asset=product_asset,
        usage_event=event,
    )
    transaction.on_commit(lambda: _poster_job_enqueue(job_id=job.pk))
    return job


def _poster_job_enqueue(*, job_id: int) -> None:
    from .tasks import run_poster_job

    try:
        run_poster_job.delay(job_id)
    except Exception as exc:  # the broker is down: fail the job now rather than leave it queued forever
        log.exception("Could not enqueue poster job %s", job_id)
        with transaction.atomic():
            claimed = GenerationJob.objects.filter(pk=job_id, status=GenerationJob.Status.QUEUED).update(
                status=GenerationJob.Status.FAILED,
                error={"detail": "The job queue is unavailable; try again shortly.", "code": "queue_unavailable"},
                finished_at=timezone.now(),
            )
            if claimed:
                job_event_emit(job=GenerationJob.objects.get(pk=job_id))
        event = GenerationJob.objects.get(pk=job_id).usage_event
        if claimed and event is not None:
            usage_release(event=event, outcome=UsageEvent.Outcome.FAILED, error=f"enqueue failed: {type(exc).__name__}")


def poster_job_run(*, job_id: int) -> GenerationJob | None:
    """Draw a queued poster job. Claims it with a status compare-and-swap (a duplicate message
    finds nothing to do; a job whose worker died is taken again after the task time limit)."""
    now = timezone.now()
    stale = now - timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) or 300)
    claimed = (
        GenerationJob.objects.filter(pk=job_id)
        .filter(Q(status=GenerationJob.Status.QUEUED) | Q(status=GenerationJob.Status.RUNNING, started_at__lt=stale))
        .update(status=GenerationJob.Status.RUNNING, started_at=now)
    )
    if not claimed:
        return None
    job = GenerationJob.objects.select_related("organization", "user", "product_asset", "usage_event").get(pk=job_id)
    try:
        if job.product_asset is None:
            raise InvalidPosterSpec("The product photo was deleted before the poster was drawn.", field="product_image")
        image = _asset_bytes(job.product_asset, field="product_image")
        if job.usage_event is None or job.usage_event.outcome != UsageEvent.Outcome.RESERVED:
            job.usage_event = usage_reserve(organization=job.organization, operation=Operation.POSTER, user=job.user)
        generation = _poster_generate(
            organization=job.organization, user=job.user, image=image, fields=job.input, event=job.usage_event
        )
    except Exception as exc:  # every failure ends the job with a clear error; the unit is given back
        event = job.usage_event
        if event is not None and event.outcome == UsageEvent.Outcome.RESERVED:  # failed before generating
            _release_for(event=event, exc=exc)
        body = error_body(exc)
        if body["code"] == "internal_error":
            log.exception("Poster job %s failed", job.pk)
        else:
            log.warning("Poster job %s failed: %s", job.pk, body["code"])
        job.status, job.error, job.finished_at = GenerationJob.Status.FAILED, body, timezone.now()
        with transaction.atomic():
            job.save(update_fields=["status", "error", "finished_at", "usage_event"])
            job_event_emit(job=job)
        return job
    job.status, job.result, job.finished_at = GenerationJob.Status.SUCCEEDED, generation.as_dict(), timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "result", "finished_at", "usage_event"])
        job_event_emit(job=job)
    return job
