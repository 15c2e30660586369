"""Celery tasks of the accounts app: thin, they call services. Names are pinned."""
from celery import shared_task

from backend.core import task_names

from .webhooks import webhooks_deliver_due


@shared_task(name=task_names.DELIVER_WEBHOOKS, ignore_result=True)
def deliver_webhooks() -> int:
    """Send the webhook deliveries that are due (beat, every WEBHOOK_DELIVERY_INTERVAL_SECONDS)."""
    return webhooks_deliver_due()
