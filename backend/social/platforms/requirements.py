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

    def as_dict(self) -> dict:
        data = asdict(self)
        data["image_formats"] = list(self.image_formats)
        return data
