"""A 100 MB video uploads with flat memory: the body streams to a temporary file and from it to
the media folder, never held whole (the multipart body is generated as it is read)."""
from __future__ import annotations

import io
import json
import resource
import shutil
import tracemalloc

import pytest
from django.test.client import ClientHandler
from rest_framework_simplejwt.tokens import RefreshToken

from backend.assets.models import MediaAsset
from tests.videos import padded

pytestmark = pytest.mark.django_db

BOUNDARY = "postloom-boundary-7d1f"
MB = 1024 * 1024


class StreamedBody(io.RawIOBase):
    """A multipart body read from parts (bytes, or an open file) without ever joining them."""

    def __init__(self, *parts) -> None:
        self.parts = list(parts)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self.parts:
            part = self.parts[0]
            if isinstance(part, bytes):
                chunk, rest = (part, b"") if size < 0 else (part[:size], part[size:])
                if rest:
                    self.parts[0] = rest
                else:
                    self.parts.pop(0)
                if chunk:
                    return chunk
                continue
            chunk = part.read(size if size > 0 else 64 * 1024)
            if chunk:
                return chunk
            self.parts.pop(0)
        return b""


def test_a_100_mb_video_uploads_with_flat_memory(owner, clip, tmp_path, settings):
    settings.MEDIA_MAX_VIDEO_UPLOAD_BYTES = 200 * MB
    video = shutil.copy(clip(), tmp_path / "big.mp4")
    total = 100 * MB
    padded(tmp_path / "big.mp4", total_bytes=total)
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    token = RefreshToken.for_user(owner).access_token

    with open(video, "rb") as fh:
        body = StreamedBody(head, fh, tail)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/media/", "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": io.StringIO(),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(len(head) + total + len(tail)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
        }
        handler = ClientHandler(enforce_csrf_checks=False)
        warm_up = {**environ, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0", "CONTENT_TYPE": ""}
        assert handler(warm_up).status_code == 200  # URLconf, views and serializers imported outside the measure
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        tracemalloc.start()
        try:
            response = handler(environ)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024

    assert response.status_code == 201, response.content[:500]
    assert json.loads(response.content)["size"] == total
    assert MediaAsset.objects.get().size == total
    # Python allocations while handling the request: a few chunks, not the 100 MB body.
    print(f"video upload 100 MB: peak Python allocation {peak / MB:.2f} MB, peak RSS growth {rss_growth / MB:.1f} MB")
    assert peak < 8 * MB, f"peak Python allocation {peak / MB:.1f} MB"
    assert rss_growth < 40 * MB, f"peak RSS grew {rss_growth / MB:.1f} MB"
