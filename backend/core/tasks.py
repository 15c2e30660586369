"""Celery tasks of the core app: thin, they call services. Names are pinned (task_names)."""
from celery import shared_task

from . import task_names
from .idempotency import idempotency_purge


@shared_task(name=task_names.PURGE_IDEMPOTENCY_KEYS, ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency_purge()
