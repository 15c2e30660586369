"""Celery tasks of the accounts app: thin, they call services. Names are pinned."""
from celery import shared_task

from .webhooks import webhooks_deliver_due

DELIVER_WEBHOOKS_TASK = "accounts.deliver_webhooks"


@shared_task(name=DELIVER_WEBHOOKS_TASK, ignore_result=True)
def deliver_webhooks() -> int:
    """Send the webhook deliveries that are due (beat, every WEBHOOK_DELIVERY_INTERVAL_SECONDS)."""
    return webhooks_deliver_due()
