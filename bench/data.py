"""The bench's own database and data: organizations, members, accounts, and posts loaded with COPY.

The posts table is filled with PostgreSQL's COPY (rows streamed by psycopg), with its secondary
indexes dropped first and rebuilt after (as a bulk load should be), then VACUUMed and ANALYZEd.
Every column of ScheduledPost is written: the ones the bench shapes (organization, account,
caption, times, status) and every other one from its model default, so a column added later needs
no change here.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from urllib.parse import urlsplit

import psycopg

WORDS = {
    "fabric": ["Silk", "Cotton", "Linen", "Chiffon", "Georgette", "Khadi", "Chanderi", "Organza", "Rayon", "Velvet"],
    "item": ["saree", "kurti", "dupatta", "lehenga", "salwar suit", "shirt", "stole", "dhoti", "blouse", "kurta"],
    "offer": ["flat 20% off", "new arrivals", "festive collection", "buy 2 get 1", "clearance sale", "limited stock",
              "wedding edit", "handloom week", "free shipping", "just in"],
}
RARE_WORD = "Kanjivaram"  # in 1 caption of 1,000: a selective search the trigram index must serve
PAST_STATUSES = [("posted", 80), ("failed", 8), ("cancelled", 7), ("draft", 5)]
FUTURE_STATUSES = [("scheduled", 70), ("draft", 20), ("pending", 10)]
PLATFORMS = ["instagram", "facebook", "twitter"]


@dataclass
class OrgData:
    org_id: int
    owner_id: int
    accounts: dict[str, int]  # platform -> account id
    posts: int = 0


@dataclass
class Dataset:
    target: OrgData | None = None
    others: list[OrgData] = field(default_factory=list)
    x_accounts: list[int] = field(default_factory=list)  # fresh X accounts of the target org, for publishing
    sandbox_account: int = 0
    now: datetime = field(default_factory=lambda: datetime.now(dt_timezone.utc))
    load_seconds: float = 0.0
    rows_loaded: int = 0


def admin_dsn(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/postgres").geturl()


def database_recreate(url: str) -> None:
    """Drop and create the bench database (it is the bench's own; nothing else uses it)."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("postloom_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: the bench database name must start with postloom_bench")
    with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def organizations_create(count: int, *, prefix: str) -> list[OrgData]:
    from backend.accounts.models import Membership, Organization, Role, User
    from backend.social.models import SocialAccount

    orgs = []
    for n in range(count):
        org = Organization.objects.create(name=f"{prefix} {n}", timezone="Asia/Kolkata")
        owner = User.objects.create_user(email=f"owner-{prefix.lower().replace(' ', '-')}-{n}@bench.example", password="Bench#2026-pass")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        accounts = {
            platform: SocialAccount.objects.create(
                organization=org, platform=platform, handle=f"@{prefix.lower().replace(' ', '')}{n}{platform}",
                external_id=f"{platform}-{org.pk}", access_token="bench-access-token",
                expires_at=datetime.now(dt_timezone.utc) + timedelta(days=60), connected_by=owner,
            ).pk
            for platform in PLATFORMS
        }
        orgs.append(OrgData(org_id=org.pk, owner_id=owner.pk, accounts=accounts))
    return orgs


def publishing_accounts_create(target: OrgData, *, x_accounts: int) -> tuple[list[int], int]:
    """Fresh X accounts (no history) and a sandbox account in the target organization."""
    from backend.social.models import SocialAccount

    xs = [
        SocialAccount.objects.create(
            organization_id=target.org_id, platform="twitter", handle=f"@benchx{n}", external_id=f"x-{n}",
            access_token=f"bench-x-token-{n}", refresh_token=f"bench-x-refresh-{n}",
            expires_at=datetime.now(dt_timezone.utc) + timedelta(days=60), connected_by_id=target.owner_id,
        ).pk
        for n in range(x_accounts)
    ]
    sandbox = SocialAccount.objects.create(
        organization_id=target.org_id, platform="sandbox", handle="@benchsandbox", connected_by_id=target.owner_id
    ).pk
    return xs, sandbox


def _thresholds(choices: list[tuple[str, int]]) -> list[tuple[float, str]]:
    total = sum(w for _, w in choices)
    acc, out = 0, []
    for value, weight in choices:
        acc += weight
        out.append((acc / total, value))
    return out


def _pick(thresholds: list[tuple[float, str]], r: float) -> str:
    for limit, value in thresholds:
        if r < limit:
            return value
    return thresholds[-1][1]


def _captions(rng: random.Random, count: int = 4096) -> list[str]:
    """A pool of captions; the rare word goes in separately, 1 post in 1,000."""
    return [f"{rng.choice(WORDS['fabric'])} {rng.choice(WORDS['item'])}: {rng.choice(WORDS['offer'])}" for _ in range(count)]


def _column_plan():
    """(column, attname, field, default as COPY gets it) for every concrete non-pk column."""
    from django.db import models

    from backend.scheduling.models import ScheduledPost

    plan = []
    for f in ScheduledPost._meta.concrete_fields:
        if f.primary_key:
            continue
        default = f.get_default() if f.has_default() or not f.null else None
        if isinstance(f, models.JSONField) and default is not None:
            default = json.dumps(default)
        plan.append((f.column, f.attname, f, default))
    return plan


def _post_rows(org: OrgData, count: int, *, now: datetime, seed: int, plan):
    """`count` rows (tuples in `plan` order) of `org`'s posts: 85% in the past year (mostly
    posted), 15% in the next two months (mostly scheduled); never due now (future posts start
    tomorrow), so beat finds nothing to publish."""
    rng = random.Random(seed)
    captions = _captions(rng)
    past, future = _thresholds(PAST_STATUSES), _thresholds(FUTURE_STATUSES)
    index = {attname: i for i, (_, attname, _, _) in enumerate(plan)}
    template = [default for *_, default in plan]
    template[index["organization_id"]] = org.org_id
    template[index["created_by_id"]] = org.owner_id
    accounts = [(platform, org.accounts[platform]) for platform in org.accounts]
    tags = [json.dumps(["#saree", "#handloom"]), "[]", "[]", "[]"]
    i_account, i_platform, i_caption = index["social_account_id"], index["platform"], index["caption"]
    i_time, i_next, i_status, i_posted = index["scheduled_time"], index["next_attempt_at"], index["status"], index["posted_at"]
    i_external, i_created, i_updated, i_tags = index["external_post_id"], index["created_at"], index["updated_at"], index["hashtags"]
    base = now.timestamp()
    utc = dt_timezone.utc
    for n in range(count):
        row = template.copy()
        platform, account = accounts[n % len(accounts)]
        row[i_account], row[i_platform] = account, platform
        caption = captions[n % len(captions)]
        row[i_caption] = f"{RARE_WORD} {caption}" if n % 1000 == 7 else caption
        if rng.random() < 0.85:
            when = base - 3600 - rng.random() * 329 * 86400
            status = _pick(past, rng.random())
        else:
            when = base + 86400 + rng.random() * 59 * 86400
            status = _pick(future, rng.random())
        scheduled = datetime.fromtimestamp(when, utc)
        created = datetime.fromtimestamp(when - 43200 - rng.random() * 19 * 86400, utc)
        row[i_time] = row[i_next] = scheduled
        row[i_status] = status
        row[i_created] = created
        if status == "posted":
            posted = datetime.fromtimestamp(when + 2, utc)
            row[i_posted] = row[i_updated] = posted
            row[i_external] = f"{platform}-{seed}-{n}"
        else:
            row[i_updated] = created
        row[i_tags] = tags[n % 4]
        yield row


def posts_copy(orgs: list[tuple[OrgData, int]], *, now: datetime, seed: int = 1) -> tuple[int, float]:
    """COPY the posts of each (org, count); secondary indexes are dropped first and rebuilt after.
    Returns (rows, seconds)."""
    from django.db import connection

    from backend.scheduling.models import ScheduledPost

    table = ScheduledPost._meta.db_table
    plan = _column_plan()
    columns = ", ".join(f'"{column}"' for column, *_ in plan)
    started = time.monotonic()
    rows = 0
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection Django holds (autocommit)
    with raw.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cur.fetchall()
        # Statistics targets the migrations set on index columns (pg_indexes' definitions omit them).
        cur.execute(
            "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_index i ON i.indexrelid = c.oid WHERE i.indrelid = %s::regclass AND a.attstattarget >= 0",
            [table],
        )
        targets = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        with cur.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for number, (org, count) in enumerate(orgs):
                for row in _post_rows(org, count, now=now, seed=seed * 1000 + number, plan=plan):
                    copy.write_row(row)
                rows += count
                org.posts += count
        for _, definition in indexes:
            cur.execute(definition)
        for name, column, target in targets:
            cur.execute(f'ALTER INDEX "{name}" ALTER COLUMN {column} SET STATISTICS {target}')
        # As autovacuum would have by the time such a table serves requests: statistics, and the
        # visibility map that lets a capped count be an index-only scan.
        cur.execute(f'VACUUM (ANALYZE) "{table}"')
    return rows, time.monotonic() - started


def dataset_build(*, target_posts: int, other_orgs: int, posts_per_other: int, x_accounts: int, on_target_loaded=None) -> Dataset:
    """The target organization with `target_posts` posts first (`on_target_loaded(dataset)` is
    called then, to measure a table that holds only them), then the other organizations."""
    data = Dataset()
    data.target = organizations_create(1, prefix="Bench Silks")[0]
    data.x_accounts, data.sandbox_account = publishing_accounts_create(data.target, x_accounts=x_accounts)
    rows, seconds = posts_copy([(data.target, target_posts)], now=data.now, seed=1)
    data.rows_loaded, data.load_seconds = rows, seconds
    if on_target_loaded is not None:
        on_target_loaded(data)
    if other_orgs:
        data.others = organizations_create(other_orgs, prefix="Other Shop")
        rows, seconds = posts_copy([(org, posts_per_other) for org in data.others], now=data.now, seed=2)
        data.rows_loaded += rows
        data.load_seconds += seconds
    return data
