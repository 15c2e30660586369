"""A live Postloom server for the tests that use the API as its clients do: gunicorn serving
`backend.wsgi` with the production settings (not the test settings), WhiteNoise for static
files, on a database of its own migrated once per test session (a copied SQLite file, or a
PostgreSQL database cloned from a migrated template when DATABASE_URL is PostgreSQL).

Celery runs eagerly in the server (CELERY_TASK_ALWAYS_EAGER), so publishing and background
posters complete without a worker process.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
REPORTED: list[str] = []  # figures printed in pytest's terminal summary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", DEBUG="false", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    env.pop("CELERY_BROKER_URL", None)  # eager: no broker is needed
    return env


class Database:
    """A migrated database, cloned for each server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.url = os.environ.get("DATABASE_URL", "")
        self.postgres = urlsplit(self.url).scheme in ("postgres", "postgresql", "pgsql")
        self.template = f"{urlsplit(self.url).path.lstrip('/')}_live_tpl" if self.postgres else ""
        self.clones: list[str] = []

    def _admin(self):
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(
            host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=parts.username or None,
            password=parts.password or None, dbname="postgres", autocommit=True,
        )

    def _url_for(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))

    def prepare(self) -> None:
        env = base_env()
        if self.postgres:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.template}"')
            env["DATABASE_URL"] = self._url_for(self.template)
        else:
            env.pop("DATABASE_URL", None)
            env["POSTLOOM_VAR_DIR"] = str(self.workdir / "template")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=600
        )

    def clone(self, var_dir: Path) -> dict[str, str]:
        """Environment variables pointing a server at a fresh copy of the migrated database."""
        var_dir.mkdir(parents=True, exist_ok=True)
        if self.postgres:
            name = f"{self.template[:-4]}_{uuid.uuid4().hex[:8]}"
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            self.clones.append(name)
            return {"DATABASE_URL": self._url_for(name)}
        shutil.copy(self.workdir / "template" / "postloom.sqlite3", var_dir / "postloom.sqlite3")
        return {}

    def drop_all(self) -> None:
        if not self.postgres:
            return
        with self._admin() as conn:
            for name in [*self.clones, self.template]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class LiveServer:
    url: str
    proc: subprocess.Popen
    log_path: Path
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)

    def signup(self, email: str, *, password: str = "Kanjeevaram#2026", organization: str = "Asha Sarees") -> str:
        """A user who owns an organization; returns an access token."""
        with httpx.Client(base_url=self.api, timeout=30) as http:
            created = http.post(
                "/auth/signup/", json={"email": email, "password": password, "name": "Asha", "organization_name": organization}
            )
            assert created.status_code == 201, created.text
            token = http.post("/auth/token/", json={"email": email, "password": password})
            assert token.status_code == 200, token.text
            return token.json()["access"]


def start_server(database: Database, workdir: Path, *, name: str, env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    var_dir = workdir / name
    server_env = {
        **base_env(),
        "POSTLOOM_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "STATIC_ROOT": str(var_dir / "static"),
        "PORT": str(port),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "JWT_ACCESS_MINUTES": "120",
        **database.clone(var_dir),
        **(env or {}),
    }
    if not database.postgres:
        server_env.pop("DATABASE_URL", None)
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "backend.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--threads", "8", "--timeout", "120", "--graceful-timeout", "5", "--access-logfile", "-",
            ],
            cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", proc=proc, log_path=log_path, workdir=var_dir, env=server_env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.api}/schema/?format=json", timeout=10).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise TimeoutError(f"the server did not answer within 120 s:\n{server.log()[-3000:]}")


def tool_problem(what: str, reason: str) -> None:
    """A tool the test needs is missing: skip with the reason, or fail in CI (where bin/setup
    installs it, so its absence is a set-up bug)."""
    import pytest

    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what}: {reason} (CI=true: bin/setup must install it)", pytrace=False)
    pytest.skip(f"{what}: {reason}")
