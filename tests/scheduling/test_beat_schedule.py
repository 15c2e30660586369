"""The periodic tasks come from settings.CELERY_BEAT_SCHEDULE: django-celery-beat's
DatabaseScheduler writes them when beat starts, on a fresh database and on one that the old
migrations had filled, ending with exactly one row per task."""
from datetime import timedelta

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from backend.celery import app
from backend.core import task_names

# transaction=True: the scheduler closes database connections as beat does, which would end a
# test wrapped in a transaction.
pytestmark = pytest.mark.django_db(transaction=True)

OURS = {
    task_names.DISPATCH_DUE_POSTS,
    task_names.PURGE_IDEMPOTENCY_KEYS,
    task_names.REFRESH_EXPIRING_TOKENS,
    task_names.FETCH_DUE_METRICS,
    task_names.DELIVER_WEBHOOKS,
    task_names.MATERIALISE_SERIES,
    task_names.PUBLISH_FIRST_COMMENTS,
}


def start_beat() -> DatabaseScheduler:
    """What `celery beat -S django_celery_beat.schedulers:DatabaseScheduler` does at start-up."""
    return DatabaseScheduler(app=app)


def rows_per_task() -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in PeriodicTask.objects.values_list("task", flat=True):
        counts[task] = counts.get(task, 0) + 1
    return counts


def assert_one_row_per_task_with_the_settings_interval():
    counts = rows_per_task()
    assert {task: counts.get(task) for task in OURS} == {task: 1 for task in OURS}
    assert set(counts) - OURS <= {"celery.backend_cleanup"}  # Celery's own, added by the scheduler
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        row = PeriodicTask.objects.get(name=name)
        assert row.task == entry["task"] and row.enabled
        assert timedelta(**{row.interval.period: row.interval.every}) == entry["schedule"]


def test_every_task_in_the_schedule_is_a_registered_task_named_once():
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} == OURS
    app.loader.import_default_modules()
    assert OURS <= set(app.tasks)


def test_a_fresh_database_has_no_periodic_rows_until_beat_starts_then_one_per_task():
    assert not PeriodicTask.objects.filter(task__in=OURS).exists()  # the migrations no longer write them

    start_beat()
    assert_one_row_per_task_with_the_settings_interval()
    start_beat()  # a restart changes nothing
    assert_one_row_per_task_with_the_settings_interval()


def test_a_database_filled_by_the_old_migrations_ends_with_one_row_per_task(settings):
    # The rows scheduling/0003, social/0003 and social/0006 wrote before this change (see
    # `git show 80f0982:backend/scheduling/periodic.py`): same names, interval rows in seconds;
    # here the publish interval was 30 s then and is 10 s in the settings now.
    old = {
        "Publish due posts": (task_names.DISPATCH_DUE_POSTS, 30),
        "Purge old idempotency keys": (task_names.PURGE_IDEMPOTENCY_KEYS, 3600),
        "Refresh expiring platform tokens": (task_names.REFRESH_EXPIRING_TOKENS, 300),
        "Fetch engagement metrics": (task_names.FETCH_DUE_METRICS, 900),
    }
    for name, (task, every) in old.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
        PeriodicTask.objects.create(name=name, task=task, interval=interval, description="old", enabled=True)

    start_beat()

    assert_one_row_per_task_with_the_settings_interval()
    assert PeriodicTask.objects.get(task=task_names.DISPATCH_DUE_POSTS).interval.every == settings.PUBLISH_INTERVAL_SECONDS
