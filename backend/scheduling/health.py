"""Is Postloom able to publish? The database and the broker answer, beat ticks, a worker is alive
and runs the ticks, and no post is publishing without a heartbeat. Never a 500: a check that fails is reported.
Within PUBLISH_STARTUP_GRACE_SECONDS of the web process starting, beat and workers that have not
ticked yet are reported "starting" (200), not down.

Lives in the scheduling app (not core) because what it watches is the publisher: core, the bottom
layer, knows no app above it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import SchedulerHeartbeat
from .heartbeats import BEAT, PUBLISHER, WORKER
from .recovery import missed_posts, stuck_posts


# When this web process started: the start-up grace counts from here (a freshly started stack is
# not reported down before beat's first tick has been run by a worker).
PROCESS_STARTED_AT = timezone.now()


@dataclass
class HealthReport:
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def health_check(*, now=None) -> HealthReport:
    """Every check answers for itself: one that fails (even the database dropping mid-check) is
    reported as an error, never raised."""
    now = now or timezone.now()
    report = HealthReport()
    if not _run(report, "database", _check_database):
        return report  # nothing else can be read
    _run(report, "broker", _check_broker)
    _run(report, "scheduler", lambda r: _check_scheduler(r, now=now))
    _run(report, "backlog", lambda r: _check_backlog(r, now=now))
    return report


def _run(report: HealthReport, name: str, check) -> bool:
    try:
        check(report)
        return report.checks.get(name) != "error"
    except Exception as exc:  # any failure to answer is the answer
        report.checks[name] = "error"
        report.problems.append(f"The {name} check failed ({type(exc).__name__}).")
        return False


def _check_database(report: HealthReport) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report.checks["database"] = "ok"
    except Exception as exc:
        report.checks["database"] = "error"
        report.problems.append(f"The database does not answer ({type(exc).__name__}).")


def _check_broker(report: HealthReport) -> None:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        report.checks["broker"] = "ok"
    except Exception as exc:
        report.checks["broker"] = "error"
        report.problems.append(f"The Celery broker does not answer ({type(exc).__name__}).")


def _check_scheduler(report: HealthReport, *, now) -> None:
    """Three facts told apart: beat ticking (it notes every publishing tick it sends), a worker alive
    (every worker notes it, whatever queues it consumes), and a worker running the ticks (one notes
    every tick it runs). None is reported down within the start-up grace."""
    interval = settings.PUBLISH_INTERVAL_SECONDS
    allowed = timedelta(seconds=3 * interval)
    starting = now - PROCESS_STARTED_AT < timedelta(seconds=settings.PUBLISH_STARTUP_GRACE_SECONDS)
    seen = dict(SchedulerHeartbeat.objects.filter(name__in=(BEAT, PUBLISHER, WORKER)).values_list("name", "last_drained_at"))
    beat, ticks, alive = seen.get(BEAT), seen.get(PUBLISHER), seen.get(WORKER)

    def fresh(moment) -> bool:
        return moment is not None and now - moment <= allowed

    def ago(moment) -> str:
        return "never" if moment is None else f"{int((now - moment).total_seconds())} s ago"

    if fresh(beat) or fresh(ticks):
        report.checks["beat"] = "ok"
    elif starting:
        report.checks["beat"] = "starting"
    else:
        report.checks["beat"] = "error"
        report.problems.append(
            f"Celery beat last sent a publishing tick {ago(beat)} (expected every {interval} s): is celery beat running?"
        )
    if fresh(ticks) or (fresh(alive) and not fresh(beat)):
        report.checks["workers"] = "ok"  # running the ticks, or alive with no tick sent to run
    elif starting:
        report.checks["workers"] = "starting"
    elif fresh(alive):
        report.checks["workers"] = "error"
        report.problems.append(
            f"A Celery worker is alive but none has run a publishing tick since {ago(ticks)} although beat sends them: "
            "does a worker consume the default queue (celery)?"
        )
    else:
        report.checks["workers"] = "error"
        report.problems.append(
            f"No Celery worker is alive (the last one noted it {ago(alive)}; each does every {interval} s): "
            "are the Celery workers running?"
        )
    report.checks["scheduler"] = "error" if "error" in (report.checks["beat"], report.checks["workers"]) else "ok"


def _check_backlog(report: HealthReport, *, now) -> None:
    """Posts overdue beyond the tolerance, or publishing without a heartbeat past the timeout."""
    overdue = missed_posts(now=now).count()
    stuck = stuck_posts(now=now).count()
    if overdue:
        report.problems.append(
            f"{overdue} scheduled post(s) are overdue by more than {settings.PUBLISH_MISSED_TOLERANCE_SECONDS} s: "
            "are the workers running?"
        )
    if stuck:
        report.problems.append(
            f"{stuck} post(s) are publishing without a heartbeat for more than {settings.PUBLISH_HEARTBEAT_TIMEOUT_SECONDS:.0f} s "
            "(their worker stopped); the next dispatch tick settles them."
        )
    report.checks["backlog"] = "error" if overdue or stuck else "ok"


HealthOutput = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "detail": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField()),
        "problems": serializers.ListField(child=serializers.CharField()),
    },
)


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: HealthOutput, 503: HealthOutput}, tags=["operations"])
    def get(self, request):
        try:
            report = health_check()
        except Exception as exc:  # never a 500: whatever failed is the answer
            report = HealthReport(checks={"health": "error"}, problems=[f"The health check failed ({type(exc).__name__})."])
        body = {
            "status": "ok" if report.ok else "unavailable",
            "detail": " ".join(report.problems) or "Postloom is publishing.",
            "checks": report.checks, "problems": report.problems,
        }
        return Response(body, status=status.HTTP_200_OK if report.ok else status.HTTP_503_SERVICE_UNAVAILABLE)
