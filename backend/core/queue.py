"""Enqueue a task by its name (see task_names), after the current transaction commits.

Services enqueue through here rather than importing their app's `tasks` module, which imports
the services: the name is the only link, so there is no import cycle to dodge. A registered task
runs through its own `apply_async`, so CELERY_TASK_ALWAYS_EAGER (tests) still runs it inline.
"""
from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def task_enqueue(name: str, *args: Any) -> None:
    """Send task `name` with `args` once the surrounding transaction commits (now if there is none)."""
    transaction.on_commit(lambda: _send(name, args))


def _send(name: str, args: tuple) -> None:
    app = current_app
    if name not in app.tasks:
        # Outside a worker nothing has imported the tasks modules yet, and a signature of an
        # unregistered task is sent to the broker even under CELERY_TASK_ALWAYS_EAGER: import
        # them as a worker does at start (autodiscovery).
        app.loader.import_default_modules()
    app.signature(name, args=args).delay()
