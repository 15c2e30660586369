"""Real, tiny videos made in the tests with PyAV (H.264/AAC in MP4 unless asked otherwise)."""
from __future__ import annotations

import math
import struct
from pathlib import Path

import av
from PIL import Image


def make_video(
    path: Path | str,
    *,
    size: tuple[int, int] = (320, 568),
    seconds: float = 2.0,
    fps: int = 24,
    codec: str = "libx264",
    audio: bool = True,
    rotation: int = 0,
    container: str = "mp4",
) -> Path:
    """Encode a clip whose colour changes every frame; `rotation` sets the display matrix
    (degrees clockwise, as phones record portrait video)."""
    path = Path(path)
    width, height = size
    out = av.open(str(path), "w", format=container, options={"movflags": "+faststart"})
    video = out.add_stream(codec, rate=fps)
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    if rotation:
        video.set_display_rotation(-rotation)  # PyAV takes counter-clockwise degrees
    sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None
    for index in range(int(seconds * fps)):
        frame = av.VideoFrame.from_image(Image.new("RGB", (width, height), (200, 60 + (index * 5) % 150, 90)))
        frame.pts = index
        out.mux(video.encode(frame))
    out.mux(video.encode())
    if sound is not None:
        total, position = int(seconds * 48000), 0
        tone = b"".join(struct.pack("<hh", int(3000 * math.sin(i / 20)), 0) for i in range(1024))
        while position < total:
            count = min(1024, total - position)
            frame = av.AudioFrame(format="s16", layout="stereo", samples=count)
            frame.planes[0].update(tone[: count * 4])
            frame.sample_rate, frame.pts = 48000, position
            position += count
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
    out.close()
    return path


def padded(path: Path, *, total_bytes: int) -> Path:
    """The clip grown to `total_bytes` with a trailing `free` box (ISO/IEC 14496-12 §8.1.2: free
    space a reader skips), so a large upload stays a valid video without encoding megabytes."""
    size = path.stat().st_size
    padding = total_bytes - size
    assert padding >= 8
    with open(path, "ab") as fh:
        fh.write(struct.pack(">I", padding) + b"free")
        chunk = b"\0" * (1024 * 1024)
        left = padding - 8
        while left:
            fh.write(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))
    return path
