"""Fixtures for the AI services: a local fake of the OpenAI HTTP API and generated photos."""
from __future__ import annotations

import base64
import io
import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw

TEST_API_KEY = "sk-test-postloom-0123456789abcdef"


def chat_completion(content: str | None, *, refusal: str | None = None, finish_reason: str = "stop",
                    model: str = "gpt-4.1-mini-2025-04-14") -> dict:
    return {
        "id": "chatcmpl-test123",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 182, "completion_tokens": 96, "total_tokens": 278},
        "service_tier": "default",
        "system_fingerprint": "fp_test",
    }


RATE_LIMIT_BODY = {
    "error": {
        "message": "Rate limit reached for gpt-4.1-mini in organization org-test on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 20ms.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}
SERVER_ERROR_BODY = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and hung up is part of the scenario


class FakeOpenAI:
    """Answers like the OpenAI API from a script of (status, body, headers) per path."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[tuple[int, dict, dict, float]]] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, path: str, *responses: tuple) -> None:
        """Each response: (status, body[, headers[, delay_seconds]])."""
        self.scripts[path] = [(r[0], r[1], r[2] if len(r) > 2 else {}, r[3] if len(r) > 3 else 0.0) for r in responses]

    def requests_to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw}
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    record["json"] = json.loads(raw)
                elif content_type.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(
                        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
                    )
                    fields, files = {}, {}
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        filename = part.get_filename()
                        payload = part.get_payload(decode=True)
                        if filename:
                            files[name] = {"filename": filename, "content_type": part.get_content_type(), "data": payload}
                        else:
                            fields[name] = payload.decode()
                    record["fields"], record["files"] = fields, files
                with fake.lock:
                    fake.requests.append(record)
                    script = fake.scripts.get(self.path) or []
                    status, body, headers, delay = script.pop(0) if script else (
                        404, {"error": {"message": f"Unknown path {self.path}", "type": "invalid_request_error",
                                        "param": None, "code": "unknown_url"}}, {}, 0.0)
                if delay:
                    time.sleep(delay)  # slower than the client's timeout
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-request-id", f"req_test_{len(fake.requests)}")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


@pytest.fixture
def fake_openai(settings):
    fake = FakeOpenAI()
    fake.thread.start()
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_API_KEY = TEST_API_KEY
    settings.OPENAI_BASE_URL = fake.base_url
    settings.OPENAI_CHAT_MODEL = "gpt-4.1-mini"
    settings.OPENAI_IMAGE_MODEL = "gpt-image-1"
    settings.OPENAI_TIMEOUT_SECONDS = 5.0
    settings.OPENAI_MAX_RETRIES = 2
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def product_photo(size=(900, 1200), fmt="JPEG", *, exif_orientation: int | None = None) -> bytes:
    """A synthetic garment photo: a patterned 'saree' with a marker in its top-left corner."""
    image = Image.new("RGB", size, (176, 36, 64))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line((x, 0, x, size[1]), fill=(236, 190, 70), width=8)
    draw.rectangle((0, 0, size[0] // 5, size[1] // 8), fill=(20, 90, 200))  # blue marker, top-left
    buffer = io.BytesIO()
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def photo() -> bytes:
    return product_photo()


def png_b64(color=(10, 120, 60), size=(64, 64)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def garment_photo(size=(900, 1200), *, backdrop=(232, 230, 226), cloth=(176, 36, 64), border=(236, 190, 70),
                  box=(0.22, 0.12, 0.78, 0.92), motif=None, fmt="JPEG") -> bytes:
    """A shop's usual product shot: a kurta-shaped garment on a plain backdrop (a wall or a
    sheet), slightly soft. `box` is where the garment is, as fractions of the photo; `motif` an
    RGB patch drawn inside the garment (e.g. in the backdrop's own colour)."""
    from PIL import ImageFilter

    w, h = size
    image = Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    cx, sw, gh = (left + right) // 2, right - left, bottom - top
    body = [(cx - sw * 0.22, top), (cx + sw * 0.22, top), (right - sw * 0.08, top + gh * 0.08), (right, top + gh * 0.32),
            (right - sw * 0.12, top + gh * 0.36), (right - sw * 0.1, bottom), (left + sw * 0.1, bottom),
            (left + sw * 0.12, top + gh * 0.36), (left, top + gh * 0.32), (left + sw * 0.08, top + gh * 0.08)]
    draw.polygon(body, fill=cloth)
    for y in range(int(top + gh * 0.2), bottom, max(6, gh // 30)):
        draw.line((left + sw * 0.12, y, right - sw * 0.12, y), fill=tuple(min(255, c + 25) for c in cloth), width=2)
    draw.rectangle((left + sw * 0.1, bottom - gh * 0.06, right - sw * 0.1, bottom), fill=border)
    if motif is not None:
        draw.ellipse((cx - sw * 0.12, top + gh * 0.45, cx + sw * 0.12, top + gh * 0.45 + sw * 0.24), fill=motif)
    image = image.filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=92)
    return buffer.getvalue()
