"""Once registered a beat periodic task by calling live code; now a no-op kept for the history.

The periodic tasks come from settings.CELERY_BEAT_SCHEDULE, which django-celery-beat's
DatabaseScheduler writes to its tables when beat starts (matching the rows this migration made
by name, so an upgraded database keeps one row per task).
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0005_post_metrics"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
