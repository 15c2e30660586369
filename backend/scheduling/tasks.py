"""Celery tasks: thin, they take ids and call services. Names are pinned."""
from celery import shared_task

from .publishing import post_publish, posts_dispatch_due

DISPATCH_TASK = "scheduling.dispatch_due_posts"


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_due_posts() -> int:
    return len(posts_dispatch_due())


@shared_task(name="scheduling.publish_post", ignore_result=True, acks_late=True)
def publish_post(post_id: int) -> str:
    return post_publish(post_id=post_id)
