"""A webhook receiver on 127.0.0.1 that does what a careful receiver does: verify the signature.

It checks `Postloom-Signature` the way Stripe documents for its own scheme (recompute
HMAC-SHA256 over "<t>.<raw body>" with the endpoint secret, constant-time compare, refuse stale
timestamps: https://docs.stripe.com/webhooks#verify-manually), independently of Postloom's code,
and answers with the scripted statuses in turn (the last one repeats).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    answered: int

    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, *, secret: str = "", statuses: tuple[int, ...] = (200,), delay: float = 0.0) -> None:
        self.secret = secret
        self.statuses = list(statuses)
        self.delay = delay
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                valid = receiver.verify(self.headers.get("Postloom-Signature", ""), body)
                index = min(len(receiver.received), len(receiver.statuses) - 1)
                status = receiver.statuses[index] if valid else 400
                receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body, valid, status))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/postloom"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, header: str, body: bytes, tolerance: int = 300) -> bool:
        try:
            items = dict(part.split("=", 1) for part in header.split(","))
            stamp = int(items["t"])
        except (ValueError, KeyError):
            return False
        if abs(time.time() - stamp) > tolerance:
            return False
        expected = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, items.get("v1", ""))

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
