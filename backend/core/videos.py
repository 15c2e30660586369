"""Opening untrusted video files: the one probe-and-decode function, with the one policy.

Policy (uploads, preflight and the auto-fit job all open videos here):
- A file is a video only if its first box is an ISO base media (MP4) or QuickTime (MOV) box; it
  is then opened with FFmpeg's mov/mp4 demuxer and no other, so a playlist, `concat` script or
  image sequence (demuxers that open other files or URLs) is never reached from an upload.
- It needs a video stream whose declared size is within MEDIA_MAX_PIXELS and a duration within
  MEDIA_MAX_VIDEO_SECONDS, and its frames must decode: the probe decodes up to the poster frame
  (at most POSTER_MAX_FRAMES frames), so a file whose header is fine but whose frames are not is
  refused too.
- Dimensions are as displayed: a phone video stored 1920x1080 with a 90° display rotation is
  1080x1920 here, and its poster frame is upright.

PyAV (FFmpeg's libraries, shipped in its wheels) does the decoding; nothing is run in a shell.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

logger = logging.getLogger(__name__)

NOT_A_VIDEO = "not_a_video"
DAMAGED_VIDEO = "damaged_video"
VIDEO_TOO_LARGE = "video_too_large"
VIDEO_TOO_LONG = "video_too_long"

# The first box of an MP4/MOV file (ISO/IEC 14496-12; Apple's QuickTime File Format).
LEADING_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
CONTENT_TYPES = {"MP4": "video/mp4", "MOV": "video/quicktime"}
# The poster frame is taken this far in (a first frame is often black), or halfway for short clips.
POSTER_AT_SECONDS = 1.0
POSTER_MAX_FRAMES = 240
POSTER_MAX_SIDE = 720
POSTER_QUALITY = 85


class VideoRejected(ValueError):
    """The file cannot be used as a video: `code` is one of the constants above; `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VideoInfo:
    """What is known of a video. Width and height are as displayed (rotation applied)."""

    format: str  # "MP4" or "MOV"
    width: int
    height: int
    duration: float  # seconds
    frame_rate: float  # frames per second
    video_codec: str  # FFmpeg's codec name: h264, hevc, vp9, av1, mpeg4, prores ...
    audio_codec: str  # "" when the video is silent
    rotation: int  # degrees clockwise the stored frames are turned when shown (0, 90, 180, 270)
    bitrate: int  # bits per second over the whole file
    size: int  # bytes
    audio_channels: int = 0
    audio_sample_rate: int = 0
    poster_jpeg: bytes = b""  # the poster frame, upright, as a JPEG

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def sniff_container(head: bytes) -> str | None:
    """"MP4" or "MOV" from a file's first bytes (at least 12), or None when it is neither."""
    if len(head) < 12 or head[4:8] not in LEADING_BOXES:
        return None
    if head[4:8] == b"ftyp":
        return "MOV" if head[8:12] == b"qt  " else "MP4"
    return "MOV"  # an old QuickTime file starts with its movie or data box


def video_probe(path: str, *, poster: bool = True) -> VideoInfo:
    """Open, check and partly decode the video at `path`; raise VideoRejected.

    `poster`: also return the poster frame as a JPEG (`poster_jpeg`).
    """
    import av  # imported here: only the media paths need FFmpeg loaded

    with open(path, "rb") as fh:
        head = fh.read(12)
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
    container_format = sniff_container(head)
    if container_format is None:
        raise VideoRejected(NOT_A_VIDEO, "The file is not an MP4 or MOV video.")
    try:
        container = av.open(path, format="mov", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError):
        raise VideoRejected(NOT_A_VIDEO, "The file is not a readable MP4 or MOV video.") from None
    try:
        return _inspect(container, container_format=container_format, size=size, poster=poster)
    finally:
        container.close()


def _inspect(container, *, container_format: str, size: int, poster: bool) -> VideoInfo:
    import av

    if not container.streams.video:
        raise VideoRejected(NOT_A_VIDEO, "The file has no video track.")
    stream = container.streams.video[0]
    context = stream.codec_context
    width, height = int(context.width or 0), int(context.height or 0)
    if width <= 0 or height <= 0:
        raise VideoRejected(DAMAGED_VIDEO, "The video declares no picture size.")
    if width * height > settings.MEDIA_MAX_PIXELS:
        raise VideoRejected(
            VIDEO_TOO_LARGE, f"The video is {width}x{height} pixels; at most {settings.MEDIA_MAX_PIXELS:,} pixels are accepted."
        )
    duration = _duration(container, stream)
    if duration <= 0:
        raise VideoRejected(DAMAGED_VIDEO, "The video declares no duration.")
    if duration > settings.MEDIA_MAX_VIDEO_SECONDS:
        raise VideoRejected(
            VIDEO_TOO_LONG, f"The video is {duration:,.0f} seconds long; at most {settings.MEDIA_MAX_VIDEO_SECONDS:,} seconds are accepted."
        )
    if _data_missing(container, size):
        raise VideoRejected(DAMAGED_VIDEO, "The video is incomplete: its index points past the end of the file (was the upload cut short?).")
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    frame_rate = float(rate) if rate else 0.0
    audio = container.streams.audio[0] if container.streams.audio else None
    try:
        frame = _poster_frame(container, stream, at=min(POSTER_AT_SECONDS, duration / 2))
    except (av.FFmpegError, OSError, ValueError, MemoryError):
        raise VideoRejected(DAMAGED_VIDEO, "The video's frames cannot be decoded.") from None
    if frame is None:
        raise VideoRejected(DAMAGED_VIDEO, "The video has no frame that can be decoded.")
    rotation = (-int(frame.rotation or 0)) % 360  # PyAV: counter-clockwise; we say clockwise
    if rotation in (90, 270):
        width, height = height, width
    poster_jpeg = _jpeg(frame, rotation) if poster else b""
    bitrate = int(container.bit_rate or 0) or (int(size * 8 / duration) if duration else 0)
    return VideoInfo(
        format=container_format,
        width=width,
        height=height,
        duration=round(duration, 3),
        frame_rate=round(frame_rate, 3),
        video_codec=context.name or "",
        audio_codec=(audio.codec_context.name or "") if audio is not None else "",
        rotation=rotation,
        bitrate=bitrate,
        size=size,
        audio_channels=int(audio.codec_context.channels or 0) if audio is not None else 0,
        audio_sample_rate=int(audio.codec_context.sample_rate or 0) if audio is not None else 0,
        poster_jpeg=poster_jpeg,
    )


def _data_missing(container, size: int) -> bool:
    """Whether a track's index (the sample table of an MP4/MOV) names bytes the file does not have."""
    for stream in container.streams:
        try:
            entries = stream.index_entries
            last = entries[-1] if len(entries) else None
        except (AttributeError, IndexError, TypeError):
            continue
        if last is not None and last.pos + last.size > size:
            return True
    return False


def _duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return 0.0


def _poster_frame(container, stream, *, at: float):
    """The first frame at or after `at` seconds (or the last one decoded before giving up)."""
    stream.thread_type = "AUTO"
    chosen = None
    for index, frame in enumerate(container.decode(stream)):
        chosen = frame
        if frame.time is None or frame.time >= at or index + 1 >= POSTER_MAX_FRAMES:
            break
    return chosen


def _jpeg(frame, rotation: int) -> bytes:
    image = frame.to_image()
    if rotation:
        image = image.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
    image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=POSTER_QUALITY, optimize=True)
    return buffer.getvalue()
