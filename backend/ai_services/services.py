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

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError

from backend.accounts.models import Organization, User
from backend.assets.models import MediaAsset
from backend.assets.services import image_inspect, media_asset_create

from .captions import caption_generate  # noqa: F401
from .errors import error_body, is_callers_fault
from .events import job_event_emit
from .models import GenerationJob, Operation, UsageEvent
from .posters import InvalidPosterSpec, PosterResult, PosterSpec, render_poster
from .posters.render import _detect_language
from .providers.base import CaptionRequest, CaptionResult
from .usage import usage_release, usage_reserve, usage_settle


def poster_render(
    *,
    product_image: bytes,
    title: str,
    offer_text: str | None = None,
    discount_percent: int | None = None,
    price: Decimal | int | str | None = None,
    original_price: Decimal | int | str | None = None,
    currency: str = "INR",
    shop_name: str | None = None,
    festival: str | None = None,
    language: str | None = None,
    size: str = "square",
    output_format: str = "auto",
    platform: str | None = None,
    provider: str | None = None,
) -> PosterResult:
    spec = PosterSpec(
        title=title,
        offer_text=offer_text,
        discount_percent=discount_percent,
        price=price,
        original_price=original_price,
        currency=currency,
        shop_name=shop_name,
        festival=festival,
        language=language,
        size=size,
        output_format=output_format,
        platform=platform,
    )
    ai = None
    if provider is not None:
        from .providers.registry import get_provider

        ai = get_provider(provider)
    return render_poster(product_image=product_image, spec=spec, provider=ai)


# --- The API's AI operations: usage-limited, recorded in the ledger ------------------------
#
# Every operation reserves one unit before any provider call (usage.py) and gives it back if
# the call fails. A poster counts one `poster` unit only: the captions drawn up with it are part
# of the poster and take no `caption` unit.

log = logging.getLogger(__name__)

POSTER_CAPTION_VARIANTS = 3
POSTER_FIELDS = (
    "title", "offer_text", "discount_percent", "price", "original_price", "currency", "shop_name",
    "festival", "language", "size", "platform",
)


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


def _poster_spec(fields: dict) -> PosterSpec:
    return PosterSpec(**{name: fields[name] for name in POSTER_FIELDS if fields.get(name) is not None})


def _caption_fields(spec: PosterSpec) -> dict:
    offer = spec.offer_text or (f"{spec.discount_percent}% off" if spec.discount_percent else None)
    return {
        "product_name": spec.title[:120],
        "price": spec.price if spec.currency == "INR" else None,
        "offer": offer,
        "occasion": spec.festival,
        "language": _detect_language(spec),
        "tone": "festive" if spec.festival else None,
        "platform": spec.platform,
        "variants": POSTER_CAPTION_VARIANTS,
    }


def _json_safe(fields: dict) -> dict:
    return {name: (str(value) if isinstance(value, Decimal) else value) for name, value in fields.items()}


def _asset_bytes(asset: MediaAsset, *, field: str) -> bytes:
    try:
        with asset.file.open("rb") as handle:
            return handle.read()
    except OSError:
        log.warning("Media asset %s has no readable file (%s)", asset.pk, asset.file.name)
        raise ValidationError({field: ["The file of this media asset is missing; upload the photo again."]}) from None


def _poster_generate(
    *, organization: Organization, user: User | None, image: bytes, fields: dict, event: UsageEvent
) -> PosterGeneration:
    try:
        spec = _poster_spec(fields)
        captions = caption_generate(**_caption_fields(spec))
        poster = poster_render(product_image=image, **{k: v for k, v in fields.items() if k in POSTER_FIELDS})
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
    spec = _poster_spec(fields)  # InvalidPosterSpec: a 400 that costs no unit
    CaptionRequest.create(**_caption_fields(spec))
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
        input=_json_safe({k: v for k, v in fields.items() if k in POSTER_FIELDS}),
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
