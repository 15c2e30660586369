"""Uploads stop at MEDIA_MAX_UPLOAD_BYTES while they stream in, before they are spooled whole."""
from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.exceptions import ValidationError


class SizeLimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and stops the parse past the limit.

    It passes every chunk on unchanged to the handlers after it (memory, then a temporary file),
    so at most the limit plus one chunk of a file is ever held or written. Past the limit the
    answer is the same 400 as any oversized file: `{"<field>": ["... the limit is N bytes."]}`.
    (A body whose declared length is over the limit never gets here: RequestSizeLimitMiddleware
    answers 413.)
    """

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.MEDIA_MAX_UPLOAD_BYTES
        if self.received > limit:
            raise ValidationError(
                {self.field_name: [f"The file is over the upload limit of {limit:,} bytes."]}
            )
        return raw_data

    def file_complete(self, file_size):
        return None
