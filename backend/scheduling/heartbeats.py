"""What health reads to tell beat from the workers: beat notes each publishing tick it sends
(`BEAT`, from its own process), a worker notes each tick it runs (`PUBLISHER`)."""
from __future__ import annotations

import logging

from django.utils import timezone

from .models import SchedulerHeartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"
PUBLISHER = "publisher"


def heartbeat_note(*, name: str, processed: int = 0) -> None:
    SchedulerHeartbeat.objects.update_or_create(name=name, defaults={"last_drained_at": timezone.now(), "last_processed": processed})


def beat_tick_note() -> None:
    """Called in the beat process as it sends a publishing tick; never lets a failure stop the tick."""
    try:
        heartbeat_note(name=BEAT)
    except Exception:
        logger.warning("Could not note beat's tick (is the database up?)", exc_info=True)
        from django.db import connection

        connection.close()
