"""Uploads stop at their limit while they stream in, before they are spooled whole."""
from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.exceptions import ValidationError

from .videos import sniff_container


def takes_video(path: str) -> bool:
    """Whether the endpoint at `path` accepts video files (MEDIA_VIDEO_UPLOAD_PATHS: the media library)."""
    return path in settings.MEDIA_VIDEO_UPLOAD_PATHS


def upload_limit(head: bytes, *, path: str = "") -> int:
    """The most bytes a file may have, from its first bytes: a video's limit (where videos are
    taken) or the image limit."""
    if sniff_container(head) is not None and (not path or takes_video(path)):
        return settings.MEDIA_MAX_VIDEO_UPLOAD_BYTES
    return settings.MEDIA_MAX_UPLOAD_BYTES


def largest_upload(path: str) -> int:
    """The largest file a multipart request to `path` may carry."""
    if takes_video(path):
        return max(settings.MEDIA_MAX_UPLOAD_BYTES, settings.MEDIA_MAX_VIDEO_UPLOAD_BYTES)
    return settings.MEDIA_MAX_UPLOAD_BYTES


class SizeLimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and stops the parse past the limit.

    The limit is chosen from the file's first chunk: MEDIA_MAX_VIDEO_UPLOAD_BYTES for a file that
    starts like an MP4/MOV video sent to an endpoint that takes videos (MEDIA_VIDEO_UPLOAD_PATHS),
    MEDIA_MAX_UPLOAD_BYTES for anything else (what it really is is
    decided later, from the whole file). It passes every chunk on unchanged to the handlers after
    it (memory, then a temporary file), so at most the limit plus one chunk of a file is ever held
    or written. Past the limit the answer is the same 400 as any oversized file:
    `{"<field>": ["... the limit is N bytes."]}`. (A body whose declared length is over the
    largest limit never gets here: RequestSizeLimitMiddleware answers 413.)
    """

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        self.path = getattr(self.request, "path", "") or "/"
        self.limit = largest_upload(self.path)

    def receive_data_chunk(self, raw_data, start):
        if start == 0:
            self.limit = upload_limit(raw_data[:12], path=self.path)
        self.received += len(raw_data)
        if self.received > self.limit:
            raise ValidationError(
                {self.field_name: [f"The file is over the upload limit of {self.limit:,} bytes."]}
            )
        return raw_data

    def file_complete(self, file_size):
        return None
