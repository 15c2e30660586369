"""`bin/run` as a newcomer uses it: it serves the API and static files, and Ctrl-C (SIGINT) or
SIGTERM stops everything it started within 15 seconds, leaving no process behind.

Every process `bin/run` starts inherits a marker in its environment; after the stop, no process
on the machine may still carry it (worker, beat, prefork children, runserver and its reloader).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_LIMIT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def marked_processes(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `marker` (zombies have no environment)."""
    found = []
    needle = f"POSTLOOM_RUN_MARKER={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_until_serving(base: str, proc: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"bin/run exited early with {proc.returncode}"
        try:
            if httpx.get(f"{base}/api/schema/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"bin/run did not serve {base} within {timeout} s")


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bin-run-var")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_bin_run_serves_and_stops_everything(sig, var_dir, tmp_path):
    port, marker = free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "PUBLIC_BASE_URL"}}
    env.update(
        POSTLOOM_VAR_DIR=str(var_dir), MEDIA_ROOT=str(tmp_path / "media"), STATIC_ROOT=str(tmp_path / "static"),
        PORT=str(port), HOST="127.0.0.1", POSTLOOM_RUN_MARKER=marker, LOG_LEVEL="WARNING",
    )
    log = open(tmp_path / "run.log", "wb")
    # As in a terminal: SIGINT has its default action (a background job of a script would ignore it).
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "run")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, proc, timeout=180)
        # Static files are served in the embedded run (the admin's CSS, the docs' JavaScript).
        assert httpx.get(f"{base}/static/admin/css/base.css", timeout=10).status_code == 200
        started = marked_processes(marker)
        assert len(started) >= 4, started  # bin/run, the worker (+ beat, pool), runserver

        began = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=STOP_LIMIT_SECONDS + 5)
        while marked_processes(marker) and time.monotonic() - began < STOP_LIMIT_SECONDS + 5:
            time.sleep(0.1)
        elapsed = time.monotonic() - began
        left = marked_processes(marker)
        output = (tmp_path / "run.log").read_text(errors="replace")
        assert not left, f"processes left after {elapsed:.1f} s: {left}\n{output[-3000:]}"
        assert elapsed < STOP_LIMIT_SECONDS, f"stopping took {elapsed:.1f} s"
        assert output.count("Warm shutdown") <= 1, output[-3000:]
        assert "RecursionError" not in output
        print(f"bin/run stopped on {sig.name} in {elapsed:.1f} s, {len(started)} processes, none left")
    finally:
        for pid in marked_processes(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
        log.close()
