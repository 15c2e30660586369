"""Celery tasks: thin, they take ids and call services. Names are pinned (core.task_names)."""
import time

from celery import shared_task
from django.conf import settings

from backend.core import task_names

from .first_comments import first_comments_publish_due
from .metrics import post_metrics_fetch, posts_metrics_dispatch_due
from .publishing import post_publish, posts_dispatch_due
from .series import series_materialise_due


@shared_task(name=task_names.DISPATCH_DUE_POSTS, ignore_result=True)
def dispatch_due_posts() -> int:
    return len(posts_dispatch_due())


@shared_task(name=task_names.PUBLISH_POST, ignore_result=True, acks_late=True)
def publish_post(post_id: int) -> str:
    return post_publish(post_id=post_id)


@shared_task(name=task_names.PUBLISH_POSTS, ignore_result=True, acks_late=True)
def publish_posts(post_ids: list[int]) -> int:
    """Publish a chunk of due posts one after another (a large backlog costs fewer messages).

    Past PUBLISH_CHUNK_TIME_BUDGET_SECONDS the rest of the chunk goes back on the queue, so a slow
    platform never pushes a chunk towards the task time limit. Each post is still claimed on its
    own, so a redelivered chunk publishes nothing twice.
    """
    started = time.monotonic()
    for index, post_id in enumerate(post_ids):
        if index and time.monotonic() - started > settings.PUBLISH_CHUNK_TIME_BUDGET_SECONDS:
            publish_posts.delay(post_ids[index:])
            return index
        post_publish(post_id=post_id)
    return len(post_ids)


@shared_task(name=task_names.FETCH_DUE_METRICS, ignore_result=True)
def fetch_due_metrics() -> int:
    return posts_metrics_dispatch_due()


@shared_task(name=task_names.FETCH_POST_METRICS, ignore_result=True)
def fetch_post_metrics(post_id: int, checkpoint: str = "") -> None:
    post_metrics_fetch(post_id=post_id, checkpoint=checkpoint)


@shared_task(name=task_names.MATERIALISE_SERIES, ignore_result=True)
def materialise_series() -> int:
    """Create the posts of recurring series' occurrences within the horizon (beat)."""
    return series_materialise_due()


@shared_task(name=task_names.PUBLISH_FIRST_COMMENTS, ignore_result=True)
def publish_first_comments() -> int:
    """Publish the first comments of posts that went out (beat)."""
    return first_comments_publish_due()
