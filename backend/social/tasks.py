"""Celery tasks of the social app: thin, they take ids and call services. Names are pinned."""
from celery import shared_task
from django.conf import settings

from backend.core import task_names

from .tokens import accounts_refresh_expiring
from .videofits import video_fit_run


@shared_task(name=task_names.REFRESH_EXPIRING_TOKENS, ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    return accounts_refresh_expiring()


@shared_task(
    name=task_names.RUN_VIDEO_FIT,
    ignore_result=True,
    acks_late=True,
    time_limit=settings.VIDEO_FIT_TIME_LIMIT_SECONDS,
    soft_time_limit=max(settings.VIDEO_FIT_TIME_LIMIT_SECONDS - 30, 1),
)
def run_video_fit(job_id: int) -> str | None:
    job = video_fit_run(job_id=job_id)
    return job.status if job is not None else None
