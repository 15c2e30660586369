"""The fault tests' own pieces: celery run with the test-only flaky platform, the flaky HTTP
platform itself, a private PostgreSQL cluster, and the figures that say whether every post was
published exactly once. The processes themselves (each in its own process group, always stopped,
every wait bounded) are support/processes.py, shared with the benchmarks.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from support import processes

REPORTED: list[str] = []  # the figures of this run, printed in pytest's terminal summary


class Processes(processes.Processes):
    """Celery runs through tests.reliability.celery_main (the test-only flaky platform registered);
    RELTEST_CONCURRENCY and RELTEST_WORKER_LOGLEVEL shape the workers of tuning experiments."""

    celery_command = [sys.executable, "-m", "tests.reliability.celery_main"]

    def worker(self, name: str, **options) -> subprocess.Popen:
        options.setdefault("concurrency", int(os.environ.get("RELTEST_CONCURRENCY", 4)))
        options.setdefault("loglevel", os.environ.get("RELTEST_WORKER_LOGLEVEL", "WARNING"))
        return super().worker(name, **options)


# --- The flaky platform ----------------------------------------------------------------------
@dataclass
class FlakyServer:
    """An HTTP platform on 127.0.0.1 that answers 500 to the first `failures` publish requests
    of each post, then accepts it; it records every publication it accepted, with the time.
    `POST /prepare` (a media upload, say: not final) answers after `prepare_delay` seconds."""

    def in_prepare(self, worker: str) -> int:
        """How many posts `worker` (its FLAKY_WORKER) has in their `prepare` step right now: its
        processes publishing them are before the fence."""
        with self._lock:
            return sum(1 for (who, _), count in self.preparing.items() if who == worker and count > 0)

    def seen(self, worker: str) -> bool:
        with self._lock:
            return any(who == worker for who, _ in self.preparing)

    failures: int = 2
    prepare_delay: float = 0.0
    requests: Counter = field(default_factory=Counter)
    accepted: dict = field(default_factory=lambda: defaultdict(list))
    preparing: Counter = field(default_factory=Counter)  # (worker, post id) -> its `prepare` requests being answered now

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def start(self) -> "FlakyServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                post_id = int(body["post_id"])
                if self.path.rstrip("/").endswith("prepare"):
                    key = (body.get("worker", ""), post_id)
                    with flaky._lock:
                        flaky.preparing[key] += 1
                    try:
                        time.sleep(flaky.prepare_delay)
                        self._send(200, {"prepared": post_id})
                    finally:
                        with flaky._lock:
                            flaky.preparing[key] -= 1
                    return
                with flaky._lock:
                    flaky.requests[post_id] += 1
                    fail = flaky.requests[post_id] <= flaky.failures
                    if not fail:
                        flaky.accepted[post_id].append(datetime.now(dt_timezone.utc))
                        external_id = f"flaky-{post_id}-{len(flaky.accepted[post_id])}"
                if fail:
                    self._send(500, {"error": "temporarily unavailable"})
                else:
                    self._send(200, {"id": external_id})

            def do_GET(self) -> None:
                post_id = int(parse_qs(urlsplit(self.path).query)["post_id"][0])
                with flaky._lock:
                    count = len(flaky.accepted.get(post_id, []))
                self._send(200, {"id": f"flaky-{post_id}-1" if count else None})

        return Handler


# --- Figures ---------------------------------------------------------------------------------
@dataclass
class Figures:
    scenario: str
    posts: int
    posted: int
    failed: int
    duplicates: int
    lost: int
    unsettled: int
    lateness: list[float]
    wall: float
    notes: dict = field(default_factory=dict)
    settle: float | None = None  # seconds from the fault to the last affected post settled

    def percentile(self, q: float) -> float:
        if not self.lateness:
            return float("nan")
        ordered = sorted(self.lateness)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]

    def report(self) -> str:
        lateness = (
            f"lateness p50={self.percentile(0.50):.2f}s p99={self.percentile(0.99):.2f}s max={max(self.lateness):.2f}s "
            f"mean={statistics.fmean(self.lateness):.2f}s"
            if self.lateness else "lateness n/a"
        )
        extra = " ".join(f"{k}={v}" for k, v in self.notes.items())
        settle = f"settle={self.settle:.1f}s" if self.settle is not None else "settle=n/a"
        line = (
            f"[reliability {self.scenario}] posts={self.posts} posted={self.posted} failed={self.failed} "
            f"duplicates={self.duplicates} lost={self.lost} stuck={self.unsettled} {settle} {lateness} wall={self.wall:.1f}s {extra}"
        )
        REPORTED.append(line)
        if os.environ.get("POSTLOOM_RELIABILITY_FIGURES"):  # a file to collect the figures of a run
            with open(os.environ["POSTLOOM_RELIABILITY_FIGURES"], "a") as out:
                out.write(line + "\n")
        return line


def sandbox_figures(scenario: str, post_ids: list[int], *, wall: float, **notes) -> Figures:
    """Duplicates and lateness from what the sandbox platform received (SandboxPublication)."""
    from backend.scheduling.models import ScheduledPost
    from backend.social.models import SandboxPublication

    received: dict[int, list[datetime]] = defaultdict(list)
    for post_id, published_at in SandboxPublication.objects.filter(post__in=post_ids).values_list("post", "published_at"):
        received[post_id].append(published_at)
    return _figures(scenario, post_ids, received, wall=wall, notes=notes)


def _figures(scenario: str, post_ids: list[int], received: dict[int, list[datetime]], *, wall: float, notes: dict) -> Figures:
    from backend.scheduling.models import ScheduledPost

    S = ScheduledPost.Status
    rows = dict(ScheduledPost.objects.filter(pk__in=post_ids).values_list("pk", "status"))
    times = dict(ScheduledPost.objects.filter(pk__in=post_ids).values_list("pk", "scheduled_time"))
    lateness = [(min(received[pk]) - times[pk]).total_seconds() for pk in post_ids if received.get(pk)]
    return Figures(
        scenario=scenario,
        posts=len(post_ids),
        posted=sum(1 for pk in post_ids if rows[pk] == S.POSTED),
        failed=sum(1 for pk in post_ids if rows[pk] == S.FAILED),
        duplicates=sum(len(received[pk]) - 1 for pk in post_ids if len(received.get(pk, [])) > 1),
        lost=sum(1 for pk in post_ids if not received.get(pk) and rows[pk] != S.FAILED),  # failed (e.g. missed) is said, not lost
        unsettled=sum(1 for pk in post_ids if rows[pk] in (S.SCHEDULED, S.PUBLISHING)),
        lateness=lateness,
        wall=wall,
        notes=notes,
    )


def flaky_figures(scenario: str, post_ids: list[int], server: FlakyServer, *, wall: float, **notes) -> Figures:
    with server._lock:
        received = {pk: list(server.accepted.get(pk, [])) for pk in post_ids}
    return _figures(scenario, post_ids, received, wall=wall, notes=notes)


# --- A private PostgreSQL cluster --------------------------------------------------------------
def _pg_binary(name: str) -> str:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise FileNotFoundError(f"{name} (PostgreSQL server binaries) is not installed")


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone (initdb + pg_ctl on a free port, fsync off), so it
    can be stopped and restarted without touching anybody else's database. As root, the server
    runs as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self, port: int) -> None:
        import pwd
        import tempfile

        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="postloom-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=timeout, cwd=self.dir)

    def init(self) -> "PrivatePostgres":
        self._run(_pg_binary("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(_pg_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "120", "start", timeout=180)

    def stop(self, mode: str = "fast") -> None:
        """`fast`: a clean restart's stop (clients disconnected, no waiting for them); `immediate`: a crash."""
        self._run(_pg_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop", timeout=180)

    def running(self) -> bool:
        return subprocess.run(
            [_pg_binary("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
        ).returncode == 0

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database_like(self, name: str, *, source_url: str) -> None:
        """A database with the schema of `source_url` (the pytest database, already migrated)."""
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name], check=True, capture_output=True)
        schema = subprocess.run(["pg_dump", "--schema-only", "--no-owner", "--no-privileges", source_url],
                                check=True, capture_output=True, timeout=180).stdout
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)], input=schema, check=True,
                       capture_output=True, timeout=180)

    def destroy(self) -> None:
        import shutil

        try:
            if self.running():
                self.stop("immediate")
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
