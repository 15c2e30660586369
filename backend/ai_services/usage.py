"""Monthly AI usage limits per organization, enforced in the database.

    event = usage_reserve(organization=org, operation=Operation.CAPTION, user=user)  # or 429
    try:
        result = call_the_provider()
    except Exception as exc:
        usage_release(event=event, outcome=UsageEvent.Outcome.FAILED, error=str(exc))
        raise
    usage_settle(event=event, provider=result.provider, model=result.model, usage=result.usage)

A unit is reserved with one conditional UPDATE (`used = used + 1 WHERE used < limit`): the
database serialises concurrent updates of the row and re-checks the condition, so concurrent
requests can never take more units than the plan allows, on SQLite and PostgreSQL alike. The
limits come from settings.AI_PLANS (env AI_PLANS_JSON), keyed by Organization.plan.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from backend.core.exceptions import RateLimited, ServiceUnavailable

from backend.accounts.models import Organization, User
from backend.accounts.webhooks import webhook_emit

from .models import Operation, UsageCounter, UsageEvent
from .providers.base import Usage


class PlanNotConfigured(ServiceUnavailable):
    """The organization's plan has no limits in settings.AI_PLANS: a server misconfiguration."""

    default_code = "ai_plan_not_configured"

    def __init__(self, plan: str, operation: str) -> None:
        super().__init__(
            detail=f"AI limits for plan {plan!r} and operation {operation!r} are not configured (AI_PLANS).",
            code=self.default_code,
        )


@dataclass(frozen=True)
class Quota:
    operation: str
    limit: int | None  # None: unlimited
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def seconds_to_reset(self, now: datetime | None = None) -> int:
        return max(math.ceil((self.resets_at - (now or timezone.now())).total_seconds()), 0)

    def as_dict(self) -> dict:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining, "resets_at": self.resets_at}

    def headers(self) -> dict[str, str]:
        """RateLimit-* headers (IETF draft fields: limit, remaining, delta-seconds to reset)."""
        if self.limit is None:
            return {}
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.seconds_to_reset()),
        }


class UsageLimitExceeded(RateLimited):
    default_code = "usage_limit_exceeded"

    def __init__(self, quota: Quota) -> None:
        super().__init__(
            detail=(
                f"Your plan allows {quota.limit} {quota.operation} generations per month and all of them are used; "
                f"the limit resets at {quota.resets_at.isoformat()}."
            ),
            code=self.default_code,
            # The contract's 429 body and headers (backend.core.exceptions.exception_handler adds them).
            extra={
                "operation": quota.operation,
                "limit": quota.limit,
                "used": quota.used,
                "resets_at": quota.resets_at.isoformat().replace("+00:00", "Z"),
            },
            headers={"Retry-After": str(quota.seconds_to_reset()), **quota.headers()},
        )
        self.quota = quota


def period_start(now: datetime | None = None) -> date:
    now = (now or timezone.now()).astimezone(dt_timezone.utc)
    return date(now.year, now.month, 1)


def period_end(start: date) -> datetime:
    """When the period that starts on `start` ends: the first instant of the next month, UTC."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return datetime(year, month, 1, tzinfo=dt_timezone.utc)


def plan_limit(*, organization: Organization, operation: str) -> int | None:
    limits = settings.AI_PLANS.get(organization.plan)
    if not isinstance(limits, dict) or operation not in limits:
        raise PlanNotConfigured(organization.plan, operation)
    return limits[operation]


def _counter(*, organization: Organization, operation: str, start: date) -> UsageCounter:
    """The period's counter row, created on first use. Two requests may both try to create it:
    the loser's INSERT hits the unique constraint and it reads the winner's row instead."""
    for _ in range(3):
        try:
            with transaction.atomic():  # a savepoint, so the IntegrityError leaves the outer transaction usable
                counter, _created = UsageCounter.objects.get_or_create(
                    organization=organization, operation=operation, period_start=start
                )
            return counter
        except IntegrityError:
            continue
    return UsageCounter.objects.get(organization=organization, operation=operation, period_start=start)


def usage_quota(*, organization: Organization, operation: str, now: datetime | None = None) -> Quota:
    """The current period's numbers for one operation (nothing is written)."""
    start = period_start(now)
    used = (
        UsageCounter.objects.filter(organization=organization, operation=operation, period_start=start)
        .values_list("used", flat=True)
        .first()
    )
    return Quota(
        operation=operation,
        limit=plan_limit(organization=organization, operation=operation),
        used=used or 0,
        resets_at=period_end(start),
    )


@transaction.atomic
def usage_reserve(*, organization: Organization, operation: str, user: User | None) -> UsageEvent:
    """Take one unit of `operation` for this month, or raise UsageLimitExceeded (429).

    Returns the ledger event (outcome `reserved`) to settle or release afterwards."""
    operation = Operation(operation)
    limit = plan_limit(organization=organization, operation=operation)
    start = period_start()
    counter = _counter(organization=organization, operation=operation, start=start)
    rows = UsageCounter.objects.filter(pk=counter.pk)
    if limit is not None:
        rows = rows.filter(used__lt=limit)
    if rows.update(used=F("used") + 1, updated_at=timezone.now()) != 1:
        used = UsageCounter.objects.filter(pk=counter.pk).values_list("used", flat=True).get()
        raise UsageLimitExceeded(Quota(operation=operation, limit=limit, used=used, resets_at=period_end(start)))
    if limit is not None and UsageCounter.objects.filter(pk=counter.pk, used=limit).exists():
        # This unit was the last one of the period: tell the organization's webhooks, once per fill-up.
        webhook_emit(organization_id=organization.pk, event="usage.limit_reached", data={
            "operation": str(operation), "limit": limit, "used": limit, "resets_at": period_end(start).isoformat(),
        })
    return UsageEvent.objects.create(
        organization=organization, user=user, operation=operation, period_start=start, outcome=UsageEvent.Outcome.RESERVED
    )


@transaction.atomic
def usage_release(*, event: UsageEvent, outcome: str = UsageEvent.Outcome.FAILED, error: str = "") -> bool:
    """Give a reserved unit back (the call failed, or its input was rejected). Releasing twice
    is harmless: only the first call, which moves the event out of `reserved`, gives a unit back."""
    if outcome not in (UsageEvent.Outcome.FAILED, UsageEvent.Outcome.REFUNDED):
        raise ValueError(f"A released event ends as failed or refunded, not {outcome!r}")
    claimed = UsageEvent.objects.filter(pk=event.pk, outcome=UsageEvent.Outcome.RESERVED).update(
        outcome=outcome, error=error[:2000], finished_at=timezone.now()
    )
    if claimed:
        UsageCounter.objects.filter(
            organization_id=event.organization_id, operation=event.operation, period_start=event.period_start, used__gt=0
        ).update(used=F("used") - 1, updated_at=timezone.now())
    event.refresh_from_db()
    return bool(claimed)


def usage_settle(*, event: UsageEvent, provider: str, model: str = "", usage: Usage | None = None) -> UsageEvent:
    """Record a successful call on its reservation: the unit stays used."""
    event.outcome = UsageEvent.Outcome.SUCCEEDED
    event.provider = provider[:32]
    event.model = (model or "")[:100]
    if usage is not None and usage.total_tokens:
        event.prompt_tokens, event.completion_tokens, event.total_tokens = (
            usage.prompt_tokens, usage.completion_tokens, usage.total_tokens,
        )
    event.finished_at = timezone.now()
    event.save(update_fields=["outcome", "provider", "model", "prompt_tokens", "completion_tokens", "total_tokens", "finished_at"])
    return event


def usage_summary(*, organization: Organization) -> dict:
    """GET /api/usage/: the plan and, per operation, {limit, used, remaining, resets_at}."""
    body: dict = {"organization": organization.pk, "plan": organization.plan}
    for operation in Operation.values:
        body[operation] = usage_quota(organization=organization, operation=operation).as_dict()
    return body
