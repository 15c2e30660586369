"""Would the platform accept this post? Run when a post is created or edited, so a post the
platform would reject is refused at scheduling time, not found out at publish time."""
from __future__ import annotations

from django.db import transaction

from backend.accounts.models import Organization, User
from backend.assets.models import MediaAsset
from backend.assets.services import media_asset_create
from backend.core.exceptions import ValidationFailed
from backend.core.videos import VideoInfo

from .platforms.registry import get_service
from .preflight import PreflightResult, preflight

# Preflight names the media "image" or "video"; the API calls it asset_id.
API_FIELDS = {"caption": "caption", "hashtags": "hashtags", "image": "asset_id", "video": "asset_id"}


def asset_bytes(asset: MediaAsset) -> bytes:
    with asset.file.open("rb") as fh:
        return fh.read()


def video_info_of(asset: MediaAsset) -> VideoInfo:
    """What the library's probe recorded of a video asset (nothing is read from the file)."""
    return VideoInfo(
        format=asset.format,
        width=asset.width,
        height=asset.height,
        duration=asset.duration or 0.0,
        frame_rate=asset.frame_rate or 0.0,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        rotation=asset.rotation,
        bitrate=asset.bitrate or 0,
        size=asset.size,
        audio_channels=asset.audio_channels,
        audio_sample_rate=asset.audio_sample_rate,
    )


def post_preflight(
    *, platform: str, caption: str, hashtags: list[str], image: bytes | None, fix: bool, video: VideoInfo | None = None
) -> PreflightResult:
    return preflight(
        requirements=get_service(platform).requirements, caption=caption, hashtags=hashtags, image=image, fix=fix, video=video
    )


def asset_media(asset: MediaAsset | None) -> dict:
    """The preflight arguments for a post's asset: `video` info for a video, `image` bytes otherwise."""
    if asset is None:
        return {"image": None}
    if asset.is_video:
        return {"image": None, "video": video_info_of(asset)}
    return {"image": asset_bytes(asset)}


def post_content_check(
    *, platform: str, caption: str, hashtags: list[str], asset: MediaAsset | None, metadata: dict | None = None
) -> None:
    """Raise ValidationFailed (a 400) listing, per field, every problem the platform would reject the
    post for, including the post's own platform choices (`metadata[<platform>]`, e.g. TikTok's privacy)."""
    result = post_preflight(platform=platform, caption=caption, hashtags=hashtags, fix=False, **asset_media(asset))
    option_problems = get_service(platform).validate_post_options((metadata or {}).get(platform))
    if result.ok and not option_problems:
        return
    errors: dict[str, list[tuple[str, str]]] = {}
    for name, message in option_problems.items():
        errors.setdefault("metadata", []).append((f"{name}: {message}", "invalid_platform_option"))
    for problem in result.problems:
        errors.setdefault(API_FIELDS.get(problem.field, problem.field), []).append((problem.message, problem.code))
    raise ValidationFailed(errors)


@transaction.atomic
def preflight_run(
    *,
    platform: str,
    caption: str,
    hashtags: list[str],
    image: bytes | None,
    organization: Organization | None,
    by: User,
    video: VideoInfo | None = None,
) -> tuple[PreflightResult, MediaAsset | None]:
    """Check a post; when the image can be fixed and we know whose library it is, keep the fix.
    (A video is fixed by a background job instead: `result.video_fit` says whether one can.)"""
    result = post_preflight(platform=platform, caption=caption, hashtags=hashtags, image=image, fix=True, video=video)
    fixed_asset = None
    if result.fixed_image is not None and organization is not None:
        fixed_asset = media_asset_create(
            organization=organization,
            data=result.fixed_image.data,
            uploaded_by=by,
            original_name=f"{platform}-fit.{result.fixed_image.format.lower()}",
            source=MediaAsset.Source.FITTED,
        )
    return result, fixed_asset
