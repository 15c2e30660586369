from celery import shared_task

from .idempotency import idempotency_purge


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency_purge()
