"""A platform on 127.0.0.1 that answers after a fixed latency: X API v2 `POST /2/tweets`.

Run as its own process (`python -m bench.platform_server --port P --latency 0.05`), so its threads
never compete with the bench's own for the GIL. It answers as X documents the create-post call
(docs.x.com, "Create or Edit Post": 201 Created, `{"data": {"id", "text", "edit_history_tweet_ids"}}`)
and keeps connections alive (HTTP/1.1), as api.x.com does.

For the bench it records, per post text, how many times it accepted it and when (a duplicate is a
second acceptance of the same text), and counts the TCP connections it accepted:
`GET /_bench/stats`, `POST /_bench/reset`.
"""
from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids = itertools.count(1_860_000_000_000_000_000)
        self.reset()

    def reset(self) -> None:
        self.accepted: dict[str, list[float]] = {}
        self.connections = 0
        self.requests = 0


def make_handler(state: State, latency: float):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes; with Nagle's algorithm on, the body waits for
        # the client's delayed ACK of the headers (40 ms on Linux), which no real API adds.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            with state.lock:
                state.connections += 1

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path == "/_bench/reset":
                with state.lock:
                    state.reset()
                return self._send(200, {"ok": True})
            if self.path.split("?")[0] != "/2/tweets":
                return self._send(404, {"title": "Not Found Error", "detail": f"no route {self.path}", "type": "about:blank", "status": 404})
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                return self._send(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
            text = json.loads(raw or b"{}").get("text", "")
            time.sleep(latency)
            with state.lock:
                state.requests += 1
                state.accepted.setdefault(text, []).append(time.time())
                post_id = str(next(state.ids))
            self._send(201, {"data": {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}})

        def do_GET(self) -> None:
            if self.path == "/_bench/stats":
                with state.lock:
                    body = {"connections": state.connections, "requests": state.requests, "accepted": state.accepted}
                return self._send(200, body)
            self._send(404, {"title": "Not Found Error", "type": "about:blank", "status": 404, "detail": self.path})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(), args.latency))
    server.daemon_threads = True
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
