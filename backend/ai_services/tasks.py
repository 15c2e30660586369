"""Celery tasks: thin, they take ids and call services. Names are pinned."""
from celery import shared_task

from .services import poster_job_run

POSTER_JOB_TASK = "ai_services.run_poster_job"


@shared_task(name=POSTER_JOB_TASK, ignore_result=True, acks_late=True)
def run_poster_job(job_id: int) -> str | None:
    job = poster_job_run(job_id=job_id)
    return job.status if job is not None else None
