"""Best times to post for one account, from its own past engagement.

Each posted post counts once: its latest successful metrics reading gives its engagement
(likes + comments + shares). A post's score is its engagement divided by the account's mean
engagement over the same posts (1.0 = a typical post of this account), so a viral outlier or an
account's size does not decide alone. Posts are grouped by the weekday and hour they went out, in
the account's timezone (its posting slots' timezone, else its organization's); a slot's score is
the mean of its posts' scores shrunk towards 1.0 by PRIOR_POSTS imaginary typical posts, so one
lucky post does not outrank a slot that did well ten times. Slots are ranked by score, then by
how many posts back them.

Fallback: with fewer than BEST_TIMES_MIN_POSTS posts that have metrics (or no engagement at all),
`fallback` is true and the slots are FALLBACK_SLOTS, general defaults for small retail shops
(weekday late mornings and early evenings, local time), ranked in that order with `posts` 0.
"""
from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from backend.social.models import SocialAccount

from .models import PostingSchedule, PostMetrics, ScheduledPost

PRIOR_POSTS = 2
MAX_POSTS = 1000
# (weekday Monday=0, hour): the documented fallback, best first.
FALLBACK_SLOTS = [(1, 11), (2, 11), (3, 11), (4, 18), (3, 19), (1, 19), (0, 12), (5, 10), (2, 18), (6, 19)]


@dataclass(frozen=True)
class BestSlot:
    weekday: int
    hour: int
    score: float
    posts: int


@dataclass(frozen=True)
class BestTimes:
    social_account: int
    timezone: str
    based_on_posts: int
    fallback: bool
    slots: list[BestSlot]


def account_timezone(account: SocialAccount) -> str:
    schedule = PostingSchedule.objects.filter(social_account=account).only("timezone").first()
    return (schedule.timezone if schedule else "") or account.organization.timezone or "UTC"


def post_engagements(account: SocialAccount) -> dict[int, tuple]:
    """post id → (posted_at, engagement) from each posted post's latest successful reading."""
    posts = dict(
        ScheduledPost.objects.filter(social_account=account, status=ScheduledPost.Status.POSTED, posted_at__isnull=False)
        .order_by("-posted_at").values_list("pk", "posted_at")[:MAX_POSTS]
    )
    found: dict[int, tuple] = {}
    readings = (
        PostMetrics.objects.filter(post_id__in=list(posts), error_code="")
        .order_by("post_id", "-fetched_at", "-id").values_list("post_id", "likes", "comments", "shares")
    )
    for post_id, likes, comments, shares in readings:
        if post_id not in found:
            found[post_id] = (posts[post_id], (likes or 0) + (comments or 0) + (shares or 0))
    return found


def best_times(*, social_account: SocialAccount, limit: int = 5) -> BestTimes:
    zone_name = account_timezone(social_account)
    engagements = post_engagements(social_account)
    total = sum(value for _, value in engagements.values())
    if len(engagements) < settings.BEST_TIMES_MIN_POSTS or total <= 0:
        slots = [BestSlot(weekday, hour, round(1.0 - rank / 100, 2), 0) for rank, (weekday, hour) in enumerate(FALLBACK_SLOTS)]
        return BestTimes(social_account.pk, zone_name, len(engagements), True, slots[:limit])
    mean = total / len(engagements)
    zone = zoneinfo.ZoneInfo(zone_name)
    buckets: dict[tuple[int, int], list[float]] = defaultdict(list)
    for posted_at, value in engagements.values():
        local = posted_at.astimezone(zone)
        buckets[(local.weekday(), local.hour)].append(value / mean)
    slots = [
        BestSlot(weekday, hour, round((sum(scores) + PRIOR_POSTS) / (len(scores) + PRIOR_POSTS), 3), len(scores))
        for (weekday, hour), scores in buckets.items()
    ]
    slots.sort(key=lambda slot: (-slot.score, -slot.posts, slot.weekday, slot.hour))
    return BestTimes(social_account.pk, zone_name, len(engagements), False, slots[:limit])
