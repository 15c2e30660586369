"""Is Postloom able to publish? The database answers, the broker answers, beat is draining.

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
from .publishing import HEARTBEAT_NAME
from .recovery import missed_posts, stuck_posts


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
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        report.checks["broker"] = "ok"
    except Exception as exc:
        report.checks["broker"] = "error"
        report.problems.append(f"The Celery broker does not answer ({type(exc).__name__}).")


def _check_scheduler(report: HealthReport) -> None:
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
        report = health_check()
        body = {
            "status": "ok" if report.ok else "unavailable",
            "detail": " ".join(report.problems) or "Postloom is publishing.",
            "checks": report.checks, "problems": report.problems,
        }
        return Response(body, status=status.HTTP_200_OK if report.ok else status.HTTP_503_SERVICE_UNAVAILABLE)
