from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a create request carrying an `Idempotency-Key` header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key_per_user"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(user__isnull=True), name="unique_anonymous_idempotency_key"
            ),
        ]


class BackgroundJob(models.Model):
    """What every background job keeps (a poster's generation, a video's auto-fit): one status
    enum (`JobStatusEnum` in the schema), the error body when it failed, and when it was created,
    started and finished. Newest first."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.JSONField(null=True, blank=True, help_text='{"detail", "code"} when the job failed.')
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
