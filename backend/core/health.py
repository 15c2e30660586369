"""Is Postloom able to publish? The database answers, the broker answers, beat is draining."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


@dataclass
class HealthReport:
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def health_check() -> HealthReport:
    report = HealthReport()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report.checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it is the answer
        report.checks["database"] = "error"
        report.problems.append(f"The database does not answer ({type(exc).__name__}).")
        return report
    _check_broker(report)
    _check_scheduler(report)
    _check_backlog(report)
    return report


def _check_broker(report: HealthReport) -> None:
    from backend.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        report.checks["broker"] = "ok"
    except Exception as exc:
        report.checks["broker"] = "error"
        report.problems.append(f"The Celery broker does not answer ({type(exc).__name__}).")


def _check_scheduler(report: HealthReport) -> None:
    from backend.scheduling.models import SchedulerHeartbeat
    from backend.scheduling.publishing import HEARTBEAT_NAME

    heartbeat = SchedulerHeartbeat.objects.filter(name=HEARTBEAT_NAME).first()
    allowed = timedelta(seconds=3 * settings.PUBLISH_INTERVAL_SECONDS)
    if heartbeat is None:
        report.checks["scheduler"] = "error"
        report.problems.append("The scheduler (celery beat) has not drained due posts yet.")
        return
    age = timezone.now() - heartbeat.last_drained_at
    if age > allowed:
        report.checks["scheduler"] = "error"
        report.problems.append(
            f"The scheduler last drained due posts {int(age.total_seconds())} s ago (expected every "
            f"{settings.PUBLISH_INTERVAL_SECONDS} s): is celery beat running?"
        )
    else:
        report.checks["scheduler"] = "ok"


def _check_backlog(report: HealthReport) -> None:
    """Posts overdue beyond the tolerance, or stuck in `publishing` beyond the lease."""
    from backend.scheduling.recovery import missed_posts, stuck_posts

    overdue = missed_posts().count()
    stuck = stuck_posts().count()
    if overdue:
        report.problems.append(
            f"{overdue} scheduled post(s) are overdue by more than {settings.PUBLISH_MISSED_TOLERANCE_SECONDS} s: "
            "are the workers running?"
        )
    if stuck:
        report.problems.append(
            f"{stuck} post(s) have been publishing for more than {settings.PUBLISH_LEASE_SECONDS} s without a result."
        )
    report.checks["backlog"] = "error" if overdue or stuck else "ok"
