"""Recurring posts: a series defined by an RFC 5545 RRULE, materialised as ordinary posts.

The rule is read by python-dateutil's `rrulestr` with `dtstart` as an aware *local* time in the
series' timezone, so occurrences keep their wall-clock time across DST changes (a 09:00 series is
09:00 local in winter and in summer); each occurrence's UTC instant is its identity
(`ScheduledPost.occurrence_time`). Supported: FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL,
BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, COUNT and UNTIL (a local UNTIL without `Z` is read in the
series' timezone); finer frequencies are refused.

Beat's `scheduling.materialise_series` creates the posts of the occurrences within
SERIES_HORIZON_DAYS. Each becomes a post through `post_create`, so it is checked, approved and
published exactly like any other post. A unique constraint on (series, occurrence_time) makes a
second beat (or a concurrent run) unable to create an occurrence twice: its insert fails inside a
savepoint and is skipped.

Editing a series changes future occurrences only (posts still waiting: draft, pending,
scheduled); cancelling it cancels those, and keeps everything that was already published.
"""
from __future__ import annotations

import logging
import re
import zoneinfo
from datetime import datetime, timedelta, timezone as dt_timezone

from dateutil.rrule import rrule, rrulestr
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import WRITER_ROLES, User
from backend.assets.models import MediaAsset
from backend.accounts.permissions import require_role
from backend.core.exceptions import DomainError, ValidationFailed
from backend.social.models import SocialAccount

from . import services
from .models import PostSeries, ScheduledPost
from .transitions import InvalidTransition, Status, transition

logger = logging.getLogger(__name__)

UTC = dt_timezone.utc
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WAITING_STATUSES = (Status.DRAFT, Status.PENDING, Status.SCHEDULED)
CONTENT_FIELDS = ("caption", "hashtags", "asset", "first_comment")
SCHEDULE_FIELDS = ("rrule", "dtstart", "timezone")
UNTIL = re.compile(r"UNTIL=([0-9T]+)(Z?)", re.IGNORECASE)


def _localise_until(rule: str, zone: zoneinfo.ZoneInfo) -> str:
    """A local UNTIL (no `Z`) is a wall-clock time in the series' zone: make it UTC for dateutil."""

    def replace(match: re.Match) -> str:
        value, utc = match.groups()
        if utc:
            return match.group(0)
        text = value if "T" in value.upper() else value + "T235959"
        local = datetime.strptime(text.upper(), "%Y%m%dT%H%M%S").replace(tzinfo=zone)
        return "UNTIL=" + local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return UNTIL.sub(replace, rule)


def rule_build(*, rule: str, dtstart: datetime, timezone_name: str) -> rrule:
    """The rule as a dateutil rrule over aware local times, or ValidationError({"rrule": ...})."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = {}
    for item in text.split(";"):
        key, _, value = item.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValidationFailed({"rrule": [f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}."]})
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValidationFailed({"rrule": ["COUNT and UNTIL cannot both be given (RFC 5545)."]})
    if "DTSTART" in text.upper():
        raise ValidationFailed({"rrule": ["Give the start as `dtstart`, not inside the rule."]})
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or not 1 <= int(parts["COUNT"]) <= 1000):
        raise ValidationFailed({"rrule": ["COUNT must be between 1 and 1000."]})
    zone = zoneinfo.ZoneInfo(timezone_name)
    local_start = dtstart.astimezone(zone)
    try:
        parsed = rrulestr(_localise_until(text, zone), dtstart=local_start)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ValidationFailed({"rrule": [f"This is not a valid RFC 5545 RRULE: {exc}"]}) from None
    if not isinstance(parsed, rrule):
        raise ValidationFailed({"rrule": ["Give one RRULE."]})
    return parsed


def occurrences(*, series: PostSeries, after: datetime, until: datetime) -> list[datetime]:
    """The series' occurrences in (after, until], as UTC instants."""
    rule = rule_build(rule=series.rrule, dtstart=series.dtstart, timezone_name=series.timezone)
    zone = zoneinfo.ZoneInfo(series.timezone)
    found = rule.between(after.astimezone(zone), until.astimezone(zone), inc=True)
    return sorted({moment.astimezone(UTC) for moment in found if after < moment <= until})


def upcoming(*, series: PostSeries, count: int = 5) -> list[datetime]:
    rule = rule_build(rule=series.rrule, dtstart=series.dtstart, timezone_name=series.timezone)
    moment = timezone.now().astimezone(zoneinfo.ZoneInfo(series.timezone))
    result = []
    for _ in range(count):
        moment = rule.after(moment)
        if moment is None:
            break
        result.append(moment.astimezone(UTC))
    return result


# --- Writes ---------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    by: User,
    social_account: SocialAccount,
    rrule: str,
    dtstart: datetime,
    timezone_name: str,
    caption: str = "",
    hashtags: list[str] | None = None,
    asset: MediaAsset | None = None,
    first_comment: str = "",
    organization=None,
) -> PostSeries:
    hashtags = hashtags or []
    organization = services.check_targets(organization=organization, social_account=social_account, asset=asset)
    require_role(by, organization.pk, WRITER_ROLES, action="create series")
    services.check_content(social_account=social_account, caption=caption, hashtags=hashtags, asset=asset)
    rule_build(rule=rrule, dtstart=dtstart, timezone_name=timezone_name)
    series = PostSeries.objects.create(
        organization=organization, social_account=social_account, caption=caption, hashtags=hashtags, asset=asset,
        first_comment=first_comment, rrule=rrule.strip(), dtstart=dtstart, timezone=timezone_name, created_by=by,
    )
    series_materialise(series=series)
    return series


@transaction.atomic
def series_update(*, series: PostSeries, by: User, **changes) -> PostSeries:
    """Change the series and its future occurrences; what is published or past stays as it was."""
    series = PostSeries.objects.select_for_update().get(pk=series.pk)
    require_role(by, series.organization_id, WRITER_ROLES, action="edit series")
    if series.status != PostSeries.Status.ACTIVE:
        raise InvalidTransition(current=series.status, to=series.status, detail="A cancelled series cannot be edited.")
    for name, value in changes.items():
        setattr(series, name, value)
    services.check_targets(organization=series.organization, social_account=series.social_account, asset=series.asset)
    services.check_content(social_account=series.social_account, caption=series.caption, hashtags=series.hashtags, asset=series.asset)
    rule_build(rule=series.rrule, dtstart=series.dtstart, timezone_name=series.timezone)
    series.save()

    now = timezone.now()
    future = list(series.posts.select_for_update().filter(scheduled_time__gt=now, status__in=WAITING_STATUSES))
    keep = None
    if any(name in changes for name in SCHEDULE_FIELDS):
        horizon = max([post.scheduled_time for post in future] + [now + timedelta(days=settings.SERIES_HORIZON_DAYS)])
        keep = set(occurrences(series=series, after=now, until=horizon))
    content = {name: getattr(series, name) for name in CONTENT_FIELDS if name in changes}
    for post in future:
        if keep is not None and post.occurrence_time not in keep:
            _cancel(post, code="series_changed", message="The series' schedule changed: this occurrence is no longer in it.")
            # Detached from its occurrence, so the new rule may use that instant again.
            ScheduledPost.objects.filter(pk=post.pk).update(occurrence_time=None)
        elif content:
            services.post_update(post=post, by=by, **content)
    series_materialise(series=series)
    return series


@transaction.atomic
def series_cancel(*, series: PostSeries, by: User) -> PostSeries:
    """Stop the series: its future occurrences are cancelled (kept as cancelled), the past stays."""
    series = PostSeries.objects.select_for_update().get(pk=series.pk)
    require_role(by, series.organization_id, WRITER_ROLES, action="cancel series")
    series.status = PostSeries.Status.CANCELLED
    series.save(update_fields=["status", "updated_at"])
    for post in series.posts.select_for_update().filter(scheduled_time__gt=timezone.now(), status__in=WAITING_STATUSES):
        _cancel(post, code="series_cancelled", message=f"The series was cancelled by {by.email}.")
    return series


def _cancel(post: ScheduledPost, *, code: str, message: str) -> None:
    transition(post, to=Status.CANCELLED)
    post.error_code = code
    post.error_message = message
    post.save(update_fields=["status", "error_code", "error_message", "updated_at"])


def series_materialise(*, series: PostSeries, now: datetime | None = None) -> list[ScheduledPost]:
    """Create the posts of the series' occurrences up to the horizon that do not exist yet."""
    now = now or timezone.now()
    if series.status != PostSeries.Status.ACTIVE:
        return []
    horizon = now + timedelta(days=settings.SERIES_HORIZON_DAYS)
    existing = set(series.posts.exclude(occurrence_time=None).values_list("occurrence_time", flat=True))
    existing = {moment.astimezone(UTC) for moment in existing}
    created = []
    for moment in occurrences(series=series, after=now, until=horizon):
        if moment in existing:
            continue
        try:
            with transaction.atomic():  # a savepoint: a duplicate from another beat rolls back alone
                created.append(
                    services.post_create(
                        by=series.created_by, social_account=series.social_account, organization=series.organization,
                        scheduled_time=moment, caption=series.caption, hashtags=list(series.hashtags), asset=series.asset,
                        timezone_name=series.timezone, first_comment=series.first_comment, series=series, occurrence_time=moment,
                    )
                )
        except IntegrityError:
            continue  # another run created this occurrence first
        except DomainError as exc:  # e.g. the account was disconnected or the author left
            logger.warning("Series %s: occurrence %s not created: %s", series.pk, moment.isoformat(), exc)
            break
    PostSeries.objects.filter(pk=series.pk).update(materialised_until=horizon)
    return created


def series_materialise_due(*, now: datetime | None = None) -> int:
    """Beat's task: materialise every active series (one bad series does not stop the others)."""
    created = 0
    for series in PostSeries.objects.filter(status=PostSeries.Status.ACTIVE).select_related("social_account", "organization", "created_by", "asset"):
        try:
            with transaction.atomic():
                created += len(series_materialise(series=series, now=now))
        except Exception:
            logger.exception("Could not materialise series %s", series.pk)
    return created
