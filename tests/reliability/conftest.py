"""Fixtures of the fault tests: real worker and beat processes on the pytest PostgreSQL database
(`test_<name>`, committed by `transaction=True` tests so the subprocesses see it) and a private
redis-server on a free port (so killing it touches nobody else's Redis, and no other test run's
worker can take these tasks)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from support.processes import free_port, redis_start, wait_for

from .harness import REPORTED, PrivatePostgres, Processes

# Short enough for a test, in the relations the settings require (soft < hard < visibility). The
# claim heartbeat keeps its DEFAULT settings (5 s, timed out after 30 s) unless a test says otherwise.
INTERVAL = 1
SUBPROCESS_SETTINGS = {
    "PUBLISH_INTERVAL_SECONDS": str(INTERVAL),
    "PUBLISH_BATCH_SIZE": "500",
    "PUBLISH_REDISPATCH_SECONDS": "10",
    "PUBLISH_RETRY_BACKOFF_SECONDS": "1",
    "PUBLISH_MISSED_TOLERANCE_SECONDS": "3600",
    "CELERY_TASK_SOFT_TIME_LIMIT": "4",
    "CELERY_TASK_TIME_LIMIT": "5",
    "CELERY_VISIBILITY_TIMEOUT": "10",
}


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Live:
    processes: Processes
    redis_port: int

    def wait_ready(self, *, timeout: float = 90) -> None:
        """Beat ticked and a worker ran the tick: the whole chain is up."""
        from backend.scheduling.heartbeats import PUBLISHER
        from backend.scheduling.models import SchedulerHeartbeat

        started = timezone.now()
        wait_for(
            lambda: SchedulerHeartbeat.objects.filter(name=PUBLISHER, last_drained_at__gt=started).exists(),
            timeout=timeout, interval=0.5, what="a beat tick run by a worker",
        )

    def wait_settled(self, post_ids: list[int], *, timeout: float) -> None:
        from backend.scheduling.models import ScheduledPost

        S = ScheduledPost.Status
        try:
            wait_for(
                lambda: not ScheduledPost.objects.filter(pk__in=post_ids, status__in=(S.SCHEDULED, S.PUBLISHING)).exists(),
                timeout=timeout, interval=0.5, what=f"{len(post_ids)} posts to settle",
            )
        except TimeoutError as exc:
            left = dict(ScheduledPost.objects.filter(pk__in=post_ids, status__in=(S.SCHEDULED, S.PUBLISHING)).values_list("pk", "status")[:20])
            logs = "\n".join(f"--- {name}:\n{self.processes.log(name)[-2500:]}" for name in self.processes.procs)
            raise TimeoutError(f"{exc}; still unsettled: {left}\n{logs}") from None


@pytest.fixture
def live(transactional_db, tmp_path, settings):
    from django.conf import settings as django_settings

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PUBLISH_", "DJANGO_", "POSTLOOM_"))}
    env.update(SUBPROCESS_SETTINGS)
    env.update({k[len("RELTEST_"):]: v for k, v in os.environ.items() if k.startswith("RELTEST_")})  # tuning experiments
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0",
        POSTLOOM_VAR_DIR=str(tmp_path / "var"),
        FIELD_ENCRYPTION_KEYS=",".join(django_settings.FIELD_ENCRYPTION_KEYS),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    processes = Processes(tmp_path, env)
    try:
        redis_start(processes, "redis", port)
        yield Live(processes=processes, redis_port=port)
    finally:
        processes.stop_all()


@pytest.fixture
def private_postgres(transactional_db):
    """The test's own PostgreSQL cluster (schema copied from the pytest database), which this
    process and every worker and beat it starts use for the duration of the test: it can be
    stopped and restarted without touching anybody else's database."""
    from django.db import connection

    source = database_url()
    pg = PrivatePostgres(free_port()).init()
    try:
        pg.start()
        pg.create_database_like("postloom_faults", source_url=source)
    except Exception:
        pg.destroy()
        raise
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(pg.port), NAME="postloom_faults", USER="postgres", PASSWORD="")
    try:
        yield pg
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        pg.destroy()


@pytest.fixture
def make_posts(owner):
    from backend.scheduling.models import ScheduledPost

    def make(account, count: int, *, start_in: float, spread: float) -> list[int]:
        """`count` posts due evenly from `start_in` to `start_in + spread` seconds from now."""
        base = timezone.now() + timedelta(seconds=start_in)
        posts = []
        for n in range(count):
            when = base + timedelta(seconds=spread * n / max(count - 1, 1))
            posts.append(
                ScheduledPost(
                    organization_id=account.organization_id, social_account=account, platform=account.platform,
                    caption=f"Silk saree offer #{n}", scheduled_time=when, next_attempt_at=when,
                    status=ScheduledPost.Status.SCHEDULED, created_by=owner, max_retries=3,
                )
            )
        return [post.pk for post in ScheduledPost.objects.bulk_create(posts)]

    return make


def elapsed(since: float) -> float:
    return time.monotonic() - since


def pytest_terminal_summary(terminalreporter):
    if REPORTED:
        terminalreporter.section("reliability figures")
        for line in REPORTED:
            terminalreporter.write_line(line)
