"""The registry of AI providers, keyed by name (settings.AI_PROVIDER picks the default).

Adapters are imported on first use, so the vendor SDK is loaded only when its provider is
actually selected.
"""
from __future__ import annotations

from importlib import import_module

from django.conf import settings

from .base import AIProvider, UnknownProvider

_PROVIDERS: dict[str, str] = {
    "offline": "backend.ai_services.providers.offline.OfflineProvider",
    "openai": "backend.ai_services.providers.openai_provider.OpenAIProvider",
}


def register(name: str, dotted_path: str) -> None:
    _PROVIDERS[name] = dotted_path


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def get_provider(name: str | None = None) -> AIProvider:
    """The provider called `name`, or the one settings.AI_PROVIDER names."""
    key = (name if name is not None else getattr(settings, "AI_PROVIDER", "offline") or "offline").strip().lower()
    try:
        dotted = _PROVIDERS[key]
    except KeyError:
        raise UnknownProvider(key, provider_names()) from None
    module_path, _, class_name = dotted.rpartition(".")
    cls = getattr(import_module(module_path), class_name)
    return cls()
