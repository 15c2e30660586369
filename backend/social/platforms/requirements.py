"""What each platform accepts, as published in its developer documentation (../shared/platforms.md).

Preflight checks a post against these before it is scheduled, so a post the platform would
reject is refused at scheduling time rather than failing at publish time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class VideoRequirements:
    """What a platform accepts as a video, from the doc named in `source` (checked 2026-12-06).

    None means no rule. Dimensions are as displayed (rotation applied). `long_side_max` /
    `short_side_max` bound a video in either orientation (X: within 1280x1024 or 1024x1280).
    `fit_aspect_ratio` is the shape an auto-fit rendition pads or crops to when the video's shape
    is refused (the platform's recommended one, e.g. 9:16 for Reels and TikTok).
    """

    source: str
    containers: tuple[str, ...] = ("MP4", "MOV")
    video_codecs: tuple[str, ...] = ("h264",)
    audio_codecs: tuple[str, ...] = ("aac",)  # a silent video is always accepted
    min_seconds: float | None = None
    max_seconds: float | None = None
    max_bytes: int | None = None
    aspect_ratio_min: float | None = None
    aspect_ratio_max: float | None = None
    min_side: int | None = None
    long_side_max: int | None = None
    short_side_max: int | None = None
    max_width: int | None = None
    min_frame_rate: float | None = None
    max_frame_rate: float | None = None
    max_audio_channels: int | None = None
    max_audio_sample_rate: int | None = None
    fit_aspect_ratio: float | None = None
    # A shorter caption limit for video posts than for others (TikTok: a video's title).
    caption_max: int | None = None
    # The platform downloads the video from its URL (Instagram's video_url), so PUBLIC_BASE_URL
    # must be public https; the others receive the bytes.
    fetched_by_platform: bool = False


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
    # What it accepts as a video; None: posts to it take images only.
    video: VideoRequirements | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["image_formats"] = list(self.image_formats)
        if self.video is not None:
            data["video"] = {key: list(value) if isinstance(value, tuple) else value for key, value in data["video"].items()}
        return data


MB = 1024 * 1024
GB = 1024 * MB

# --- Videos, per platform ----------------------------------------------------------------------
# Instagram Reels, "Reel specifications" of POST /{ig-user-id}/media
# (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#reel-specifications):
# MOV or MP4, HEVC or H.264 (progressive, closed GOP, 4:2:0), AAC at most 48 kHz, mono or stereo,
# 23-60 FPS, at most 1920 columns, 3 s to 15 min, 300 MB, aspect ratio 0.01:1 to 10:1 with 9:16
# recommended "to avoid cropping or blank space" (so an auto-fit goes to 9:16).
INSTAGRAM_REELS = VideoRequirements(
    source="https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#reel-specifications",
    video_codecs=("h264", "hevc"),
    min_seconds=3,
    max_seconds=15 * 60,
    max_bytes=300 * MB,
    aspect_ratio_min=0.01,
    aspect_ratio_max=10,
    max_width=1920,
    min_frame_rate=23,
    max_frame_rate=60,
    max_audio_channels=2,
    max_audio_sample_rate=48000,
    fit_aspect_ratio=9 / 16,
    fetched_by_platform=True,
)
# TikTok, "Video restrictions" of the media transfer guide
# (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#video_restrictions):
# MP4 (recommended), WebM or MOV; H.264 (recommended), H.265, VP8 or VP9; 23-60 FPS; each side
# 360-4096 px; at most 4 GB; the longest duration is the creator's (`max_video_post_duration_sec`
# of creator_info, checked when publishing; 10 minutes for most). 9:16 is TikTok's full screen.
TIKTOK_VIDEO = VideoRequirements(
    source="https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide",
    containers=("MP4", "MOV"),  # WebM too, but the media library takes MP4 and MOV
    video_codecs=("h264", "hevc", "vp8", "vp9"),
    audio_codecs=("aac", "mp3"),
    min_seconds=3,
    max_seconds=10 * 60,
    max_bytes=4 * GB,
    min_side=360,
    long_side_max=4096,
    short_side_max=4096,
    min_frame_rate=23,
    max_frame_rate=60,
    fit_aspect_ratio=9 / 16,
    caption_max=2200,  # a video's title: 2,200 UTF-16 units (Direct Post reference, post_info.title)
)
# X, media best practices (https://docs.x.com/x-api/media/quickstart/best-practices): MP4 or MOV,
# H.264 (High profile), AAC LC, mono or stereo; 0.5-140 s for standard accounts; 512 MB;
# at most 1280x1024 (either way round); aspect ratio 1:3 to 3:1; at most 60 FPS.
X_VIDEO = VideoRequirements(
    source="https://docs.x.com/x-api/media/quickstart/best-practices",
    min_seconds=0.5,
    max_seconds=140,
    max_bytes=512 * MB,
    aspect_ratio_min=1 / 3,
    aspect_ratio_max=3,
    min_side=32,
    long_side_max=1280,
    short_side_max=1024,
    max_frame_rate=60,
    max_audio_channels=2,
)
# Facebook Page videos, video specs of the Video API
# (https://developers.facebook.com/docs/video-api/guides/publishing, "Video specifications"):
# MP4 or MOV recommended, H.264, AAC; up to 10 GB and 240 minutes; 9:16 to 16:9.
FACEBOOK_VIDEO = VideoRequirements(
    source="https://developers.facebook.com/docs/video-api/guides/publishing",
    video_codecs=("h264", "hevc"),
    audio_codecs=("aac", "mp3"),
    min_seconds=1,
    max_seconds=240 * 60,
    max_bytes=10 * GB,
    aspect_ratio_min=9 / 16,
    aspect_ratio_max=16 / 9,
)
# LinkedIn Videos API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api):
# MP4, 3 s to 30 min, 75 KB to 500 MB, aspect ratio 1:2.4 to 2.4:1, 10-60 FPS, 256x144 to 4096x2304.
LINKEDIN_VIDEO = VideoRequirements(
    source="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api",
    containers=("MP4",),
    video_codecs=("h264",),
    audio_codecs=("aac",),
    min_seconds=3,
    max_seconds=30 * 60,
    max_bytes=500 * MB,
    aspect_ratio_min=1 / 2.4,
    aspect_ratio_max=2.4,
    min_side=144,
    long_side_max=4096,
    short_side_max=2304,
    min_frame_rate=10,
    max_frame_rate=60,
)
# The sandbox takes any video the media library holds.
SANDBOX_VIDEO = VideoRequirements(
    source="Postloom's sandbox",
    video_codecs=(),
    audio_codecs=(),
)

SANDBOX = Requirements(
    name="Sandbox",
    caption_max=5000,
    media_max=10,
    image_formats=("JPEG", "PNG", "GIF", "WEBP"),
    max_image_bytes=20 * MB,
    video=SANDBOX_VIDEO,
)
FACEBOOK = Requirements(
    media_fetched_by_platform=True,
    name="Facebook",
    caption_max=63206,
    media_max=10,
    image_formats=("JPEG", "PNG", "GIF", "TIFF", "HEIF", "WEBP"),
    max_image_bytes=4 * MB - 1,  # "Photos < 4 MB"
    # video=FACEBOOK_VIDEO once the adapter uploads videos (resumable upload): until then preflight
    # refuses a video post to Facebook rather than let it fail when published.
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
    video=INSTAGRAM_REELS,
)
LINKEDIN = Requirements(
    name="LinkedIn",
    caption_max=3000,
    image_formats=("JPEG", "PNG", "GIF"),
    max_pixels=36_152_319,  # "< 36,152,320 pixels"
    media_max=9,
    video=LINKEDIN_VIDEO,
)
TWITTER = Requirements(
    name="X",
    caption_max=280,
    caption_counting="twitter",
    media_max=4,
    image_formats=("JPEG", "PNG", "GIF", "WEBP"),
    max_image_bytes=5 * MB,
    video=X_VIDEO,
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
    video=TIKTOK_VIDEO,
)
WHATSAPP = Requirements(
    media_fetched_by_platform=True,
    name="WhatsApp",
    caption_max=1024,
    image_formats=("JPEG", "PNG"),
    max_image_bytes=5 * MB,
)
