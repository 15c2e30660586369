"""Real processes for the fault tests: a private redis-server, celery workers and beats, a flaky
HTTP platform, and the figures that say whether every post was published exactly once.

Every process is started in its own session (process group), so a worker is killed with all its
prefork children, and `Processes.stop_all` (always called from a fixture's teardown) leaves
nothing behind. Every wait is bounded.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
REPORTED: list[str] = []  # the figures of this run, printed in pytest's terminal summary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.25, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


class Processes:
    """Subprocesses of one test, each in its own process group, logs in `log_dir`."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def celery(self, name: str, *args: str) -> subprocess.Popen:
        return self.start(name, [sys.executable, "-m", "tests.reliability.celery_main", "-A", "backend", *args])

    def worker(self, name: str, *, concurrency: int = int(os.environ.get("RELTEST_CONCURRENCY", 4))) -> subprocess.Popen:
        return self.celery(
            name, "worker", "--concurrency", str(concurrency), "--loglevel", os.environ.get("RELTEST_WORKER_LOGLEVEL", "WARNING"), "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle",
        )

    def beat(self, name: str) -> subprocess.Popen:
        return self.celery(
            name, "beat", "--loglevel", "WARNING", "--pidfile", str(self.log_dir / f"{name}.pid"),
            "--schedule", str(self.log_dir / f"{name}-schedule"),
        )

    def kill(self, name: str, sig: int = signal.SIGKILL, *, timeout: float = 15) -> None:
        """SIGKILL: the whole process group at once (a worker and its prefork children). Another
        signal goes to the main process only (SIGTERM: a worker's warm shutdown); whatever of
        the group is left after `timeout` is SIGKILLed."""
        proc = self.procs.pop(name)
        try:
            if sig == signal.SIGKILL:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.poll() is None:
            proc.wait(timeout=10)

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):  # workers and beats before the redis they use
            try:
                self.kill(name, signal.SIGTERM, timeout=10)
            except Exception:  # keep stopping the others
                pass

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_redis(processes: Processes, name: str, port: int) -> None:
    processes.start(
        name,
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(processes.log_dir)],
    )
    wait_for(lambda: redis_ping(port), timeout=20, what=f"redis-server on {port}")


def redis_ping(port: int) -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


# --- The flaky platform ----------------------------------------------------------------------
@dataclass
class FlakyServer:
    """An HTTP platform on 127.0.0.1 that answers 500 to the first `failures` publish requests
    of each post, then accepts it; it records every publication it accepted, with the time.
    `POST /prepare` (a media upload, say: not final) answers after `prepare_delay` seconds."""

    failures: int = 2
    prepare_delay: float = 0.0
    requests: Counter = field(default_factory=Counter)
    accepted: dict = field(default_factory=lambda: defaultdict(list))

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
                    time.sleep(flaky.prepare_delay)
                    self._send(200, {"prepared": post_id})
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
