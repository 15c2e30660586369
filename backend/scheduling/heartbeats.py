"""What health reads to tell beat from the workers: beat notes each publishing tick it sends
(`BEAT`, from its own process), a worker notes each tick it runs (`PUBLISHER`), and every worker,
whatever queues it consumes, notes that it is alive (`WORKER`, from a thread of its main process
every PUBLISH_INTERVAL_SECONDS).

Each note is one UPDATE (an INSERT the first time) in autocommit: it holds the row only while the
database runs that statement, so a process frozen mid-note (SIGSTOP, a paused VM) never keeps
another process waiting for the row.
"""
from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import SchedulerHeartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"
PUBLISHER = "publisher"
WORKER = "worker"


def heartbeat_note(*, name: str, processed: int = 0) -> None:
    fields = {"last_drained_at": timezone.now(), "last_processed": processed}
    if SchedulerHeartbeat.objects.filter(name=name).update(**fields):
        return
    try:
        with transaction.atomic():  # a savepoint when called inside a transaction
            SchedulerHeartbeat.objects.create(name=name, **fields)
    except IntegrityError:  # another process created it first
        SchedulerHeartbeat.objects.filter(name=name).update(**fields)


def beat_tick_note() -> None:
    """Called in the beat process as it sends a publishing tick; never lets a failure stop the tick."""
    try:
        heartbeat_note(name=BEAT)
    except Exception:
        logger.warning("Could not note beat's tick (is the database up?)", exc_info=True)
        connection.close()


class WorkerLiveness(threading.Thread):
    """In a worker's main process: notes `WORKER` every PUBLISH_INTERVAL_SECONDS until stopped, so
    health can tell "no worker alive" from "beat not ticking" (and from "no worker consumes the
    queue of the publishing tick"). A database that does not answer costs a warning per note."""

    def __init__(self) -> None:
        super().__init__(name="postloom-worker-liveness", daemon=True)
        self._stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                heartbeat_note(name=WORKER)
            except Exception:
                logger.warning("Could not note this worker's liveness (is the database up?)", exc_info=True)
            finally:
                # No connection stays open between notes: a pool child forked meanwhile inherits none.
                connection.close()
            if self._stopped.wait(settings.PUBLISH_INTERVAL_SECONDS):
                return

    def stop(self) -> None:
        self._stopped.set()
