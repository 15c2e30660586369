"""Service functions a view, task or command calls in one line.

    result = caption_generate(**serializer.validated_data)
    poster = poster_render(product_image=upload.read(), **serializer.validated_data)

Errors: InvalidRequest / PosterError subclasses carry `field`/`code`/`http_status` for a 4xx
(FontUnavailable and ShapingUnavailable are 503s); ProviderError.kind is transient (503),
rejected (422) or quota_exhausted (503 with its message).
"""
from __future__ import annotations

from decimal import Decimal

from .captions import caption_generate  # noqa: F401
from .posters import PosterResult, PosterSpec, render_poster


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
