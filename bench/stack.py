"""Real processes for the publishing bench: a private redis-server, the latency platform, celery
beat and workers. Each runs in its own session (process group), so a worker stops with all its
pool children, and `Stack.stop_all` (always called) leaves nothing behind."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Stack:
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
        return self.start(name, [sys.executable, "-m", "celery", "-A", "backend", *args])

    def stop(self, name: str, *, timeout: float = 20) -> None:
        """SIGTERM (a worker's warm shutdown), then SIGKILL whatever is left of its group."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.poll() is None:
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            try:
                self.stop(name, timeout=10)
            except Exception:
                pass

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def redis_start(stack: Stack, port: int) -> str:
    stack.start(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(stack.log_dir)],
    )

    def ping() -> bool:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping())

    wait_for(ping, timeout=20, what=f"redis-server on {port}")
    return f"redis://127.0.0.1:{port}/0"


def platform_start(stack: Stack, port: int, *, latency: float) -> str:
    stack.start("platform", [sys.executable, "-m", "bench.platform_server", "--port", str(port), "--latency", str(latency)])
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        import httpx

        return httpx.get(f"{url}/_bench/stats", timeout=1).status_code == 200

    wait_for(up, timeout=20, what="the latency platform")
    return url


# --- Memory ----------------------------------------------------------------------------------
def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 of /proc/pid/stat: the process group
                pids.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def _kib(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def group_memory_mib(pgid: int) -> tuple[float, float]:
    """(sum of PSS, largest RSS of one process) of a process group, in MiB. PSS shares pages
    between the prefork parent and its children fairly, so the sum is what the pool costs."""
    pids = group_pids(pgid)
    pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    rss = max((_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids), default=0)
    return pss / 1024, rss / 1024


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds used so far by the live processes of a group."""
    ticks = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    def __init__(self, pgid: int, *, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pgid = pgid
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []  # (time, pss MiB, max rss MiB)
        self.cpu: list[tuple[float, float]] = []  # (time, CPU seconds of the group)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pss, rss = group_memory_mib(self.pgid)
            if pss:
                self.samples.append((time.monotonic(), pss, rss))
                self.cpu.append((time.monotonic(), group_cpu_seconds(self.pgid)))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    @property
    def peak_pss(self) -> float:
        return max((s[1] for s in self.samples), default=0.0)
