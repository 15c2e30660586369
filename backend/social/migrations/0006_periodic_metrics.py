"""Register beat's metrics task, so a fresh database reads metrics without a manual step."""
from django.db import migrations

from backend.scheduling.periodic import periodic_tasks_migration


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0005_post_metrics"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [periodic_tasks_migration(tasks=["social.fetch_due_metrics"])]
