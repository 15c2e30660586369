"""Figures measured inside the bench process: list and analytics requests through the whole Django
stack (middleware, JWT, DRF), the dispatch tick, one sandbox publish, and EXPLAIN of the queries.

Each figure and its baseline are timed in interleaved rounds (baseline, figure, baseline, ...), so
a burst of load from the other processes on the machine falls on both; the median is reported.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone as dt_timezone

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

POSTS_TABLE = "scheduling_scheduledpost"


@dataclass
class Timed:
    name: str
    url: str
    samples: list[float] = field(default_factory=list)
    statements: int = 0
    plans: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def ms(self) -> float:
        return statistics.median(self.samples) * 1000 if self.samples else float("nan")


def access_token(user_id: int) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    from backend.accounts.models import User

    return str(RefreshToken.for_user(User.objects.get(pk=user_id)).access_token)


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        verb = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)" if sql.lstrip().upper().startswith("SELECT") else "EXPLAIN (COSTS OFF)"
        cursor.execute(f"{verb} {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def rows_read_beyond_result(sql: str) -> tuple[int, str]:
    """Rows a statement read and threw away (`Rows Removed by Filter` and `by Index Recheck`, summed
    over its plan), from EXPLAIN ANALYZE run in a transaction rolled back; and the plan's scans."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return sum(int(n) for n in re.findall(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", plan)), plan


def plan_uses_index(plan: str) -> bool:
    return f"Seq Scan on {POSTS_TABLE}" not in plan and "Index" in plan


def requests_time(client: Client, token: str, figures: list[Timed], *, rounds: int, warmup: int = 2) -> None:
    """Time each figure's GET in interleaved rounds; record statements and the posts queries' plans."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for figure in figures:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(figure.url, **headers)
            if response.status_code != 200:
                raise SystemExit(f"{figure.name}: GET {figure.url} answered {response.status_code}: {response.content[:300]!r}")
            body = response.json()
            figure.rows = len(body.get("results", [])) if isinstance(body, dict) else 0
            figure.statements = len(queries.captured_queries)
            figure.plans = [_explain(q["sql"]) for q in queries.captured_queries if POSTS_TABLE in q["sql"]]
        for round_number in range(warmup + rounds):
            for figure in figures:
                started = time.perf_counter()
                response = client.get(figure.url, **headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200
                if round_number >= warmup:
                    figure.samples.append(elapsed)


def deep_cursor(*, org_id: int, position: int) -> str:
    """The cursor a client holds after paging `position` rows into the organization's list."""
    from backend.core.pagination import encode_cursor
    from backend.scheduling.models import ScheduledPost

    row = ScheduledPost.objects.filter(organization_id=org_id).order_by("scheduled_time", "id")[position - 1]
    return encode_cursor(row, ["scheduled_time", "id"], backwards=False)


def list_figures(*, org_id: int, deep: int, page: int) -> list[Timed]:
    cursor = deep_cursor(org_id=org_id, position=deep)
    base = "/api/schedule/?page_size=50"
    return [
        Timed("bare .values() view (baseline)", "/bench/bare/?page_size=50"),
        Timed("list, 50 rows", base),
        Timed("list ?cursor= (first page)", f"{base}&cursor="),
        Timed("list ?search=silk", f"{base}&search=silk"),
        Timed("list ?search=silk&cursor=", f"{base}&search=silk&cursor="),
        Timed("list ?search=kanjivaram (rare)", f"{base}&search=kanjivaram"),
        Timed("list ?search=kanjivaram&cursor=", f"{base}&search=kanjivaram&cursor="),
        Timed("list ?status=scheduled&ordering=-scheduled_time", f"{base}&status=scheduled&ordering=-scheduled_time"),
        Timed("list ?platform=instagram", f"{base}&platform=instagram"),
        Timed(f"list ?page={page} (offset)", f"{base}&page={page}"),
        Timed(f"list ?cursor= at row {deep:,}", f"{base}&cursor={cursor}"),
    ]


# --- Analytics -----------------------------------------------------------------------------------
GROUP_BY_SQL = f"""
SELECT (scheduled_time AT TIME ZONE 'UTC')::date AS day, platform, status, COUNT(*)
FROM {POSTS_TABLE}
WHERE organization_id = %s AND scheduled_time >= %s AND scheduled_time < %s
GROUP BY 1, 2, 3
"""


def analytics_figures(client: Client, token: str, *, org_id: int, rounds: int) -> tuple[Timed, Timed]:
    today = datetime.now(dt_timezone.utc).date()
    start = today - timedelta(days=365)
    api = Timed("analytics, 366 days", f"/api/schedule/analytics/?date_from={start}&date_to={today}")
    bare = Timed("hand-written GROUP BY (baseline)", "")
    low = datetime.combine(start, datetime.min.time(), tzinfo=dt_timezone.utc)
    high = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=dt_timezone.utc)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(api.url, **headers)
    assert response.status_code == 200, response.content[:300]
    api.statements = len(queries.captured_queries)
    api.plans = [_explain(q["sql"]) for q in queries.captured_queries if POSTS_TABLE in q["sql"]]
    api.rows = response.json()["total_posts"]
    for round_number in range(2 + rounds):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY_SQL, [org_id, low, high])
            rows = cursor.fetchall()
        bare_elapsed = time.perf_counter() - started
        started = time.perf_counter()
        response = client.get(api.url, **headers)
        api_elapsed = time.perf_counter() - started
        if round_number >= 2:
            bare.samples.append(bare_elapsed)
            api.samples.append(api_elapsed)
    bare.rows = sum(row[3] for row in rows)
    if bare.rows != api.rows:
        raise SystemExit(f"analytics counted {api.rows} posts, the GROUP BY {bare.rows}")
    return api, bare


# --- Dispatch tick -----------------------------------------------------------------------------
def _due_posts(*, account_id: int, org_id: int, owner_id: int, count: int, due: datetime, caption: str) -> list[int]:
    from backend.scheduling.models import ScheduledPost

    rows = [
        ScheduledPost(
            organization_id=org_id, social_account_id=account_id, platform="sandbox", caption=f"{caption} {n}",
            scheduled_time=due, next_attempt_at=due, status=ScheduledPost.Status.SCHEDULED, created_by_id=owner_id,
        )
        for n in range(count)
    ]
    return [post.pk for post in ScheduledPost.objects.bulk_create(rows)]


def tick_figures(dataset, *, missed: int, repeats: int) -> tuple[Timed, Timed, str, list[tuple[int, str]]]:
    """A normal tick (nothing due) and a tick after a 2 h outage (`missed` posts due 2 h ago);
    returns both, the plan of the tick's hand-out query, and for each statement of the normal
    tick the rows it read for nothing with its plan (a tick with nothing due should read next
    to nothing, however many posts are scheduled)."""
    from backend.scheduling.publishing import posts_dispatch_due

    normal = Timed("dispatch tick, nothing due (baseline)", "")
    outage = Timed(f"dispatch tick after a 2 h outage ({missed} missed posts)", "")
    plan = ""
    for repeat in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            posts_dispatch_due()
            normal.samples.append(time.perf_counter() - started)
        normal.statements = len(queries.captured_queries)
        if not repeat:
            wasted = [rows_read_beyond_result(q["sql"]) for q in queries.captured_queries
                      if q["sql"].lstrip().upper().startswith(("SELECT", "UPDATE", "WITH"))]
        if not plan:
            hand_out = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
            plan = _explain(hand_out[0].replace("FOR UPDATE SKIP LOCKED", "")) if hand_out else "(no hand-out query seen)"
        _due_posts(
            account_id=dataset.sandbox_account, org_id=dataset.target.org_id, owner_id=dataset.target.owner_id,
            count=missed, due=datetime.now(dt_timezone.utc) - timedelta(hours=2), caption=f"missed {repeat}",
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            posts_dispatch_due()
            outage.samples.append(time.perf_counter() - started)
        outage.statements = len(queries.captured_queries)
    return outage, normal, plan, wasted


# --- One publish on the sandbox ------------------------------------------------------------------
def publish_figures(dataset, *, count: int) -> tuple[Timed, Timed, str]:
    """`post_publish` of sandbox posts against five plain statements doing the same writes
    (claim, attempt, publication, attempt outcome, post outcome); and the claim's plan."""
    from backend.scheduling.models import PublishAttempt, ScheduledPost
    from backend.scheduling.publishing import post_publish

    try:
        from backend.scheduling.models import SandboxPublication
    except ImportError:
        from backend.social.models import SandboxPublication

    org, owner = dataset.target.org_id, dataset.target.owner_id
    due = datetime.now(dt_timezone.utc) - timedelta(seconds=5)
    real_ids = _due_posts(account_id=dataset.sandbox_account, org_id=org, owner_id=owner, count=count, due=due, caption="sandbox real")
    bare_ids = _due_posts(account_id=dataset.sandbox_account, org_id=org, owner_id=owner, count=count, due=due, caption="sandbox bare")
    real = Timed("post_publish on the sandbox", "")
    bare = Timed("5 plain statements (baseline)", "")
    claim_plan = ""
    attempt_table = PublishAttempt._meta.db_table
    publication_table = SandboxPublication._meta.db_table
    for real_id, bare_id in zip(real_ids, bare_ids):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = post_publish(post_id=real_id)
            real.samples.append(time.perf_counter() - started)
        if outcome != ScheduledPost.Status.POSTED:
            raise SystemExit(f"sandbox post {real_id} ended {outcome}")
        real.statements = len(queries.captured_queries)
        if not claim_plan:  # the claim's UPDATE (on PostgreSQL inside the one statement that also records the attempt)
            claims = [match.group(1) for q in queries.captured_queries
                      if (match := re.match(rf'(?:WITH claimed AS \()?(UPDATE "{POSTS_TABLE}" SET "status" = \'publishing\'.*?)(?: RETURNING |$)', q["sql"]))]
            claim_plan = _explain(claims[0]) if claims else "(no claim UPDATE seen)"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            now = datetime.now(dt_timezone.utc)
            cursor.execute(
                f"UPDATE {POSTS_TABLE} SET status = 'publishing', claimed_at = %s, updated_at = %s "
                "WHERE id = %s AND status = 'scheduled' AND next_attempt_at <= %s",
                [now, now, bare_id, now],
            )
            cursor.execute(
                f"INSERT INTO {attempt_table} (post_id, started_at, outcome, error_code, error_message) "
                "VALUES (%s, %s, 'in_progress', '', '') RETURNING id",
                [bare_id, now],
            )
            attempt_id = cursor.fetchone()[0]
            cursor.execute(
                f"INSERT INTO {publication_table} (post_id, social_account_id, caption, media, media_details, external_id, published_at) "
                "VALUES (%s, %s, %s, '[]', '[]', %s, %s) RETURNING id",
                [bare_id, dataset.sandbox_account, "sandbox bare", f"bare-{bare_id}", now],
            )
            cursor.execute(f"UPDATE {attempt_table} SET outcome = 'success', finished_at = %s WHERE id = %s", [now, attempt_id])
            cursor.execute(
                f"UPDATE {POSTS_TABLE} SET status = 'posted', external_post_id = %s, posted_at = %s, updated_at = %s WHERE id = %s",
                [f"bare-{bare_id}", now, now, bare_id],
            )
        bare.samples.append(time.perf_counter() - started)
        bare.statements = 5
    return real, bare, claim_plan


def window_count_plan(dataset) -> str:
    """EXPLAIN ANALYZE of an account's posting-window count (X: 100 posts per 15 minutes), for the
    target organization's account with the longest history."""
    from django.db.models import Count

    from backend.scheduling.limits import window_posts_sql
    from backend.scheduling.models import ScheduledPost

    busiest = (ScheduledPost.objects.filter(organization_id=dataset.target.org_id).values("social_account_id")
               .annotate(n=Count("id")).order_by("-n").first())
    post = ScheduledPost(pk=0, social_account_id=busiest["social_account_id"])
    sql, params = window_posts_sql(post, since=datetime.now(dt_timezone.utc) - timedelta(minutes=15))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        return f"account with {busiest['n']:,} posts: " + "\n".join(row[0] for row in cursor.fetchall())


def summarise_plan(plan: str) -> str:
    """The scan nodes of a plan, one line: e.g. `Index Scan using post_org_time_idx`."""
    nodes = []
    for line in plan.splitlines():
        text = line.strip().lstrip("->").strip()
        if "Scan" in text:
            nodes.append(text.split("  (")[0].split(" (")[0])
    return "; ".join(dict.fromkeys(nodes)) or plan.splitlines()[0] if plan else ""


def dump(obj) -> str:
    return json.dumps(obj, default=str)
