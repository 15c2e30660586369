"""Shared fixtures: users in organizations with each role, authenticated clients, accounts, images."""
from __future__ import annotations

import io
import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from backend.accounts.models import Membership, Organization, Role, User
from backend.social.models import SocialAccount


def make_image(*, size=(1080, 1080), fmt="JPEG", color=(200, 60, 90), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def future(**delta) -> str:
    return (timezone.now() + timedelta(**(delta or {"hours": 1}))).isoformat()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test counts throttles and caches readings under its own key prefix.

    The shared cache outlives a test's transaction on Redis (and in tests that commit), so without
    this, one test's counters or cached readings would leak into the next (or the next run).
    """
    from django.core.cache import caches

    cache = caches["default"]
    before = cache.key_prefix
    cache.key_prefix = f"test-{uuid.uuid4().hex}"
    yield
    cache.key_prefix = before


class Client(APIClient):
    def as_user(self, user: User) -> "Client":
        token = RefreshToken.for_user(user).access_token
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.user = user
        return self


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(email: str | None = None, **extra) -> User:
        counter["n"] += 1
        return User.objects.create_user(email=email or f"user{counter['n']}@example.com", password="s3cret-Passw0rd!", **extra)

    return make


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(name="Lakshmi Silks", timezone="Asia/Kolkata")


@pytest.fixture
def other_org(db) -> Organization:
    return Organization.objects.create(name="Other Shop")


@pytest.fixture
def member(make_user):
    def make(organization: Organization, role: str = Role.OWNER) -> User:
        user = make_user()
        Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return make


@pytest.fixture
def client_for():
    def make(user: User) -> Client:
        return Client().as_user(user)

    return make


@pytest.fixture
def owner(member, org) -> User:
    return member(org, Role.OWNER)


@pytest.fixture
def owner_client(client_for, owner) -> Client:
    return client_for(owner)


@pytest.fixture
def sandbox(org, owner) -> SocialAccount:
    return SocialAccount.objects.create(organization=org, platform="sandbox", handle="@lakshmi", connected_by=owner)


@pytest.fixture
def other_sandbox(other_org) -> SocialAccount:
    return SocialAccount.objects.create(organization=other_org, platform="sandbox", handle="@other")


# --- Tests on real services ----------------------------------------------------------------
# Tests marked `realservices` need PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL). They
# are skipped, with the reason, when those are not configured or do not answer; with
# POSTLOOM_REQUIRE_REAL_SERVICES=1 (CI's second pass) a missing service fails them instead, and
# so does a run in which no such test ran at all.
REQUIRE_REAL_SERVICES = os.environ.get("POSTLOOM_REQUIRE_REAL_SERVICES", "").lower() in ("1", "true", "yes", "on")
_real_services_state: dict = {}


def real_services_problem() -> str | None:
    """Why the real services cannot be used, or None when PostgreSQL and Redis both answer."""
    if "problem" not in _real_services_state:
        _real_services_state["problem"] = _probe_real_services()
    return _real_services_state["problem"]


def _probe_real_services() -> str | None:
    from urllib.parse import urlsplit

    from django.conf import settings

    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = settings.CELERY_BROKER_URL
    if urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql"):
        return f"needs PostgreSQL: DATABASE_URL is {'not set' if not database_url else 'not postgres://'}"
    if urlsplit(broker_url).scheme not in ("redis", "rediss"):
        return f"needs Redis: CELERY_BROKER_URL is {broker_url.split(':', 1)[0]}://, not redis://"
    try:
        import psycopg

        db = settings.DATABASES["default"]
        psycopg.connect(
            host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or None,
            password=db.get("PASSWORD") or None, dbname="postgres", connect_timeout=3,
        ).close()
    except Exception as exc:
        return f"PostgreSQL does not answer at DATABASE_URL ({type(exc).__name__}: {exc})"
    try:
        import redis

        redis.Redis.from_url(broker_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:
        return f"Redis does not answer at CELERY_BROKER_URL ({type(exc).__name__}: {exc})"
    return None


def pytest_collection_modifyitems(config, items):
    real = [item for item in items if item.get_closest_marker("realservices")]
    _real_services_state["collected"] = len(real)
    if not real:
        return
    problem = real_services_problem()
    if problem and not REQUIRE_REAL_SERVICES:
        skip = pytest.mark.skip(reason=f"realservices: {problem}")
        for item in real:
            item.add_marker(skip)


def pytest_runtest_setup(item):
    if item.get_closest_marker("realservices") and REQUIRE_REAL_SERVICES:
        problem = real_services_problem()
        if problem:
            pytest.fail(f"POSTLOOM_REQUIRE_REAL_SERVICES=1 but {problem}", pytrace=False)


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and "realservices" in report.keywords:
        _real_services_state["passed"] = _real_services_state.get("passed", 0) + 1


def pytest_sessionfinish(session, exitstatus):
    # Exit code 5 ("no tests collected") would let a CI step that selected nothing look like
    # something other than a failure; it is a failure here.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\nNo tests were collected: failing the run rather than exiting with 5.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif REQUIRE_REAL_SERVICES and exitstatus == pytest.ExitCode.OK and not _real_services_state.get("passed"):
        print("\nPOSTLOOM_REQUIRE_REAL_SERVICES=1 but no `realservices` test passed: failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- Videos --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """clip(**options) -> the path of a real video made once per session with those options
    (tests/videos.py: 320x568, 2 s, 24 fps, H.264/AAC MP4 by default). Copy it before changing it."""
    from tests.videos import make_video

    made: dict = {}
    folder = tmp_path_factory.mktemp("clips")

    def get(**options):
        key = tuple(sorted(options.items()))
        if key not in made:
            suffix = ".mov" if options.get("container") == "mov" else ".mp4"
            made[key] = make_video(folder / f"clip-{len(made)}{suffix}", **options)
        return made[key]

    return get
