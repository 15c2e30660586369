"""Register beat's periodic tasks, so a fresh database publishes without any manual step."""
from django.db import migrations


def create_periodic_tasks(apps, schema_editor):
    from backend.scheduling.periodic import periodic_tasks_sync

    periodic_tasks_sync(
        interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
        task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
    )


def remove_periodic_tasks(apps, schema_editor):
    from backend.scheduling.periodic import periodic_task_specs

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in periodic_task_specs()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, remove_periodic_tasks)]
