"""Celery tasks of the social app: thin, they take ids and call services. Names are pinned."""
from celery import shared_task

from backend.core import task_names

from .tokens import accounts_refresh_expiring


@shared_task(name=task_names.REFRESH_EXPIRING_TOKENS, ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    return accounts_refresh_expiring()
