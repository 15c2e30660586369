"""Real processes for the fault tests and the benchmarks: a private redis-server, celery workers
and beats, each in its own session (process group), with its log in `log_dir`.

A worker is stopped or killed with all its prefork children (its whole group), and
`Processes.stop_all` (always called from a fixture's teardown or a `finally`) leaves nothing
behind. Every wait is bounded.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Processes:
    """Subprocesses started from the repository root, each in its own process group."""

    # How celery is run; the fault tests run it through a module that registers a test platform.
    celery_command = [sys.executable, "-m", "celery"]

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                args, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc

    def celery(self, name: str, *args: str) -> subprocess.Popen:
        return self.start(name, [*self.celery_command, "-A", "backend", *args])

    def worker(
        self, name: str, *, concurrency: int = 4, pool: str = "prefork", queues: str = "", loglevel: str = "WARNING",
        options: tuple[str, ...] = (),
    ) -> subprocess.Popen:
        return self.celery(
            name, "worker", "--pool", pool, "--concurrency", str(concurrency), "--loglevel", loglevel, "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", *(["--queues", queues] if queues else []), *options,
        )

    def beat(self, name: str) -> subprocess.Popen:
        return self.celery(
            name, "beat", "--loglevel", "WARNING", "--pidfile", str(self.log_dir / f"{name}.pid"),
            "--schedule", str(self.log_dir / f"{name}-schedule"),
        )

    def kill(self, name: str, sig: int = signal.SIGKILL, *, timeout: float = 15) -> None:
        """SIGKILL: the whole process group at once (a worker and its prefork children). Another
        signal goes to the main process only (SIGTERM: a worker's warm shutdown); whatever of
        the group is left after `timeout` is SIGKILLed. A name not running is ignored."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
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

    def stop(self, name: str, *, timeout: float = 20) -> None:
        """SIGTERM (a worker's warm shutdown), then SIGKILL whatever is left of its group."""
        self.kill(name, signal.SIGTERM, timeout=timeout)

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):  # workers and beats before the redis they use
            try:
                self.stop(name, timeout=10)
            except Exception:  # keep stopping the others
                pass

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, name: str, lines: int = 30) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])


def redis_start(processes: Processes, name: str, port: int) -> str:
    """A private redis-server on `port` (no persistence); returns its URL once it answers."""
    processes.start(
        name,
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(processes.log_dir)],
    )
    wait_for(lambda: redis_ping(port), timeout=20, what=f"redis-server on {port}")
    return f"redis://127.0.0.1:{port}/0"


def redis_ping(port: int) -> bool:
    try:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False
