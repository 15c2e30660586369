"""One HTTP client per process and platform: connections reused across posts, nothing shared that
must not be (cookies, a forked parent's sockets), safe from a threads pool.

The witness is the server: it counts the TCP connections it accepted, so the test proves what went
over the wire, not what the code believes it did.
"""
from __future__ import annotations

import copy
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.social.platforms.http import close_http_clients, http_client
from backend.social.platforms.twitter import TwitterService

from .conftest import make_request


class CountingServer:
    """Answers `POST /2/tweets` as the X API v2 documents it (201 Created,
    `{"data": {"id", "text", "edit_history_tweet_ids"}}`, docs.x.com "Create Post") and counts
    the connections it accepted and the Cookie headers it received."""

    def __init__(self, *, set_cookie: bool = False) -> None:
        self.connections = 0
        self.cookies: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server.connections += 1

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with server._lock:
                    server.requests += 1
                    number = server.requests
                    if self.headers.get("Cookie"):
                        server.cookies.append(self.headers["Cookie"])
                payload = json.dumps(
                    {"data": {"id": str(1000 + number), "text": body["text"], "edit_history_tweet_ids": [str(1000 + number)]}}
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                if set_cookie:
                    self.send_header("Set-Cookie", "guest_id=v1%3A1234; Path=/; Domain=127.0.0.1")
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def x_server(settings):
    server = CountingServer(set_cookie=True)
    config = copy.deepcopy(settings.SOCIAL_PLATFORMS)
    config["twitter"]["base_url"] = server.url
    settings.SOCIAL_PLATFORMS = config
    settings.SOCIAL_HTTP_TIMEOUT_SECONDS = 5
    close_http_clients()  # start from no connection, whatever ran before
    yield server
    close_http_clients()
    server.stop()


def test_posts_reuse_one_connection(x_server):
    service = TwitterService()

    ids = [service.publish(make_request(text=f"Silk saree #{n}")).external_id for n in range(20)]

    assert ids == [str(1001 + n) for n in range(20)]
    assert x_server.connections == 1  # twenty posts, one TCP connection (it was twenty)


def test_one_client_per_platform_and_process():
    assert http_client("twitter") is http_client("twitter")
    assert http_client("twitter") is not http_client("linkedin")


def test_a_cookie_set_for_one_account_is_never_sent_with_another(x_server):
    service = TwitterService()

    service.publish(make_request(text="first account"))
    service.publish(make_request(text="second account"))

    assert x_server.cookies == []


def test_threads_share_the_client_safely(x_server):
    service = TwitterService()

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: service.publish(make_request(text=f"post {n}")).external_id, range(64)))

    assert len(set(ids)) == 64
    assert 1 <= x_server.connections <= 8  # at most one connection per thread, reused


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_opens_its_own_connection(x_server):
    service = TwitterService()
    service.publish(make_request(text="parent before fork"))
    parent_client = http_client("twitter")
    assert x_server.connections == 1

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a prefork worker process
        status = 1
        try:
            result = service.publish(make_request(text="child"))
            own = http_client("twitter") is not parent_client
            os.write(write_end, json.dumps({"id": result.external_id, "own_client": own}).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    answer = json.loads(os.read(read_end, 1000))
    os.close(read_end)

    assert status == 0
    assert answer["own_client"] is True
    assert x_server.connections == 2  # the child did not write into the parent's socket
    service.publish(make_request(text="parent after fork"))  # the parent's connection still works
    assert x_server.connections == 2
