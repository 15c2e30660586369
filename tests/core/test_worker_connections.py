"""Workers keep their PostgreSQL connection from task to task, and drop one that stopped answering.

Celery's Django fix-up closes every connection around each task unless CELERY_DB_REUSE_MAX is set
(settings.py); backend/celery.py then closes, before and after a task, only a connection that is
obsolete (DB_CONN_MAX_AGE), broken, or no longer answers. The signals are sent here as a worker
sends them, around a task that is not eager.
"""
from types import SimpleNamespace

import pytest
from celery import signals
from django.db import connection, connections

pytestmark = [pytest.mark.realservices, pytest.mark.django_db(transaction=True)]

class FakeTask:  # what the signals carry: the task, whose request says whether it runs eagerly
    def __init__(self, *, eager: bool) -> None:
        self.request = SimpleNamespace(is_eager=eager)


TASK = FakeTask(eager=False)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run_task_signals() -> None:
    signals.task_prerun.send(sender=TASK, task=TASK, task_id="t")
    signals.task_postrun.send(sender=TASK, task=TASK, task_id="t")


def test_a_worker_keeps_its_connection_across_tasks():
    from celery.fixups.django import DjangoWorkerFixup

    from backend.celery import app  # connects the signal handlers, as every worker does

    fixup = DjangoWorkerFixup(app)  # Celery's own, as a worker installs it
    first = backend_pid()
    for _ in range(3):
        fixup.on_task_prerun(sender=TASK)
        run_task_signals()
        fixup.on_task_postrun(sender=TASK)
        assert backend_pid() == first


def test_a_connection_postgresql_dropped_is_replaced_before_the_next_task():
    import backend.celery  # noqa: F401

    first = backend_pid()
    other = connections["default"].copy()
    try:
        with other.cursor() as cursor:  # what a PostgreSQL restart does to it
            cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    finally:
        other.close()
    signals.task_prerun.send(sender=TASK, task=TASK, task_id="t")
    assert backend_pid() != first  # the task's first statement runs on a new connection


def test_an_eager_task_leaves_its_callers_connection_alone():
    import backend.celery  # noqa: F401

    eager = FakeTask(eager=True)
    first = backend_pid()
    connection.close_at = 0  # obsolete: a real task would close it
    signals.task_postrun.send(sender=eager, task=eager, task_id="t")
    assert connection.connection is not None and backend_pid() == first
    connection.close_at = None
