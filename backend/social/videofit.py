"""Auto-fit: a rendition of a video that a platform accepts (run by a background job, never in a request).

What a rendition is, so callers know what they get:
- Container and codecs: MP4 with the index first (`faststart`: Instagram wants the moov atom at
  the front), H.264 (High profile, yuv420p, CRF 23) and AAC-LC stereo 48 kHz at 128 kb/s. The
  source's sound is kept; a silent video stays silent.
- Orientation: the picture is turned upright (a phone's display rotation is applied to the pixels).
- Shape: only when the platform refuses the video's aspect ratio, it is padded (default: nothing
  of the garment is lost; black bars) or cropped around the centre to the platform's preferred
  shape (`fit_aspect_ratio`, 9:16 for Reels and TikTok) or the nearest accepted one.
- Size: scaled down into the platform's bounds (or up to its smallest side), even dimensions.
- Frame rate: clamped into the platform's range (frames dropped or repeated, constant rate).
- Bytes: when the platform has a byte limit the video bitrate is capped to fit it.
- Length: never cut unless `trim` is asked for; then it ends at the platform's longest duration.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from backend.core.videos import VideoInfo

from .platforms.requirements import VideoRequirements

FitMode = Literal["pad", "crop"]
AUDIO_BITRATE = 128_000
AUDIO_RATE = 48_000
DEFAULT_CRF = "23"
UNCAPPED_BITRATE = 20_000_000  # a byte budget above this much per second needs no cap at CRF 23


class VideoFitError(ValueError):
    """The rendition could not be made (`message` says why, for the job's error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FitPlan:
    width: int  # the output canvas
    height: int
    picture_width: int  # the picture on the canvas (pad) or the crop taken from the source (crop)
    picture_height: int
    mode: FitMode
    frame_rate: Fraction
    max_seconds: float | None  # trim here (None: keep the whole video)
    max_video_bitrate: int | None  # bits per second


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def fit_plan(rules: VideoRequirements, info: VideoInfo, *, mode: FitMode = "pad", trim: bool = False) -> FitPlan:
    """What the rendition of `info` for `rules` will be (sizes as displayed)."""
    w, h = info.width, info.height
    ratio = w / h
    low, high = rules.aspect_ratio_min, rules.aspect_ratio_max
    target = ratio
    if (low is not None and ratio < low - 1e-3) or (high is not None and ratio > high + 1e-3):
        preferred = rules.fit_aspect_ratio
        if preferred is not None and (low is None or preferred >= low) and (high is None or preferred <= high):
            target = preferred
        else:
            target = min(max(ratio, low if low is not None else ratio), high if high is not None else ratio)
    if mode == "crop":  # the largest centred region of the source with the target shape
        region_w, region_h = (w, w / target) if target > ratio else (h * target, h)
        canvas_w, canvas_h = region_w, region_h
    else:  # the smallest canvas with the target shape holding the whole picture
        canvas_w, canvas_h = (h * target, h) if target > ratio else (w, w / target)
        region_w, region_h = w, h
    scale = _bound_scale(rules, canvas_w, canvas_h)
    width, height = _even(canvas_w * scale), _even(canvas_h * scale)
    if mode == "crop":
        picture_w, picture_h = _even(region_w), _even(region_h)  # taken from the source, then scaled
    else:
        picture_w, picture_h = min(_even(region_w * scale), width), min(_even(region_h * scale), height)
    rate = info.frame_rate or 30.0
    if rules.min_frame_rate is not None:
        rate = max(rate, rules.min_frame_rate)
    if rules.max_frame_rate is not None:
        rate = min(rate, rules.max_frame_rate)
    max_seconds = rules.max_seconds if trim and rules.max_seconds is not None and info.duration > rules.max_seconds else None
    seconds = max_seconds or info.duration
    bitrate = None
    if rules.max_bytes is not None and seconds > 0:
        budget = int(rules.max_bytes * 0.9 * 8 / seconds) - AUDIO_BITRATE  # 10 % for the container
        bitrate = max(budget, 100_000) if budget < UNCAPPED_BITRATE else None
    return FitPlan(
        width=width,
        height=height,
        picture_width=picture_w,
        picture_height=picture_h,
        mode=mode,
        frame_rate=Fraction(rate).limit_denominator(1001),
        max_seconds=max_seconds,
        max_video_bitrate=bitrate,
    )


def _bound_scale(rules: VideoRequirements, w: float, h: float) -> float:
    """The factor that brings a w x h canvas into the platform's size bounds (1 when it fits)."""
    scale = 1.0
    long_side, short_side = max(w, h), min(w, h)
    if rules.long_side_max is not None:
        scale = min(scale, rules.long_side_max / long_side)
    if rules.short_side_max is not None:
        scale = min(scale, rules.short_side_max / short_side)
    if rules.max_width is not None:
        scale = min(scale, rules.max_width / w)
    if rules.min_side is not None and short_side * scale < rules.min_side:
        scale = rules.min_side / short_side
    return scale


def video_fit(
    *,
    source: str,
    destination: str,
    info: VideoInfo,
    plan: FitPlan,
    progress: Callable[[float], None] = lambda fraction: None,
) -> None:
    """Write the rendition of the video at `source` described by `plan` to `destination` (MP4)."""
    import av

    try:
        _transcode(av, source, destination, info, plan, progress)
    except av.FFmpegError as exc:
        raise VideoFitError(f"The video could not be re-encoded: {exc}") from None


def _filters(info: VideoInfo, plan: FitPlan) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    if info.rotation == 90:
        chain.append(("transpose", "clock"))
    elif info.rotation == 270:
        chain.append(("transpose", "cclock"))
    elif info.rotation == 180:
        chain += [("hflip", ""), ("vflip", "")]
    if plan.mode == "crop":
        chain.append(("crop", f"{plan.picture_width}:{plan.picture_height}"))  # centred by default
        chain.append(("scale", f"{plan.width}:{plan.height}"))
    else:
        chain.append(("scale", f"{plan.picture_width}:{plan.picture_height}"))
        chain.append(("pad", f"{plan.width}:{plan.height}:(ow-iw)/2:(oh-ih)/2:black"))
    chain += [("setsar", "1"), ("fps", f"{plan.frame_rate.numerator}/{plan.frame_rate.denominator}"), ("format", "yuv420p")]
    return chain


def _transcode(av, source: str, destination: str, info: VideoInfo, plan: FitPlan, progress: Callable[[float], None]) -> None:
    total = plan.max_seconds or info.duration or 1.0
    with av.open(source, format="mov", metadata_errors="ignore") as src, av.open(
        destination, "w", format="mp4", options={"movflags": "+faststart"}
    ) as out:
        in_video = src.streams.video[0]
        in_video.thread_type = "AUTO"
        in_audio = src.streams.audio[0] if src.streams.audio else None
        video = out.add_stream("libx264", rate=plan.frame_rate)
        video.width, video.height, video.pix_fmt = plan.width, plan.height, "yuv420p"
        frame_time_base = Fraction(plan.frame_rate.denominator, plan.frame_rate.numerator)
        video.codec_context.time_base = frame_time_base
        options = {"preset": "veryfast", "profile": "high"}
        if plan.max_video_bitrate:
            options.update(maxrate=str(plan.max_video_bitrate), bufsize=str(2 * plan.max_video_bitrate), crf=DEFAULT_CRF)
        else:
            options["crf"] = DEFAULT_CRF
        video.codec_context.options = options
        audio = None
        resampler = None
        if in_audio is not None:
            audio = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            audio.bit_rate = AUDIO_BITRATE
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=1024)

        graph = av.filter.Graph()
        nodes = [graph.add_buffer(template=in_video)]
        for name, args in _filters(info, plan):
            nodes.append(graph.add(name, args) if args else graph.add(name))
        nodes.append(graph.add("buffersink"))
        for upstream, downstream in zip(nodes, nodes[1:]):
            upstream.link_to(downstream)
        graph.configure()

        frames_out = 0
        samples_out = 0
        reported = 0.0

        def drain() -> None:
            nonlocal frames_out
            while True:
                try:
                    frame = graph.pull()
                except (av.BlockingIOError, av.EOFError):
                    return
                if plan.max_seconds is not None and frames_out / plan.frame_rate >= plan.max_seconds:
                    continue
                frame.pts, frame.time_base = frames_out, frame_time_base
                frames_out += 1
                out.mux(video.encode(frame))

        def write_audio(frame) -> None:
            nonlocal samples_out
            for chunk in resampler.resample(frame):
                if plan.max_seconds is not None and samples_out / AUDIO_RATE >= plan.max_seconds:
                    return
                chunk.pts, chunk.time_base = samples_out, Fraction(1, AUDIO_RATE)
                samples_out += chunk.samples
                out.mux(audio.encode(chunk))

        streams = [in_video] + ([in_audio] if in_audio is not None else [])
        for packet in src.demux(*streams):
            for frame in packet.decode():
                time = frame.time or 0.0
                if plan.max_seconds is not None and time >= plan.max_seconds:
                    continue
                if packet.stream.type == "video":
                    graph.push(frame)
                    drain()
                    if time / total - reported >= 0.02:
                        reported = min(time / total, 0.99)
                        progress(reported)
                elif audio is not None:
                    write_audio(frame)
        graph.push(None)
        drain()
        out.mux(video.encode())
        if audio is not None:
            write_audio(None)
            out.mux(audio.encode())
        if frames_out == 0:
            raise VideoFitError("The video has no frame to re-encode.")
    progress(1.0)
