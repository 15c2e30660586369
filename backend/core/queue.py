"""Enqueue a task by its name (see task_names), after the current transaction commits.

Services enqueue through here rather than importing their app's `tasks` module, which imports
the services: the name is the only link, so there is no import cycle to dodge. A registered task
runs through its own `apply_async`, so CELERY_TASK_ALWAYS_EAGER (tests) still runs it inline.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import transaction

from .outages import BROKER_ERRORS

logger = logging.getLogger(__name__)


def task_enqueue(name: str, *args: Any, on_unavailable: Callable[[], None] | None = None) -> None:
    """Send task `name` with `args` once the surrounding transaction commits (now if there is none).

    A broker that does not answer raises (a JSON 503 at the edge), unless `on_unavailable` is
    given: for a message something else sends again anyway (beat's dispatcher hands out every due
    post), it is called instead, to leave things as that sender expects them.
    """

    def send() -> None:
        try:
            _send(name, args)
        except BROKER_ERRORS as exc:
            if on_unavailable is None:
                raise
            logger.warning("The broker did not take %s%r (%s); left to the dispatcher", name, args, type(exc).__name__)
            on_unavailable()

    transaction.on_commit(send)


def _send(name: str, args: tuple) -> None:
    app = current_app
    if name not in app.tasks:
        # Outside a worker nothing has imported the tasks modules yet, and a signature of an
        # unregistered task is sent to the broker even under CELERY_TASK_ALWAYS_EAGER: import
        # them as a worker does at start (autodiscovery).
        app.loader.import_default_modules()
    app.signature(name, args=args).delay()
