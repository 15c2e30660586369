"""The Celery app: `celery -A backend worker -B` runs a worker with an embedded beat.

Beat's periodic tasks are settings.CELERY_BEAT_SCHEDULE, written to django-celery-beat's tables
by its DatabaseScheduler when beat starts.
"""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from backend.core.broker import celery_stale_fd_guard, kombu_redis_detached_transport_guard  # noqa: E402

# celery/kombu 5.7.0: a Redis shutdown can kill the worker ("Unrecoverable error ... 'hostname'",
# or "... file descriptor is None" when a pool process died meanwhile); see backend/core/broker.py.
kombu_redis_detached_transport_guard()
celery_stale_fd_guard()

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect
def note_beat_tick(sender=None, **kwargs) -> None:
    """Beat notes each publishing tick it sends, so health can tell "beat stopped" from "no worker"."""
    from backend.core import task_names

    if sender == task_names.DISPATCH_DUE_POSTS:
        from backend.scheduling.heartbeats import beat_tick_note

        beat_tick_note()


@signals.task_prerun.connect
def reuse_healthy_connections(task=None, **kwargs) -> None:
    """Before a task: keep this thread's database connections (settings.CELERY_DB_REUSE_MAX), except
    one past DB_CONN_MAX_AGE, left broken by an error, or that no longer answers (PostgreSQL
    restarted): those are closed and the task connects afresh."""
    if task is None or task.request.is_eager:  # an eager task runs inside its caller's transaction
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@signals.task_postrun.connect
def close_obsolete_connections(task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


_liveness = None


@signals.worker_ready.connect
def start_worker_liveness(sender=None, **kwargs) -> None:
    """Every worker notes that it is alive, whatever queues it consumes (health reads it)."""
    global _liveness
    from backend.scheduling.heartbeats import WorkerLiveness

    _liveness = WorkerLiveness()
    _liveness.start()


@signals.worker_shutdown.connect
def stop_worker_liveness(sender=None, **kwargs) -> None:
    if _liveness is not None:
        _liveness.stop()
