"""Register beat's metrics task, so a fresh database reads metrics without a manual step."""
from django.db import migrations

TASKS = ["social.fetch_due_metrics"]


def create_periodic_tasks(apps, schema_editor):
    from backend.scheduling.periodic import periodic_tasks_sync
    from backend.social.periodic import social_periodic_task_specs

    periodic_tasks_sync(
        interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
        task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
        specs=[spec for spec in social_periodic_task_specs() if spec["task"] in TASKS],
    )


def remove_periodic_tasks(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=TASKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0005_post_metrics"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, remove_periodic_tasks)]
