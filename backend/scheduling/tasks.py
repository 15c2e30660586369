"""Celery tasks: thin, they take ids and call services. Names are pinned."""
import time

from celery import shared_task
from django.conf import settings

from .publishing import post_publish, posts_dispatch_due
from .first_comments import first_comments_publish_due
from .series import series_materialise_due

DISPATCH_TASK = "scheduling.dispatch_due_posts"


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_due_posts() -> int:
    return len(posts_dispatch_due())


@shared_task(name="scheduling.publish_post", ignore_result=True, acks_late=True)
def publish_post(post_id: int) -> str:
    return post_publish(post_id=post_id)


@shared_task(name="scheduling.publish_posts", ignore_result=True, acks_late=True)
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


@shared_task(name="scheduling.materialise_series", ignore_result=True)
def materialise_series() -> int:
    """Create the posts of recurring series' occurrences within the horizon (beat)."""
    return series_materialise_due()


@shared_task(name="scheduling.publish_first_comments", ignore_result=True)
def publish_first_comments() -> int:
    """Publish the first comments of posts that went out (beat)."""
    return first_comments_publish_due()
