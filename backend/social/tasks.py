"""Celery tasks of the social app: thin, they take ids and call services. Names are pinned."""
from celery import shared_task

from .metrics import post_metrics_fetch, posts_metrics_dispatch_due
from .periodic import FETCH_METRICS_TASK, REFRESH_TOKENS_TASK
from .tokens import accounts_refresh_expiring


@shared_task(name=REFRESH_TOKENS_TASK, ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    return accounts_refresh_expiring()


@shared_task(name=FETCH_METRICS_TASK, ignore_result=True)
def fetch_due_metrics() -> int:
    return posts_metrics_dispatch_due()


@shared_task(name="social.fetch_post_metrics", ignore_result=True)
def fetch_post_metrics(post_id: int, checkpoint: str = "") -> None:
    post_metrics_fetch(post_id=post_id, checkpoint=checkpoint)
