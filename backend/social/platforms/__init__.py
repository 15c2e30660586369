"""Platform adapters. Each module registers one `SocialMediaService` in the registry."""

PLATFORM_MODULES = ["sandbox", "facebook", "instagram", "linkedin", "twitter", "tiktok", "whatsapp"]


def load_all() -> None:
    from importlib import import_module

    for name in PLATFORM_MODULES:
        import_module(f"{__name__}.{name}")
