"""The publishing bench's own processes and gauges: the latency platform, and the memory and CPU
of a worker's process group. Redis, celery beat and workers are support/processes.py's, shared
with the fault tests."""
from __future__ import annotations

import os
import sys
import threading
import time

from support.processes import Processes, wait_for


def platform_start(processes: Processes, port: int, *, latency: float) -> str:
    processes.start("platform", [sys.executable, "-m", "bench.platform_server", "--port", str(port), "--latency", str(latency)])
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        import httpx

        try:
            return httpx.get(f"{url}/_bench/stats", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

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
