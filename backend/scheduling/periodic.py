"""The periodic tasks beat runs, kept in django-celery-beat's tables.

A migration creates them, so a fresh database has them; `periodic_tasks_sync` (run when beat
starts) keeps their intervals in step with the settings.
"""
from __future__ import annotations

from django.conf import settings


def periodic_task_specs() -> list[dict]:
    from backend.social.periodic import social_periodic_task_specs

    return [
        {
            "name": "Publish due posts",
            "task": "scheduling.dispatch_due_posts",
            "every": settings.PUBLISH_INTERVAL_SECONDS,
            "description": "Hands posts whose time has come to the workers.",
        },
        {
            "name": "Purge old idempotency keys",
            "task": "core.purge_idempotency_keys",
            "every": 3600,
            "description": "Forgets Idempotency-Key records older than 24 hours.",
        },
        *social_periodic_task_specs(),
    ]


def periodic_tasks_migration(*, tasks: list[str]):
    """A migration operation that registers (and on reverse removes) the named periodic tasks."""
    from django.db import migrations

    def create(apps, schema_editor):
        periodic_tasks_sync(
            interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
            task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
            specs=[spec for spec in periodic_task_specs() if spec["task"] in tasks],
        )

    def remove(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=tasks).delete()

    return migrations.RunPython(create, remove)


def periodic_tasks_sync(*, interval_model=None, task_model=None, specs: list[dict] | None = None) -> None:
    if interval_model is None or task_model is None:
        from django_celery_beat.models import IntervalSchedule, PeriodicTask

        interval_model, task_model = IntervalSchedule, PeriodicTask
    for spec in specs if specs is not None else periodic_task_specs():
        interval, _ = interval_model.objects.get_or_create(every=spec["every"], period="seconds")
        task, created = task_model.objects.get_or_create(
            name=spec["name"],
            defaults={"task": spec["task"], "interval": interval, "description": spec["description"], "enabled": True},
        )
        if not created and (task.interval_id != interval.pk or task.task != spec["task"]):
            task.interval = interval
            task.task = spec["task"]
            task.save()
