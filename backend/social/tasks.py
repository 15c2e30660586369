"""Celery tasks of the social app: thin, they take ids and call services. Names are pinned."""
from celery import shared_task

from .periodic import REFRESH_TOKENS_TASK
from .tokens import accounts_refresh_expiring


@shared_task(name=REFRESH_TOKENS_TASK, ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    return accounts_refresh_expiring()
