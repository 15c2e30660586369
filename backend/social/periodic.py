"""The social app's periodic tasks (registered with the others in backend.scheduling.periodic)."""
from __future__ import annotations

from django.conf import settings

REFRESH_TOKENS_TASK = "social.refresh_expiring_tokens"
FETCH_METRICS_TASK = "social.fetch_due_metrics"


def social_periodic_task_specs() -> list[dict]:
    return [
        {
            "name": "Refresh expiring platform tokens",
            "task": REFRESH_TOKENS_TASK,
            "every": settings.SOCIAL_TOKEN_REFRESH_INTERVAL_SECONDS,
            "description": "Refreshes tokens of connected accounts shortly before they expire.",
        },
        {
            "name": "Fetch engagement metrics",
            "task": FETCH_METRICS_TASK,
            "every": settings.METRICS_INTERVAL_SECONDS,
            "description": "Reads metrics of recent posts at checkpoints after posting (1 h, 6 h, 24 h, 72 h, 7 days).",
        },
    ]
