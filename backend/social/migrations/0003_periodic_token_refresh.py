"""Register beat's token refresh task, so a fresh database refreshes tokens without a manual step."""
from django.db import migrations

from backend.scheduling.periodic import periodic_tasks_migration


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0002_token_refresh"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [periodic_tasks_migration(tasks=["social.refresh_expiring_tokens"])]
