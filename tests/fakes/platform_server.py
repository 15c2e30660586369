"""A real HTTP server on 127.0.0.1 that answers like a social platform, for adapter tests.

Script replies per (method, path) with `reply(...)`; each request takes the next scripted reply
for its route and the last one repeats (so a status poll can be "IN_PROGRESS, IN_PROGRESS,
FINISHED"). Every request is recorded (method, path, query, headers, body) so tests assert
exactly what an adapter sent. A reply with `delay` sleeps before answering, to force a client
read timeout; `drop` closes the connection without an answer. An unscripted route answers 404 with a JSON body naming it.

Scripted replies say what the platform answers to a *valid* request. What the platform refuses is
not left to the script: `rules` (see `tests/fakes/platforms.py`) look at every request first and
answer the platform's documented refusal (a dead LinkedIn version, a template parameter Meta
rejects, a privacy level TikTok does not offer the creator, a Graph id that is not an object ...)
before any scripted reply is used. A rule returns a Reply to answer with, or None to let the
script answer. Each request records the reply it got (`Recorded.reply`), so rules can follow
what the platform already said (e.g. whether an image was reported AVAILABLE).
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → raw
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    reply: Reply | None = None  # what the fake answered

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def params(self) -> dict[str, str]:
        return {key: values[-1] for key, values in self.query.items()}

    def multipart(self) -> dict[str, tuple[str | None, bytes]]:
        """Parts of a multipart/form-data body: name → (filename, content)."""
        raw = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode() + self.body
        message = BytesParser(policy=HTTP).parsebytes(raw)
        parts = {}
        for part in message.iter_parts():
            parts[part.get_param("name", header="content-disposition")] = (
                part.get_filename(),
                part.get_payload(decode=True),
            )
        return parts


Rule = Callable[["FakePlatform", Recorded], "Reply | None"]


class FakePlatform:
    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules: list[Rule] = list(rules or [])
        # Called with (fake, request) after each answer, to remember what the platform would do
        # next (e.g. the status webhooks Meta sends after accepting a WhatsApp message).
        self.observers: list[Callable[["FakePlatform", Recorded], None]] = []
        self.state: dict[str, Any] = {}  # what rules remember (e.g. the webhooks a platform would send)
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply(self, method: str, path: str, *replies: Reply | dict | list, status: int = 200, headers: dict | None = None) -> None:
        """Script the replies of one route; plain dicts are JSON bodies with `status`/`headers`."""
        scripted = [r if isinstance(r, Reply) else Reply(status=status, body=r, headers=dict(headers or {})) for r in replies]
        with self._lock:
            self._routes.setdefault((method.upper(), path), []).extend(scripted)

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and (path is None or r.path == path)]

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get((method, path))
            if not queue:
                return Reply(404, {"error": {"message": f"unscripted route {method} {path}"}})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(record)
                reply = None
                for rule in fake.rules:
                    reply = rule(fake, record)
                    if reply is not None:
                        break
                if reply is None:
                    reply = fake._next_reply(self.command, parts.path)
                record.reply = reply
                for observe in fake.observers:
                    observe(fake, record)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                if isinstance(reply.body, (dict, list)):
                    payload = json.dumps(reply.body).encode()
                    content_type = "application/json"
                elif reply.body is None:
                    payload, content_type = b"", "application/json"
                else:
                    payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                    content_type = "text/plain"
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": content_type, **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler
