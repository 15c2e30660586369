"""The Celery app: `celery -A backend worker -B` runs a worker with an embedded beat."""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from backend.core.broker import kombu_redis_detached_transport_guard  # noqa: E402

# kombu 5.7.0: a clean Redis shutdown can kill the worker ("Unrecoverable error ... hostname").
kombu_redis_detached_transport_guard()

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.beat_init.connect
@signals.beat_embedded_init.connect
def sync_periodic_tasks(sender=None, **kwargs) -> None:
    """Keep beat's periodic tasks in step with the settings (intervals may change between runs)."""
    from backend.scheduling.periodic import periodic_tasks_sync

    periodic_tasks_sync()
