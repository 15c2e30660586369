"""The media library: images and videos are accepted by their content, never by their file name."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import ImageOps

from backend.accounts.models import Organization, User
from backend.core.exceptions import ValidationFailed
from backend.core.images import TOO_MANY_PIXELS, ImageRejected, image_decode
from backend.core.uploads import upload_limit
from backend.core.videos import CONTENT_TYPES as VIDEO_CONTENT_TYPES
from backend.core.videos import VideoRejected, sniff_container, video_probe

from .models import MediaAsset

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Characters that change how a name is displayed without being seen: bidi embeddings, overrides and
# isolates (U+202E shows "photo\u202egpj.exe" as "photoexe.jpg"), directional marks, and controls.
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def display_name_clean(name: str) -> str:
    """A file name as clients will show it: no bidi controls, no control characters, at most 255."""
    return name.translate(_INVISIBLE).strip()[:255]


def image_inspect(*, data: bytes, field: str = "file") -> tuple[str, int, int]:
    """Sniff, check and decode an image: (format, width, height), or ValidationFailed (a 400) saying what is wrong."""
    if len(data) > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationFailed({field: [f"The file is {len(data):,} bytes; the limit is {settings.MEDIA_MAX_UPLOAD_BYTES:,} bytes."]})
    if not data:
        raise ValidationFailed({field: ["The file is empty."]})
    try:
        decoded = image_decode(data, draft_size=(1, 1))  # a JPEG decodes at 1/8 scale: every byte read, little memory
    except ImageRejected as exc:
        if exc.code == TOO_MANY_PIXELS and exc.size is not None:
            width, height = exc.size
            message = f"The image is {width}x{height} pixels; at most {exc.limit:,} pixels are accepted."
        elif exc.code == TOO_MANY_PIXELS:
            message = "The image has too many pixels to be processed safely."
        else:
            message = "The file is not a valid image (JPEG, PNG, GIF or WebP)."
        raise ValidationFailed({field: [message]}) from None
    decoded.image.close()
    image_format, width, height = decoded.format, decoded.width, decoded.height
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationFailed({field: [f"{image_format} images are not accepted; upload JPEG, PNG, GIF or WebP."]})
    return image_format, width, height


# Re-encoding settings: visually lossless for photos; PNG and GIF are lossless anyway.
JPEG_QUALITY = 90
WEBP_QUALITY = 90
# An animation may hold this many times MEDIA_MAX_PIXELS over all its frames.
ANIMATION_PIXEL_FACTOR = 4


def image_reencode(*, data: bytes, field: str = "file") -> tuple[bytes, str, int, int]:
    """The image drawn again from its pixels: (bytes, format, width, height), or ValidationFailed.

    EXIF orientation is applied to the pixels, then nothing of the file but its pixels is kept:
    no EXIF (GPS position, camera, owner), XMP, comments, PNG text chunks, or bytes hidden around
    the image (a JPEG/HTML polyglot); only the colour profile (ICC) is carried over, and GIF/PNG
    transparency and animation timing, which are part of how the image looks.
    """
    image_format, _, _ = image_inspect(data=data, field=field)  # size, format and bomb checks
    try:
        decoded = image_decode(data)
    except ImageRejected:
        raise ValidationFailed({field: ["The file is not a valid image (JPEG, PNG, GIF or WebP)."]}) from None
    source = decoded.image
    try:
        frames_total = getattr(source, "n_frames", 1)
        if frames_total * source.width * source.height > ANIMATION_PIXEL_FACTOR * settings.MEDIA_MAX_PIXELS:
            raise ValidationFailed({field: ["The animation has too many frames to be processed safely."]})
        icc = source.info.get("icc_profile")
        frames = []
        durations = []
        for index in range(frames_total):
            if index:
                source.seek(index)
            frame = ImageOps.exif_transpose(source) if index == 0 else source.copy()
            frame = frame.copy() if frame is source else frame
            frame.info = {}  # nothing of the file's metadata travels with the pixels
            frames.append(frame)
            durations.append(source.info.get("duration", 100))
        options: dict = {"icc_profile": icc} if icc else {}
        if image_format == "JPEG":
            first = frames[0] if frames[0].mode in ("RGB", "L", "CMYK") else frames[0].convert("RGB")
            frames = [first]
            options.update(quality=JPEG_QUALITY, optimize=True)
        elif image_format == "WEBP":
            options.update(quality=WEBP_QUALITY)
        if image_format in ("PNG", "GIF") and "transparency" in source.info and frames[0].mode in ("P", "L", "RGB"):
            options["transparency"] = source.info["transparency"]
        if len(frames) > 1:
            options.update(save_all=True, append_images=frames[1:], duration=durations, loop=source.info.get("loop", 0))
        buffer = io.BytesIO()
        frames[0].save(buffer, image_format, **options)
    except ValidationFailed:
        raise
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ValidationFailed({field: ["The file is not a valid image (JPEG, PNG, GIF or WebP)."]}) from None
    finally:
        source.close()
    width, height = frames[0].size
    return buffer.getvalue(), image_format, width, height


def media_asset_create(
    *,
    organization: Organization,
    data: bytes,
    uploaded_by: User | None,
    original_name: str = "",
    source: str = MediaAsset.Source.UPLOAD,
) -> MediaAsset:
    if source == MediaAsset.Source.UPLOAD:
        # Someone else's file: store only its pixels. (Generated images are drawn by Pillow here.)
        data, image_format, width, height = image_reencode(data=data)
    else:
        image_format, width, height = image_inspect(data=data)
    asset = MediaAsset(
        organization=organization,
        original_name=display_name_clean(original_name),
        source=source,
        format=image_format,
        content_type=ACCEPTED_FORMATS[image_format],
        width=width,
        height=height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )
    asset.file.save("upload", ContentFile(data), save=False)  # whole or not at all (core.storage)
    try:
        asset.save()
    except BaseException:  # the row was not written (the database dropped, say): nor is the file kept
        asset.file.delete(save=False)
        raise
    return asset


HASH_CHUNK = 1024 * 1024


def media_asset_upload(*, organization: Organization, upload: File, uploaded_by: User | None) -> MediaAsset:
    """A file uploaded to the library: a video when it starts like an MP4/MOV (probed from disk,
    never read into memory whole), else an image (re-encoded from its pixels)."""
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    name = getattr(upload, "name", "") or ""
    if sniff_container(head) is None:
        return media_asset_create(organization=organization, data=upload.read(), uploaded_by=uploaded_by, original_name=name)
    with local_path(upload) as path:
        return video_asset_create(organization=organization, path=path, uploaded_by=uploaded_by, original_name=name)


@contextmanager
def local_path(upload: File) -> Iterator[str]:
    """A path on disk holding the upload's bytes: its temporary file when Django spooled it to one,
    else a temporary copy (small uploads are kept in memory by Django)."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield temporary()
        return
    with tempfile.NamedTemporaryFile(prefix="postloom-upload-", suffix=".bin") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, HASH_CHUNK)
        copy.flush()
        yield copy.name


def video_asset_create(
    *,
    organization: Organization,
    path: str,
    uploaded_by: User | None,
    original_name: str = "",
    source: str = MediaAsset.Source.UPLOAD,
) -> MediaAsset:
    """Probe the video at `path` (ValidationFailed, a 400 on `file`, when it is not a decodable
    MP4/MOV within the limits) and add it to the library with its poster frame."""
    size = os.path.getsize(path)
    limit = settings.MEDIA_MAX_VIDEO_UPLOAD_BYTES
    if size > limit:
        raise ValidationFailed({"file": [f"The file is {size:,} bytes; the limit for videos is {limit:,} bytes."]})
    try:
        info = video_probe(path)
    except VideoRejected as exc:
        raise ValidationFailed({"file": [exc.message]}) from None
    asset = MediaAsset(
        organization=organization,
        kind=MediaAsset.Kind.VIDEO,
        original_name=display_name_clean(original_name),
        source=source,
        format=info.format,
        content_type=VIDEO_CONTENT_TYPES[info.format],
        width=info.width,
        height=info.height,
        size=size,
        duration=info.duration,
        frame_rate=info.frame_rate,
        video_codec=info.video_codec[:32],
        audio_codec=info.audio_codec[:32],
        audio_channels=info.audio_channels,
        audio_sample_rate=info.audio_sample_rate,
        rotation=info.rotation,
        bitrate=info.bitrate,
        sha256=file_sha256(path),
        uploaded_by=uploaded_by,
    )
    with open(path, "rb") as fh:
        asset.file.save("upload", File(fh), save=False)  # copied chunk by chunk
    asset.thumbnail.save("poster.jpg", ContentFile(info.poster_jpeg), save=False)
    asset.save()
    return asset


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def upload_size_problem(upload: File) -> str | None:
    """Why an upload is over its kind's byte limit (None when it is not)."""
    upload.seek(0)
    limit = upload_limit(upload.read(12))  # the serializer of the media library, which takes videos
    upload.seek(0)
    if upload.size > limit:
        return f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes."
    return None
