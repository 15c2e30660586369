"""The services CI's second pass promises: PostgreSQL behind the ORM, Redis behind Celery."""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.realservices
@pytest.mark.django_db
def test_orm_runs_on_postgresql_and_celery_on_redis():
    from backend.celery import app

    assert connection.vendor == "postgresql"
    queue = f"postloom-probe-{uuid.uuid4().hex}"
    with app.connection_for_write() as conn:
        assert conn.transport.driver_type == "redis"
        simple = conn.SimpleQueue(queue)
        try:
            simple.put({"probe": queue})
            message = simple.get(timeout=5)
            message.ack()
            assert message.payload == {"probe": queue}
        finally:
            simple.queue.delete()
            simple.close()


def run_pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "POSTLOOM_REQUIRE_REAL_SERVICES")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-ra", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120,
    )


def test_realservices_tests_are_skipped_with_a_reason_without_postgresql():
    done = run_pytest("tests/core/test_real_services.py", "-k", "orm_runs", env={})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SKIPPED" in done.stdout and "realservices: needs PostgreSQL" in done.stdout


def test_realservices_tests_fail_when_real_services_are_required_but_missing():
    done = run_pytest("tests/core/test_real_services.py", "-k", "orm_runs", env={"POSTLOOM_REQUIRE_REAL_SERVICES": "1"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "POSTLOOM_REQUIRE_REAL_SERVICES=1 but needs PostgreSQL" in done.stdout
    assert "skipped" not in done.stdout.lower()


def test_a_run_that_selects_no_test_fails_instead_of_exiting_5():
    done = run_pytest("tests/core/test_real_services.py", "-k", "no_such_test_anywhere", env={})
    assert done.returncode == 1, done.stdout + done.stderr
