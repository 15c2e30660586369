"""Would a platform accept this post? Checks a caption and an image against `Requirements`.

The result means exactly this:
- `ok` is True when the post *as given* (this caption, these hashtags, this image, unchanged)
  would be accepted. Any problem makes it False, including problems a fix would remove.
- `fixed_image`, when present, is a rendition of the image that passes every image rule: use it
  instead of the original and the image problems go away. It is produced only when `fix` is True
  and every image problem can be fixed (format, byte size, aspect ratio, dimensions, pixels).
  An unreadable image, or one too large to decode safely, has no fix.
- Caption problems (length, hashtags, mentions) are never fixed: the text is the shop's words,
  and truncating it silently could cut a price or a call to action. They keep `ok` False.

Platforms that download the image themselves (`media_fetched_by_platform`: Instagram, Facebook,
TikTok, WhatsApp) can only reach it under a public https PUBLIC_BASE_URL: while it is anything
else (the default http://127.0.0.1:8000, a private address, plain http) a post with an image is
refused with `media_url_not_public` (not fixable). MEDIA_URL_CHECK=false turns the rule off for
local work against fakes.

Caption rules apply to the text the platform receives: the caption followed by the hashtags not
already in it (`text.compose`). Hashtags and mentions are counted in that text, every
occurrence. Image rules use the upright (EXIF-oriented) dimensions.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from urllib.parse import urlsplit

from django.conf import settings

from backend.core.videos import VideoInfo

from .imaging import (
    FORMAT_NAMES,
    FitMode,
    FixedImage,
    ImageInfo,
    ImageRejected,
    dimension_problems,
    fit_image,
    inspect_image,
    is_heif,
)
from .platforms.requirements import MB, Requirements, VideoRequirements
from .text import caption_length, compose, find_hashtags, find_mentions

__all__ = ["FixedImage", "PreflightResult", "Problem", "fit_image", "preflight"]

# Image problems fit_image removes.
FIXABLE_CODES = frozenset({
    "unsupported_format",
    "image_too_large",
    "aspect_ratio_out_of_range",
    "image_too_narrow",
    "image_too_wide",
    "image_too_tall",
    "too_many_pixels",
})

COUNTING_NOTES = {
    "twitter": " (links count as 23, emoji and CJK characters as 2)",
    "utf16": " (most emoji count as 2)",
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str  # "caption", "hashtags" or "image"


# Video problems an auto-fit rendition removes (backend/social/videofit.py); `video_too_long` only
# when trimming is asked for.
VIDEO_FIXABLE_CODES = frozenset({
    "unsupported_container",
    "unsupported_video_codec",
    "unsupported_audio_codec",
    "video_too_large",
    "aspect_ratio_out_of_range",
    "video_too_small",
    "video_too_big",
    "frame_rate_out_of_range",
    "audio_not_supported",
})


@dataclass
class PreflightResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    fixed_image: FixedImage | None = None
    # Videos: whether an auto-fit rendition (a background job) removes every video problem:
    # "fit", "fit_with_trim" (only if the video may be cut to the platform's longest), or "".
    video_fit: str = ""

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]


def preflight(
    *,
    requirements: Requirements,
    caption: str,
    hashtags: Sequence[str] = (),
    image: bytes | None = None,
    fix: bool = True,
    fit: FitMode = "pad",
    video: VideoInfo | None = None,
) -> PreflightResult:
    """Check a post against a platform's requirements; see the module docstring for the result."""
    if video is not None and requirements.video is not None and requirements.video.caption_max is not None:
        requirements = replace(requirements, caption_max=min(requirements.caption_max, requirements.video.caption_max))
    problems = _caption_problems(requirements, caption, list(hashtags))
    if video is not None:
        video_problems, video_fit = video_check(requirements, video)
        problems.extend(video_problems)
        if requirements.video is not None and requirements.video.fetched_by_platform:
            problems.extend(_media_url_problems(requirements, what="video"))
        return PreflightResult(ok=not problems, problems=problems, video_fit=video_fit)
    image_problems: list[Problem] = []
    fixable = False
    if image is None:
        if requirements.media_required:
            image_problems.append(Problem(
                "media_required",
                f"{_label(requirements)} does not take text-only posts: add an image.",
                "image",
            ))
        elif not compose(caption, list(hashtags)).strip():
            problems.append(Problem(
                "empty_post", "There is nothing to post: add a caption or an image.", "caption",
            ))
    else:
        image_problems, fixable = _image_problems(requirements, image)
        problems.extend(_media_url_problems(requirements))
    problems.extend(image_problems)

    fixed = None
    if fix and image is not None and image_problems and fixable:
        try:
            fixed = fit_image(requirements=requirements, image=image, fit=fit)
        except (ImageRejected, ValueError):
            fixed = None  # the problems above still say what is wrong
    return PreflightResult(ok=not problems, problems=problems, fixed_image=fixed)


NON_PUBLIC_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home", ".test", ".example", ".invalid")


def is_public_https(url: str) -> bool:
    """Whether `url` is an https address a platform on the internet can fetch from."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith(NON_PUBLIC_SUFFIXES):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host  # a name: public unless it is a single label (an intranet name)


def _media_url_problems(req: Requirements, *, what: str = "image") -> list[Problem]:
    if not req.media_fetched_by_platform or not settings.MEDIA_URL_CHECK or is_public_https(settings.PUBLIC_BASE_URL):
        return []
    return [Problem(
        "media_url_not_public",
        f"{_label(req)} downloads the {what} from {settings.PUBLIC_BASE_URL}, which it cannot reach: "
        "set PUBLIC_BASE_URL to this server's public https address (MEDIA_URL_CHECK=false turns this check off).",
        what,
    )]


def _caption_problems(req: Requirements, caption: str, hashtags: list[str]) -> list[Problem]:
    text = compose(caption, hashtags)
    problems = []
    length = caption_length(text, req.caption_counting)
    if length > req.caption_max:
        with_tags = " with its hashtags" if text != caption else ""
        problems.append(Problem(
            "caption_too_long",
            f"{_label(req)} accepts captions of at most {req.caption_max:,} characters"
            f"{COUNTING_NOTES.get(req.caption_counting, '')}; this one has {length:,}"
            f"{with_tags}.",
            "caption",
        ))
    tags = find_hashtags(text)
    if req.hashtag_max is not None and len(tags) > req.hashtag_max:
        problems.append(Problem(
            "too_many_hashtags",
            f"{_label(req)} allows at most {req.hashtag_max:,} hashtags per post; this one has "
            f"{len(tags):,}.",
            "hashtags",
        ))
    mentions = find_mentions(text)
    if req.mention_max is not None and len(mentions) > req.mention_max:
        problems.append(Problem(
            "too_many_mentions",
            f"{_label(req)} allows at most {req.mention_max:,} @mentions per post; this one has "
            f"{len(mentions):,}.",
            "caption",
        ))
    return problems


def _image_problems(req: Requirements, data: bytes) -> tuple[list[Problem], bool]:
    """The image's problems, and whether fit_image can fix all of them."""
    problems = []
    label = _label(req)
    if req.max_image_bytes is not None and len(data) > req.max_image_bytes:
        problems.append(Problem(
            "image_too_large",
            f"{label} accepts images up to {_size(req.max_image_bytes)}; this one is "
            f"{_size(len(data), than=req.max_image_bytes)}.",
            "image",
        ))
    if is_heif(data=data) and "HEIF" in req.image_formats:
        # The platform takes HEIF, but Postloom cannot decode it: its byte size is all that can
        # be checked (no platform taking HEIF has dimension rules), and there is no fix.
        return problems, False
    try:
        info = inspect_image(data=data)
    except ImageRejected as exc:
        return [*problems, Problem(exc.code, exc.message, "image")], False

    if info.format not in req.image_formats:
        problems.append(Problem(
            "unsupported_format",
            f"{label} accepts {_formats(req.image_formats)} images"
            f"{' only' if len(req.image_formats) == 1 else ''}; this one is "
            f"{FORMAT_NAMES.get(info.format, info.format)}.",
            "image",
        ))
    for code in dimension_problems(requirements=req, width=info.width, height=info.height):
        problems.append(Problem(code, _dimension_message(code, req, info), "image"))
    return problems, all(problem.code in FIXABLE_CODES for problem in problems)


def video_check(req: Requirements, info: VideoInfo) -> tuple[list[Problem], str]:
    """A video's problems on this platform, and which auto-fit removes them all ("fit",
    "fit_with_trim" or "" when none can, or none is needed)."""
    label, rules = _label(req), req.video
    if rules is None:
        return [Problem("video_not_supported", f"{label} posts take images only, not videos.", "video")], ""
    problems = [Problem(code, message, "video") for code, message in video_rule_breaks(rules, info, label=label)]
    codes = {problem.code for problem in problems}
    if not codes:
        return [], ""
    if codes <= VIDEO_FIXABLE_CODES:
        return problems, "fit"
    if codes <= VIDEO_FIXABLE_CODES | {"video_too_long"}:
        return problems, "fit_with_trim"
    return problems, ""


def video_rule_breaks(rules: VideoRequirements, info: VideoInfo, *, label: str) -> list[tuple[str, str]]:
    """(code, message) for every rule of `rules` the video breaks (shared by preflight and auto-fit)."""
    out: list[tuple[str, str]] = []
    w, h = info.width, info.height
    if rules.containers and info.format not in rules.containers:
        out.append(("unsupported_container", f"{label} accepts {_formats(rules.containers)} videos; this one is {info.format}."))
    if rules.video_codecs and info.video_codec not in rules.video_codecs:
        out.append(("unsupported_video_codec", f"{label} accepts videos encoded as {_codecs(rules.video_codecs)}; this one is {info.video_codec}."))
    if info.audio_codec and rules.audio_codecs and info.audio_codec not in rules.audio_codecs:
        out.append(("unsupported_audio_codec", f"{label} accepts {_codecs(rules.audio_codecs)} sound; this video's is {info.audio_codec}."))
    elif info.audio_codec and (
        (rules.max_audio_channels is not None and info.audio_channels > rules.max_audio_channels)
        or (rules.max_audio_sample_rate is not None and info.audio_sample_rate > rules.max_audio_sample_rate)
    ):
        out.append(("audio_not_supported", f"{label} accepts mono or stereo sound up to {(rules.max_audio_sample_rate or 48000) // 1000} kHz; "
                    f"this video has {info.audio_channels} channels at {info.audio_sample_rate / 1000:g} kHz."))
    if rules.min_seconds is not None and info.duration < rules.min_seconds:
        out.append(("video_too_short", f"{label} needs videos of at least {rules.min_seconds:g} seconds; this one is {info.duration:.1f}."))
    if rules.max_seconds is not None and info.duration > rules.max_seconds:
        out.append(("video_too_long", f"{label} accepts videos of at most {_seconds(rules.max_seconds)}; this one is {_seconds(info.duration)}."))
    if rules.max_bytes is not None and info.size > rules.max_bytes:
        out.append(("video_too_large", f"{label} accepts videos up to {_size(rules.max_bytes)}; this one is {_size(info.size, than=rules.max_bytes)}."))
    ratio = w / h
    if (rules.aspect_ratio_min is not None and ratio < rules.aspect_ratio_min - 1e-3) or (
        rules.aspect_ratio_max is not None and ratio > rules.aspect_ratio_max + 1e-3
    ):
        low = _ratio(rules.aspect_ratio_min) if rules.aspect_ratio_min is not None else "any"
        high = _ratio(rules.aspect_ratio_max) if rules.aspect_ratio_max is not None else "any"
        out.append(("aspect_ratio_out_of_range", f"{label} accepts videos from {low} (tall) to {high} (wide); this one is {w:,} × {h:,} ({ratio:.2f}:1)."))
    if rules.min_side is not None and min(w, h) < rules.min_side:
        out.append(("video_too_small", f"{label} needs videos at least {rules.min_side:,} pixels on each side; this one is {w:,} × {h:,}."))
    long_side, short_side = max(w, h), min(w, h)
    if (
        (rules.long_side_max is not None and long_side > rules.long_side_max)
        or (rules.short_side_max is not None and short_side > rules.short_side_max)
        or (rules.max_width is not None and w > rules.max_width)
    ):
        if rules.max_width is not None:
            bound = f"at most {rules.max_width:,} pixels wide"
        else:
            bound = f"within {rules.long_side_max:,} × {rules.short_side_max:,} pixels (either way round)"
        out.append(("video_too_big", f"{label} accepts videos {bound}; this one is {w:,} × {h:,}."))
    rate = info.frame_rate
    if (rules.min_frame_rate is not None and rate < rules.min_frame_rate - 0.01) or (
        rules.max_frame_rate is not None and rate > rules.max_frame_rate + 0.01
    ):
        low, high = rules.min_frame_rate, rules.max_frame_rate
        rule = f"{low:g}-{high:g}" if low is not None and high is not None else (f"at least {low:g}" if low is not None else f"at most {high:g}")
        out.append(("frame_rate_out_of_range", f"{label} accepts {rule} frames per second; this video has {rate:g}."))
    return out


def _codecs(names: Sequence[str]) -> str:
    shown = [VIDEO_CODEC_NAMES.get(name, name) for name in names]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


VIDEO_CODEC_NAMES = {"h264": "H.264", "hevc": "H.265 (HEVC)", "vp8": "VP8", "vp9": "VP9", "aac": "AAC", "mp3": "MP3", "av1": "AV1"}


def _seconds(value: float) -> str:
    if value >= 120 and value % 60 == 0:
        return f"{value / 60:g} minutes"
    return f"{value:g} seconds" if float(value).is_integer() else f"{value:.1f} seconds"


def _dimension_message(code: str, req: Requirements, info: ImageInfo) -> str:
    label, w, h = _label(req), info.width, info.height
    if code == "aspect_ratio_out_of_range":
        low = _ratio(req.aspect_ratio_min) if req.aspect_ratio_min is not None else None
        high = _ratio(req.aspect_ratio_max) if req.aspect_ratio_max is not None else None
        if low and high:
            rule = f"accepts images from {low} (tall) to {high} (wide)"
        elif low:
            rule = f"accepts images no taller than {low}"
        else:
            rule = f"accepts images no wider than {high}"
        return f"{label} {rule}; this one is {w:,} × {h:,} ({w / h:.2f}:1)."
    if code == "image_too_narrow":
        return (f"{label} needs images at least {req.min_width:,} pixels wide; this one is "
                f"{w:,}.")
    if code == "image_too_wide":
        return f"{label} accepts images at most {req.max_width:,} pixels wide; this one is {w:,}."
    if code == "image_too_tall":
        return (f"{label} accepts images at most {req.max_height:,} pixels tall; this one is "
                f"{h:,}.")
    if code == "too_many_pixels":
        return (f"{label} accepts images of at most {req.max_pixels:,} pixels; this one has "
                f"{w * h:,} ({w:,} × {h:,}).")
    raise ValueError(f"Unknown dimension problem: {code}")


def _label(req: Requirements) -> str:
    return req.name or "This platform"


def _formats(formats: Sequence[str]) -> str:
    names = [FORMAT_NAMES.get(fmt, fmt) for fmt in formats]
    if len(names) == 1:
        return f"{names[0]}"
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _ratio(value: float) -> str:
    """4/5 -> "4:5", 1.91 -> "1.91:1"."""
    simple = Fraction(value).limit_denominator(10)
    if abs(float(simple) - value) < 1e-9:
        return f"{simple.numerator}:{simple.denominator}"
    return f"{value:g}:1"


def _size(n_bytes: int, *, than: int | None = None) -> str:
    """Megabytes with one decimal; exact bytes when rounding would hide the difference."""
    text = f"{n_bytes / MB:.1f} MB"
    if than is not None and text == f"{than / MB:.1f} MB":
        return f"{n_bytes:,} bytes (the limit is {than:,})"
    if n_bytes % MB in (0, MB - 1):
        return f"{round(n_bytes / MB)} MB"
    return text
