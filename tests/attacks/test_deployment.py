"""Secrets and deployment settings, checked on real processes started the way an operator starts them."""
from __future__ import annotations

import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra) -> dict:
    """A clean environment: no SECRET_KEY or test settings leak in from the test run."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV")}
    return {**keep, "DJANGO_SETTINGS_MODULE": "backend.settings", **extra}


def _settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=60)


def test_without_secret_key_each_install_generates_its_own_private_key(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    first = _settings_value("settings.SECRET_KEY", POSTLOOM_VAR_DIR=str(one))
    again = _settings_value("settings.SECRET_KEY", POSTLOOM_VAR_DIR=str(one))
    other = _settings_value("settings.SECRET_KEY", POSTLOOM_VAR_DIR=str(two))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and "insecure" not in key
    assert again.stdout.strip() == key  # kept: tokens and encrypted fields survive a restart
    assert other.stdout.strip() != key  # no two installs share a key
    mode = stat.S_IMODE((one / "secret_key").stat().st_mode)
    assert mode == 0o600, oct(mode)


def test_processes_starting_together_agree_on_one_key(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=_env(POSTLOOM_VAR_DIR=str(tmp_path)), stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and "" not in keys
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")]  # no temporary files left


def test_require_secret_key_refuses_to_start_without_one(tmp_path):
    result = _settings_value("settings.SECRET_KEY", POSTLOOM_VAR_DIR=str(tmp_path), POSTLOOM_REQUIRE_SECRET_KEY="true")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "ImproperlyConfigured" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def _readme_production_exports() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running with PostgreSQL and Redis (production)", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.startswith("export ")]


def test_check_deploy_is_clean_with_the_readme_production_environment(tmp_path):
    exports = _readme_production_exports()
    assert any("SECURE_HSTS_SECONDS" in line for line in exports)
    key = secrets.token_urlsafe(64)
    script = "\n".join(line.replace("SECRET_KEY=...", f"SECRET_KEY={key}") for line in exports)
    script += f"\n{sys.executable} manage.py check --deploy --fail-level WARNING"
    result = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=_env(POSTLOOM_VAR_DIR=str(tmp_path)), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_several_api_processes_enforce_one_login_throttle(tmp_path):
    """The README runs `gunicorn --workers 4`: each worker must not count alone.

    `--max-requests 1` makes every request land in a fresh worker process (forked from the
    preloaded master), so a per-process counter would never reach the limit; the shared cache (a
    database table here, Redis when the broker is Redis) does.
    """
    port = _free_port()
    env = _env(
        POSTLOOM_VAR_DIR=str(tmp_path), THROTTLE_AUTH="4/min", THROTTLE_LOGIN_ACCOUNT="1000/min",
        CACHE_KEY_PREFIX=f"test-{secrets.token_hex(8)}",
        **{k: os.environ[k] for k in ("CELERY_BROKER_URL",) if k in os.environ},
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi", "--workers", "2", "--max-requests", "1", "--preload",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        statuses = []
        deadline = time.monotonic() + 120
        while len(statuses) < 8 and time.monotonic() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/auth/token/", data=b'{"email": "a@example.com", "password": "wrong"}',
                headers={"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{len(statuses)}"}, method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)  # not listening yet, or a worker restarting
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert statuses == [401] * 4 + [429] * 4, statuses
