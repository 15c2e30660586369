"""The Celery app: `celery -A backend worker -B` runs a worker with an embedded beat.

Beat's periodic tasks are settings.CELERY_BEAT_SCHEDULE, written to django-celery-beat's tables
by its DatabaseScheduler when beat starts.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
