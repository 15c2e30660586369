"""Outages answer JSON, never Django's HTML 500: a real server (gunicorn, the production WSGI app
and middleware) whose database does not answer, and uploads to a media disk that is full or
read-only (a real tmpfs, mounted by the test when it may)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
# Endpoints that never touch the database (the schema and its viewers) answer as usual.
NO_DATABASE = {"/api/schema/", "/api/docs/", "/api/redoc/"}
# Endpoints that refuse an unverified request before any query (a platform's webhook checks its
# signature or verify token first) keep that 4xx.
REFUSED_FIRST = {"/api/social/webhooks/whatsapp/"}


def api_paths() -> list[str]:
    """Every /api/ route of the URLconf, its parameters filled with plausible values."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                paths.append(prefix + route)

    walk(get_resolver().url_patterns, "/")
    out = set()
    for raw in paths:
        if not raw.startswith("/api/") or "format" in raw:
            continue
        path = raw.replace("^", "").replace("$", "")
        path = re.sub(r"\(\?P<pk>[^)]*\)", "1", path)
        path = re.sub(r"\(\?P<([a-z_]+)>[^)]*\)", lambda m: "sandbox" if m.group(1) == "platform" else "1", path)
        path = re.sub(r"<int:[a-z_]+>", "1", path)
        path = re.sub(r"<(str:)?([a-z_]+)>", lambda m: "sandbox" if m.group(2) == "platform" else "x", path)
        if "(" in path or "\\" in path:
            continue
        out.add(path)
    return sorted(out)


class Server:
    """gunicorn serving backend.wsgi on 127.0.0.1 with the given environment."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "POSTLOOM_"))}
        base.update(
            DJANGO_SETTINGS_MODULE="backend.settings",
            POSTLOOM_VAR_DIR=str(tmp_path / "var"),
            SECRET_KEY=settings.SECRET_KEY,
            JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
            FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
            CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            REDIS_URL="",  # the shared cache (throttles) in the database, so only the service under test is down
            LOG_LEVEL="ERROR",
            DEBUG="0",
        )
        base.update(env)
        self.log = open(tmp_path / f"gunicorn-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "backend.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "8", "--timeout", "60"],
            cwd=ROOT, env=base, stdout=self.log, stderr=subprocess.STDOUT,
        )
        # Up once the app has loaded and answered a first request (minutes on a loaded machine).
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                self.request("GET", "/api/schema/", timeout=max(1.0, deadline - time.monotonic()))
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + (tmp_path / f"gunicorn-{self.port}.log").read_text(errors="replace"))

    def request(self, method: str, path: str, *, token: str = "", body: dict | None = None, timeout: float = 60):
        data = json.dumps(body or {}).encode() if method in ("POST", "PUT", "PATCH") else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()


def bearer_token() -> str:
    """A well-signed access token (its user is looked up in the database that is down)."""
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = "1"
    return str(token)


DEAD_DATABASES = {
    # The SQLite file's directory is gone (an unmounted volume): "unable to open database file".
    "sqlite-unopenable": lambda tmp: f"sqlite:///{tmp}/unmounted/postloom.sqlite3",
    # Nothing listens on the PostgreSQL port (server stopped): connection refused.
    "postgresql-refused": lambda tmp: f"postgres://postgres@127.0.0.1:{free_port()}/postloom",
}


@pytest.mark.parametrize("dead", sorted(DEAD_DATABASES))
def test_every_endpoint_answers_json_503_with_retry_after_while_the_database_does_not_answer(tmp_path, dead):
    server = Server(tmp_path, {"DATABASE_URL": DEAD_DATABASES[dead](tmp_path)})
    token = bearer_token()
    answers = {}
    try:
        for path in api_paths():
            for method in ("GET", "POST", "PATCH", "DELETE"):
                answers[(method, path)] = server.request(method, path, token=token)
        # Without credentials too: logging in and signing up need the database.
        answers[("POST", "/api/auth/token/ (anonymous)")] = server.request(
            "POST", "/api/auth/token/", body={"email": "a@example.com", "password": "x"})
        answers[("POST", "/api/auth/signup/ (anonymous)")] = server.request(
            "POST", "/api/auth/signup/", body={"email": "a@example.com", "password": "s3cret-Passw0rd!", "organization_name": "X"})
    finally:
        server.stop()

    assert len(answers) > 60, "the URLconf walk found too few endpoints"
    unavailable = 0
    for (method, path), (status, headers, body) in answers.items():
        where = f"{method} {path} -> {status}"
        assert headers.get("Content-Type", "").startswith("application/json"), f"{where}: {headers.get('Content-Type')}"
        payload = json.loads(body)
        assert status < 500 or status == 503, f"{where}: {payload}"
        if path in NO_DATABASE or (path in REFUSED_FIRST and 400 <= status < 500):
            continue
        # A request refused before any query (a method the endpoint lacks, a body that fails
        # validation) keeps its 4xx; every read needs the database (the caller's token does).
        if method == "GET" and status != 405:
            assert status == 503, f"{where}: {payload}"
        if status != 503:
            continue
        unavailable += 1
        if path == "/api/health/":
            assert payload["checks"]["database"] == "error", payload
        else:
            assert payload["code"] == "database_unavailable", f"{where}: {payload}"
            assert int(headers["Retry-After"]) > 0
    assert unavailable > 40


# --- The media disk ----------------------------------------------------------------------------
def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0


@pytest.fixture
def small_media_disk(tmp_path, settings):
    """MEDIA_ROOT on a real 256 KiB tmpfs (skipped where this process may not mount one)."""
    mount = tmp_path / f"media-{uuid.uuid4().hex[:8]}"
    if not _mount_tmpfs(mount, "256k"):
        pytest.skip("mounting a tmpfs needs root and CAP_SYS_ADMIN")
    settings.MEDIA_ROOT = mount
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _noise_png(size: int) -> bytes:
    import io

    from PIL import Image

    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_upload_to_a_full_media_disk_is_a_json_507_and_leaves_no_file_or_row(small_media_disk, owner, client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.assets.models import MediaAsset

    client = client_for(owner)
    client.raise_request_exception = False
    small = client.post("/api/media/", {"file": SimpleUploadedFile("ok.png", _noise_png(64), "image/png"), "organization": org.pk}, format="multipart")
    assert small.status_code == 201, small.content
    before_files, before_rows = _files(small_media_disk), MediaAsset.objects.count()

    big = _noise_png(400)  # ~480 KB of incompressible pixels: more than the disk holds
    response = client.post("/api/media/", {"file": SimpleUploadedFile("big.png", big, "image/png"), "organization": org.pk}, format="multipart")
    assert response.status_code == 507, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "insufficient_storage"
    assert int(response["Retry-After"]) > 0
    assert _files(small_media_disk) == before_files, "a partial file was left on the disk"
    assert MediaAsset.objects.count() == before_rows


@pytest.mark.django_db
def test_an_upload_to_a_read_only_media_disk_is_a_json_503_and_leaves_nothing(small_media_disk, owner, client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.assets.models import MediaAsset

    subprocess.run(["mount", "-o", "remount,ro", str(small_media_disk)], check=True, capture_output=True)
    client = client_for(owner)
    client.raise_request_exception = False
    response = client.post("/api/media/", {"file": SimpleUploadedFile("ok.png", _noise_png(64), "image/png"), "organization": org.pk}, format="multipart")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "storage_read_only"
    assert int(response["Retry-After"]) > 0
    assert MediaAsset.objects.count() == 0
    assert _files(small_media_disk) == []


# --- The broker -------------------------------------------------------------------------------
@pytest.mark.realservices
@pytest.mark.django_db(transaction=True)
def test_publish_now_while_the_broker_does_not_answer_leaves_the_post_due_for_the_dispatcher(tmp_path, owner, sandbox):
    """A real server whose Celery broker does not answer (nothing listens on its port): publish now
    answers 202 with the post saved due now (what the contract promises: published as soon as a
    worker takes it), and nothing is half-done: the post is not marked handed out, so the next
    dispatch tick once the queue answers hands it out at once, not after the re-dispatch delay."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    import backend.scheduling.tasks  # noqa: F401  (registered, so the tick's tasks run eagerly here)
    from backend.scheduling.models import ScheduledPost
    from backend.scheduling.publishing import posts_dispatch_due
    from backend.social.models import SandboxPublication
    from tests.reliability.conftest import database_url

    later = timezone.now() + timedelta(hours=2)
    post = ScheduledPost.objects.create(
        organization_id=sandbox.organization_id, social_account=sandbox, platform="sandbox", caption="Pongal silk sale",
        scheduled_time=later, next_attempt_at=later, status=ScheduledPost.Status.SCHEDULED, created_by=owner,
    )
    server = Server(tmp_path, {"DATABASE_URL": database_url()})  # its broker: a port nothing listens on
    try:
        started = time.monotonic()
        status, headers, body = server.request("POST", f"/api/schedule/{post.pk}/publish_now/", token=str(AccessToken.for_user(owner)))
        answered_in = time.monotonic() - started
    finally:
        server.stop()

    assert status == 202, body
    assert headers.get("Content-Type", "").startswith("application/json")
    assert json.loads(body)["status"] == "scheduled"
    post.refresh_from_db()
    assert post.status == ScheduledPost.Status.SCHEDULED
    assert post.next_attempt_at <= timezone.now() and post.dispatched_at is None  # due now, not handed out
    assert answered_in < 30
    assert posts_dispatch_due() == [post.pk]  # the dispatcher's next tick (eager here: published inline)
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1


@pytest.mark.django_db
def test_an_upload_whose_row_cannot_be_written_leaves_no_file(owner, client_for, org, settings, tmp_path):
    """The file is written first, then its row: a database that refuses the row (here its table is
    gone, as good as the database dropping between the two) must not leave the file behind."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(owner)
    client.raise_request_exception = False
    assert client.get("/api/media/").status_code == 200  # authenticated before the table goes
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE assets_mediaasset RENAME TO assets_mediaasset_gone")
    response = client.post("/api/media/", {"file": SimpleUploadedFile("ok.png", _noise_png(64), "image/png"), "organization": org.pk}, format="multipart")
    assert response.status_code >= 500 and response["Content-Type"].startswith("application/json"), response.content
    assert _files(tmp_path / "media") == [] if (tmp_path / "media").exists() else True, "the file outlived its row"
