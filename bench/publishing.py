"""Publishing throughput on real processes: beat, a worker pool, Redis, and the X platform answering
after a fixed latency. Baselines in the same run: the ideal (concurrency / latency) and bare client
threads posting to the same platform with nothing else in the way."""
from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

import httpx

from support.processes import Processes, free_port, redis_start, wait_for

from .stack import MemorySampler, platform_start

BEAT_SETTINGS = {
    # Beat hands out every due post within a second (the fault tests' values); the defaults
    # (10 s, 200 a tick) would cap any pool at 20 posts/s.
    "PUBLISH_INTERVAL_SECONDS": "1",
    "PUBLISH_BATCH_SIZE": "1000",
    "X_POSTS_PER_WINDOW": "100000000",  # X's per-account window is not what this measures
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


@dataclass
class RunFigures:
    label: str
    posts: int
    posted: int = 0
    failed: int = 0
    unsettled: int = 0
    duplicates: int = 0
    lost: int = 0
    rate: float = 0.0  # steady posts/s: (accepted - 1) / (last - first acceptance)
    p50: float = 0.0
    p99: float = 0.0
    wall: float = 0.0
    peak_pss: float = 0.0
    peak_rss: float = 0.0
    memory_growth: float = 0.0  # last tenth of the run vs its second tenth (PSS)
    connections: int = 0
    samples: list = field(default_factory=list)
    tenths: list = field(default_factory=list)  # median PSS (MiB) in each tenth of the run
    cpu_ms_per_post: float = 0.0  # the worker's own CPU (all its processes) per published post

    def summary(self) -> str:
        return (
            f"{self.label}: {self.posted}/{self.posts} posted, {self.failed} failed, {self.unsettled} unsettled, "
            f"{self.duplicates} duplicates, {self.lost} lost; {self.rate:.1f} posts/s, lateness p50 {self.p50:.1f} s "
            f"p99 {self.p99:.1f} s; peak PSS {self.peak_pss:.0f} MiB (largest process RSS {self.peak_rss:.0f} MiB); "
            f"{self.connections} platform connections; worker CPU {self.cpu_ms_per_post:.1f} ms per post"
        )


class PublishingBench:
    def __init__(self, *, log_dir: Path, env: dict[str, str], dataset, latency: float) -> None:
        self.dataset = dataset
        self.latency = latency
        self.stack = Processes(log_dir, env)
        self.platform_url = ""
        self.run_number = 0

    # --- Lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> "PublishingBench":
        from django.conf import settings

        broker = redis_start(self.stack, "redis", free_port())
        self.platform_url = platform_start(self.stack, free_port(), latency=self.latency)
        self.stack.env.update(
            BEAT_SETTINGS,
            CELERY_BROKER_URL=broker,
            X_API_BASE_URL=self.platform_url,
            # The worker must decrypt the tokens this process wrote: same keys, and the same
            # SECRET_KEY they derive from when none are set (each var dir generates its own).
            FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
            SECRET_KEY=settings.SECRET_KEY,
        )
        self.stack.beat("beat")
        return self

    def __exit__(self, *exc) -> None:
        self.stack.stop_all()

    def _workers(self, pool: str, concurrency: int, processes: int) -> list[str]:
        from backend.scheduling.heartbeats import PUBLISHER
        from backend.scheduling.models import SchedulerHeartbeat

        started = datetime.now(dt_timezone.utc)
        names = [f"worker-{n}" for n in range(1, processes + 1)]
        for name in names:
            self.stack.worker(name, pool=pool, concurrency=concurrency, options=("--without-heartbeat",))
        try:
            wait_for(lambda: SchedulerHeartbeat.objects.filter(name=PUBLISHER, last_drained_at__gt=started).exists(),
                     timeout=120, interval=0.5, what="a beat tick run by the worker")
        except TimeoutError:
            raise SystemExit("worker did not start:\n" + self.stack.log_tail(names[0]) + "\n" + self.stack.log_tail("beat"))
        return names

    # --- Baseline: bare client threads --------------------------------------------------------
    def bare_threads(self, concurrency: int, *, per_thread: int = 25) -> float:
        """Posts/s of `concurrency` threads sharing one keep-alive client, posting back to back."""
        client = httpx.Client(timeout=10)
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(per_thread):
                    client.post(f"{self.platform_url}/2/tweets", json={"text": f"baseline {n}-{i}"},
                                headers={"Authorization": "Bearer baseline"}).raise_for_status()
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        client.close()
        if errors:
            raise errors[0]
        return concurrency * per_thread / elapsed

    # --- One run --------------------------------------------------------------------------------
    def run(self, *, pool: str, concurrency: int, posts: int, label: str, processes: int = 1) -> RunFigures:
        """`processes` worker processes, each `--pool pool --concurrency concurrency`."""
        from backend.scheduling.models import ScheduledPost

        S = ScheduledPost.Status
        self.run_number += 1
        workers = self._workers(pool, concurrency, processes)
        httpx.post(f"{self.platform_url}/_bench/reset", timeout=5)
        samplers = [MemorySampler(self.stack.procs[name].pid, interval=0.5) for name in workers]
        for sampler in samplers:
            sampler.start()
        due = datetime.now(dt_timezone.utc) + timedelta(seconds=2)
        accounts = self.dataset.x_accounts
        texts = {}
        rows = []
        for n in range(posts):
            caption = f"Silk saree offer run {self.run_number} post {n}"
            rows.append(ScheduledPost(
                organization_id=self.dataset.target.org_id, social_account_id=accounts[n % len(accounts)], platform="twitter",
                caption=caption, scheduled_time=due, next_attempt_at=due, status=S.SCHEDULED,
                created_by_id=self.dataset.target.owner_id, max_retries=3,
            ))
        created = ScheduledPost.objects.bulk_create(rows, batch_size=2000)
        ids = [post.pk for post in created]
        for post in created:
            texts[post.pk] = post.caption
        started = time.monotonic()
        try:
            wait_for(
                lambda: not ScheduledPost.objects.filter(pk__in=ids, status__in=(S.SCHEDULED, S.PUBLISHING)).exists(),
                timeout=60 + posts / 10, interval=0.5, what=f"{posts} posts to settle ({label})",
            )
        except TimeoutError as exc:
            print(f"  ! {exc}")
        wall = time.monotonic() - started
        for sampler in samplers:
            sampler.stop()
        for name in workers:
            self.stack.stop(name)
        stats = httpx.get(f"{self.platform_url}/_bench/stats", timeout=30).json()
        statuses = dict(ScheduledPost.objects.filter(pk__in=ids).values_list("pk", "status"))
        accepted = stats["accepted"]
        figures = RunFigures(label=label, posts=posts, wall=wall, connections=stats["connections"])
        figures.posted = sum(1 for s in statuses.values() if s == S.POSTED)
        figures.failed = sum(1 for s in statuses.values() if s == S.FAILED)
        figures.unsettled = sum(1 for s in statuses.values() if s in (S.SCHEDULED, S.PUBLISHING))
        times = []
        for pk in ids:
            seen = accepted.get(texts[pk], [])
            if not seen:
                figures.lost += 1
                continue
            figures.duplicates += len(seen) - 1
            times.append(min(seen))
        if len(times) > 1:
            first, last = min(times), max(times)
            figures.rate = (len(times) - 1) / max(last - first, 1e-9)
            lateness = sorted(t - due.timestamp() for t in times)
            figures.p50 = statistics.median(lateness)
            figures.p99 = lateness[min(len(lateness) - 1, int(0.99 * len(lateness)))]
        for sampler in samplers:  # the workers' CPU and memory, summed over their processes
            during = [c for c in sampler.cpu if c[0] >= started]
            if len(during) >= 2 and figures.posted:
                figures.cpu_ms_per_post += (during[-1][1] - during[0][1]) * 1000 / figures.posted
            figures.peak_pss += sampler.peak_pss
            figures.peak_rss = max(figures.peak_rss, max((s[2] for s in sampler.samples), default=0.0))
        sampler = samplers[0]
        figures.samples = sampler.samples
        busy = [s for s in sampler.samples if s[0] >= started]
        if len(busy) >= 20:
            tenth = len(busy) // 10
            second = statistics.median(s[1] for s in busy[tenth:2 * tenth])
            final = statistics.median(s[1] for s in busy[-tenth:])
            figures.memory_growth = final / second - 1 if second else 0.0
            figures.tenths = [round(statistics.median(s[1] for s in busy[i * tenth:(i + 1) * tenth])) for i in range(10)]
        return figures
