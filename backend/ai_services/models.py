"""Usage accounting and background generations for the AI endpoints.

- `UsageCounter`: one row per organization, operation and month; `used` only ever changes
  through a conditional UPDATE (see usage.py), so concurrent requests cannot pass the limit.
- `UsageEvent`: the ledger, one row per AI call: reserved, then succeeded, failed (the
  provider or the server failed; the unit was given back) or refunded (the input was rejected
  after the unit was reserved; the unit was given back).
- `GenerationJob`: a poster rendered by a Celery worker; its input never holds secrets.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from backend.core.models import BackgroundJob


class Operation(models.TextChoices):
    CAPTION = "caption", "Caption"
    POSTER = "poster", "Poster"


class UsageCounter(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="ai_usage_counters")
    operation = models.CharField(max_length=16, choices=Operation.choices)
    period_start = models.DateField(help_text="First day of the month (UTC) this counter covers.")
    used = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "operation"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "operation", "period_start"], name="unique_usage_counter"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.operation} {self.period_start:%Y-%m}: {self.used}"


class UsageEvent(models.Model):
    class Outcome(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (unit given back)"
        REFUNDED = "refunded", "Input rejected (unit given back)"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="ai_usage_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    operation = models.CharField(max_length=16, choices=Operation.choices)
    period_start = models.DateField()
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RESERVED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "operation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome} ({self.organization_id})"


class GenerationJob(BackgroundJob):
    class Kind(models.TextChoices):
        POSTER = "poster", "Poster"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="generation_jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.POSTER)
    input = models.JSONField(default=dict, help_text="The validated request (no secrets, no image bytes).")
    product_asset = models.ForeignKey(
        "assets.MediaAsset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The product photo the poster is drawn from.",
    )
    usage_event = models.ForeignKey(UsageEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"
