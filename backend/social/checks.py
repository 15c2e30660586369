"""Would the platform accept this post? Run when a post is created or edited, so a post the
platform would reject is refused at scheduling time, not found out at publish time."""
from __future__ import annotations

from rest_framework.exceptions import ErrorDetail, ValidationError

from backend.assets.models import MediaAsset

from .platforms.registry import get_service
from .text import caption_length, compose, find_hashtags, find_mentions


def caption_problems(*, platform: str, caption: str, hashtags: list[str]) -> list[dict[str, str]]:
    service = get_service(platform)
    rules = service.requirements
    text = compose(caption, hashtags)
    problems = []
    length = caption_length(text, rules.caption_counting)
    if length > rules.caption_max:
        problems.append({
            "code": "caption_too_long",
            "message": f"{service.name} captions can have at most {rules.caption_max:,} characters; this one has {length:,} (hashtags included).",
        })
    tags = find_hashtags(text)
    if rules.hashtag_max is not None and len(tags) > rules.hashtag_max:
        problems.append({"code": "too_many_hashtags", "message": f"{service.name} allows at most {rules.hashtag_max} hashtags; this post has {len(tags)}."})
    mentions = find_mentions(text)
    if rules.mention_max is not None and len(mentions) > rules.mention_max:
        problems.append({"code": "too_many_mentions", "message": f"{service.name} allows at most {rules.mention_max} @-mentions; this post has {len(mentions)}."})
    return problems


def asset_problems(*, platform: str, asset: MediaAsset | None) -> list[dict[str, str]]:
    service = get_service(platform)
    rules = service.requirements
    if asset is None:
        if rules.media_required:
            return [{"code": "media_required", "message": f"{service.name} posts need an image."}]
        return []
    problems = []
    if asset.format not in rules.image_formats:
        problems.append({"code": "unsupported_format", "message": f"{service.name} accepts {', '.join(rules.image_formats)} images, not {asset.format}."})
    if rules.max_image_bytes is not None and asset.size > rules.max_image_bytes:
        problems.append({"code": "image_too_large", "message": f"{service.name} accepts images up to {rules.max_image_bytes:,} bytes; this one has {asset.size:,}."})
    ratio = asset.width / asset.height if asset.height else 0
    if rules.aspect_ratio_min is not None and ratio < rules.aspect_ratio_min - 1e-3 or rules.aspect_ratio_max is not None and ratio > rules.aspect_ratio_max + 1e-3:
        problems.append({"code": "aspect_ratio_out_of_range", "message": f"{service.name} accepts aspect ratios from {rules.aspect_ratio_min:.2f} to {rules.aspect_ratio_max:.2f}; this image is {ratio:.2f}."})
    if rules.min_width is not None and asset.width < rules.min_width:
        problems.append({"code": "image_too_narrow", "message": f"{service.name} needs images at least {rules.min_width} pixels wide; this one is {asset.width}."})
    if rules.max_width is not None and asset.width > rules.max_width:
        problems.append({"code": "image_too_wide", "message": f"{service.name} accepts images at most {rules.max_width} pixels wide; this one is {asset.width}."})
    if rules.max_pixels is not None and asset.width * asset.height > rules.max_pixels:
        problems.append({"code": "too_many_pixels", "message": f"{service.name} accepts at most {rules.max_pixels:,} pixels; this image has {asset.width * asset.height:,}."})
    return problems


def post_content_check(*, platform: str, caption: str, hashtags: list[str], asset: MediaAsset | None) -> None:
    """Raise a 400 listing every problem the platform would reject the post for."""
    errors = {}
    for field, problems in (
        ("caption", caption_problems(platform=platform, caption=caption, hashtags=hashtags)),
        ("asset_id", asset_problems(platform=platform, asset=asset)),
    ):
        if problems:
            errors[field] = [ErrorDetail(problem["message"], code=problem["code"]) for problem in problems]
    if errors:
        raise ValidationError(errors)
