"""Weekly posting slots and the queue: a queued post takes the account's next free slot.

Slots are wall-clock times in the account's timezone ("Friday 09:00 in Asia/Kolkata"), so a 09:00
slot stays 09:00 local across a daylight-saving change: each occurrence is computed from the local
date and time, then converted to UTC. A slot that falls in a spring-forward gap (02:30 on the
night clocks jump from 02:00 to 03:00) does not exist that day and is skipped; a slot in the
repeated autumn hour is taken at its first occurrence (fold=0).

Taking a slot is atomic: the account's `PostingSchedule` row is locked (`SELECT ... FOR UPDATE`)
while the next free slot is found and the post is written, so two concurrent requests queue one
after the other and never get the same slot.
"""
from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import MANAGER_ROLES, User
from backend.accounts.permissions import require_role
from backend.core.exceptions import Conflict
from backend.social.models import SocialAccount

from .models import PostingSchedule, ScheduledPost

UTC = dt_timezone.utc
Status = ScheduledPost.Status
# Posts that occupy their slot. A failed or cancelled post frees it.
LIVE_STATUSES = (Status.DRAFT, Status.PENDING, Status.SCHEDULED, Status.PUBLISHING, Status.POSTED)
# How far ahead a free slot is looked for before giving up (`no_free_slot`).
SEARCH_DAYS = 366
# A queued post is never due sooner than this (time to approve or edit it).
MIN_LEAD = timedelta(minutes=1)


class NoSlots(Conflict):
    default_detail = "This account has no posting slots: set them with PUT /api/social/accounts/{id}/slots/."
    default_code = "no_slots"


class NoFreeSlot(Conflict):
    default_detail = "Every posting slot of this account in the next year is taken."
    default_code = "no_free_slot"


def parse_slot_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def exists_locally(local: datetime) -> bool:
    """False for a wall-clock time inside a spring-forward gap (it never shows on a clock)."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def slot_times(*, timezone_name: str, slots: list[dict], after: datetime, days: int = SEARCH_DAYS) -> Iterator[datetime]:
    """The slots' occurrences strictly after `after`, in order, as aware UTC datetimes."""
    zone = zoneinfo.ZoneInfo(timezone_name)
    by_weekday: dict[int, list[time]] = {}
    for slot in slots:
        by_weekday.setdefault(int(slot["weekday"]), []).append(parse_slot_time(slot["time"]))
    if not by_weekday:
        return
    day: date = after.astimezone(zone).date()
    for _ in range(days + 1):
        for at in sorted(set(by_weekday.get(day.weekday(), ()))):
            local = datetime.combine(day, at, tzinfo=zone)
            if not exists_locally(local):
                continue
            moment = local.astimezone(UTC)
            if moment > after:
                yield moment
        day += timedelta(days=1)


def taken_times(*, social_account: SocialAccount, after: datetime, exclude_post_id: int | None = None) -> set[datetime]:
    posts = ScheduledPost.objects.filter(social_account=social_account, status__in=LIVE_STATUSES, scheduled_time__gt=after)
    if exclude_post_id is not None:
        posts = posts.exclude(pk=exclude_post_id)
    return {moment.astimezone(UTC) for moment in posts.values_list("scheduled_time", flat=True)}


def slot_next_free(*, social_account: SocialAccount, after: datetime | None = None) -> datetime:
    """The first slot after `after` (default: now) not taken by another live post of the account."""
    if after is None:
        after = timezone.now() + MIN_LEAD
    schedule = PostingSchedule.objects.filter(social_account=social_account).first()
    if schedule is None or not schedule.slots:
        raise NoSlots()
    taken = taken_times(social_account=social_account, after=after)
    for moment in slot_times(timezone_name=schedule.timezone, slots=schedule.slots, after=after):
        if moment not in taken:
            return moment
    raise NoFreeSlot()


@transaction.atomic
def slot_take(*, social_account: SocialAccount) -> tuple[datetime, str]:
    """Lock the account's slots and return its next free slot (UTC) and the slots' timezone.

    Call inside the transaction that writes the post, so the lock is held until it commits.
    """
    schedule = PostingSchedule.objects.select_for_update().filter(social_account=social_account).first()
    if schedule is None or not schedule.slots:
        raise NoSlots()
    return slot_next_free(social_account=social_account, after=timezone.now() + MIN_LEAD), schedule.timezone


@transaction.atomic
def slots_set(*, by: User, social_account: SocialAccount, timezone_name: str, slots: list[dict]) -> PostingSchedule:
    """Replace the account's weekly slots (owners and admins; duplicates dropped, sorted)."""
    require_role(by, social_account.organization_id, MANAGER_ROLES, action="manage posting slots")
    unique = sorted({(int(slot["weekday"]), str(slot["time"])) for slot in slots})
    schedule, _ = PostingSchedule.objects.select_for_update().get_or_create(
        social_account=social_account, defaults={"timezone": timezone_name}
    )
    schedule.timezone = timezone_name
    schedule.slots = [{"weekday": weekday, "time": at} for weekday, at in unique]
    schedule.save()
    return schedule


def slots_of(*, social_account: SocialAccount) -> PostingSchedule:
    """The account's slots; an account without any shows its organization's timezone and none."""
    schedule = PostingSchedule.objects.filter(social_account=social_account).first()
    if schedule is None:
        schedule = PostingSchedule(social_account=social_account, timezone=social_account.organization.timezone or "UTC", slots=[])
    return schedule
