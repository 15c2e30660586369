"""Webhook events about AI jobs and usage, written to the outbox in the transaction of the change."""
from __future__ import annotations

from backend.accounts.webhooks import webhook_emit

from .models import GenerationJob
from .serializers import JobOutput


def job_event_emit(*, job: GenerationJob) -> None:
    """`job.succeeded` or `job.failed`, with the job as GET /api/textile/jobs/{id}/ shows it."""
    if job.status == GenerationJob.Status.SUCCEEDED:
        webhook_emit(organization_id=job.organization_id, event="job.succeeded", data=lambda: JobOutput(job).data)
    elif job.status == GenerationJob.Status.FAILED:
        webhook_emit(organization_id=job.organization_id, event="job.failed", data=lambda: JobOutput(job).data)
