"""The Celery settings exactly-once publishing relies on."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.celery import app
from backend.core import task_names
from backend.scheduling.tasks import dispatch_due_posts, publish_post

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize(
    "env, refusal",
    [
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "300", "CELERY_TASK_TIME_LIMIT": "300"}, "CELERY_TASK_SOFT_TIME_LIMIT must be below"),
        ({"PUBLISH_HEARTBEAT_TIMEOUT_SECONDS": "10"}, "at least three PUBLISH_HEARTBEAT_SECONDS"),
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "CELERY_VISIBILITY_TIMEOUT": "100"}, "must be below CELERY_VISIBILITY_TIMEOUT"),
    ],
)
def test_settings_refuse_time_limits_that_break_the_lease(env, refusal):
    """The settings check itself, run as the process that would start with such values (the suite's
    own settings loaded already, so asserting their values again would prove nothing)."""
    done = subprocess.run(
        [sys.executable, "-c", "import backend.settings"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings", "CELERY_BROKER_URL": "filesystem://", **env}, capture_output=True, text=True,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and refusal in done.stderr
