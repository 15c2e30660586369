"""What each platform accepts, as published in its developer documentation (../shared/platforms.md).

Preflight checks a post against these before it is scheduled, so a post the platform would
reject is refused at scheduling time rather than failing at publish time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Requirements:
    caption_max: int
    # How the caption length is counted: "chars" (code points), "twitter" (weighted: URLs 23,
    # emoji and CJK 2), "utf16" (UTF-16 code units).
    caption_counting: str = "chars"
    hashtag_max: int | None = None
    mention_max: int | None = None
    media_required: bool = False
    media_max: int = 1
    image_formats: tuple[str, ...] = ("JPEG", "PNG")
    aspect_ratio_min: float | None = None
    aspect_ratio_max: float | None = None
    max_image_bytes: int | None = None
    min_width: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None
    daily_post_limit: int | None = None
    # The platform downloads the image itself from its URL (under PUBLIC_BASE_URL), so that must
    # be a public https address (Instagram, Facebook, TikTok, WhatsApp).
    media_fetched_by_platform: bool = False
    # How messages name the platform ("Instagram accepts captions of at most ...").
    name: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["image_formats"] = list(self.image_formats)
        return data


MB = 1024 * 1024

SANDBOX = Requirements(
    name="Sandbox",
    caption_max=5000,
    media_max=10,
    image_formats=("JPEG", "PNG", "GIF", "WEBP"),
    max_image_bytes=20 * MB,
)
FACEBOOK = Requirements(
    media_fetched_by_platform=True,
    name="Facebook",
    caption_max=63206,
    media_max=10,
    image_formats=("JPEG", "PNG", "GIF", "TIFF", "HEIF", "WEBP"),
    max_image_bytes=4 * MB - 1,  # "Photos < 4 MB"
)
INSTAGRAM = Requirements(
    media_fetched_by_platform=True,
    name="Instagram",
    caption_max=2200,
    hashtag_max=30,
    mention_max=20,
    media_required=True,
    media_max=10,
    image_formats=("JPEG",),
    aspect_ratio_min=4 / 5,
    aspect_ratio_max=1.91,
    max_image_bytes=8 * MB,
    min_width=320,
    max_width=1440,
    daily_post_limit=50,
)
LINKEDIN = Requirements(
    name="LinkedIn",
    caption_max=3000,
    image_formats=("JPEG", "PNG", "GIF"),
    max_pixels=36_152_319,  # "< 36,152,320 pixels"
    media_max=9,
)
TWITTER = Requirements(
    name="X",
    caption_max=280,
    caption_counting="twitter",
    media_max=4,
    image_formats=("JPEG", "PNG", "GIF", "WEBP"),
    max_image_bytes=5 * MB,
)
TIKTOK = Requirements(
    media_fetched_by_platform=True,
    name="TikTok",
    caption_max=4000,
    caption_counting="utf16",  # TikTok counts the description in UTF-16 units
    media_required=True,
    media_max=35,
    image_formats=("JPEG", "WEBP"),
    max_image_bytes=20 * MB,
    max_width=1080,
    max_height=1920,
)
WHATSAPP = Requirements(
    media_fetched_by_platform=True,
    name="WhatsApp",
    caption_max=1024,
    image_formats=("JPEG", "PNG"),
    max_image_bytes=5 * MB,
)
