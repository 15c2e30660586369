"""The Celery settings exactly-once publishing relies on."""
from django.conf import settings

from backend.celery import app
from backend.core import task_names
from backend.scheduling.tasks import dispatch_due_posts, publish_post


def test_publish_tasks_have_their_own_queue_and_beat_ticks_the_default_one():
    assert app.amqp.router.route({}, publish_post.name)["queue"].name == "publish"
    assert app.amqp.router.route({}, "scheduling.publish_posts")["queue"].name == "publish"
    assert app.amqp.router.route({}, dispatch_due_posts.name)["queue"].name == "celery"
    # A worker started without -Q consumes both.
    assert {"celery", "publish"} <= set(app.amqp.queues)


def test_task_names_are_pinned_and_publishing_acknowledges_late():
    assert (dispatch_due_posts.name, publish_post.name) == (task_names.DISPATCH_DUE_POSTS, "scheduling.publish_post")
    assert publish_post.acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


def test_time_limits_sit_below_the_lease_and_the_visibility_timeout():
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < settings.PUBLISH_LEASE_SECONDS
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    assert visibility is None or settings.CELERY_TASK_TIME_LIMIT < visibility
