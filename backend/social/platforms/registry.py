"""The registry of platform adapters, keyed by platform.

Adapters register themselves with `@register`; `backend.social.apps` imports the platform
modules at start-up so the registry is complete before the first request.
"""
from __future__ import annotations

from .base import SocialMediaService, UnknownPlatform

_services: dict[str, SocialMediaService] = {}


def register(cls: type[SocialMediaService]) -> type[SocialMediaService]:
    _services[cls.platform] = cls()
    return cls


def get_service(platform: str) -> SocialMediaService:
    try:
        return _services[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None


def all_services() -> list[SocialMediaService]:
    return [_services[key] for key in sorted(_services)]


def platform_choices() -> list[tuple[str, str]]:
    return [(service.platform, service.name) for service in all_services()]
