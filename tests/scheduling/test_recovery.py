"""Crash safety: posts publishing without a heartbeat past the timeout, and posts missed during an outage."""
import os
import subprocess
import uuid
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from backend.scheduling.models import PublishAttempt, ScheduledPost
from backend.scheduling.publishing import posts_dispatch_due
from backend.scheduling.outcomes import MAX_LEASE_RECOVERIES
from backend.scheduling.tasks import dispatch_due_posts
from backend.social.models import SandboxPublication
from backend.social.platforms.base import SocialMediaService
from backend.social.platforms.sandbox import SandboxService

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status
LEASE = 900  # the heartbeat timeout these tests run with


@pytest.fixture(autouse=True)
def lease(settings):
    settings.PUBLISH_HEARTBEAT_TIMEOUT_SECONDS = LEASE
    settings.PUBLISH_MISSED_TOLERANCE_SECONDS = 3600


def run_beat(capture):
    with capture(execute=True):
        return dispatch_due_posts()


def stuck_post(make_post, *, claimed_ago=LEASE + 5, attempt=True, **fields):
    """A post whose worker claimed it (and last renewed its heartbeat) `claimed_ago` seconds ago and
    died (optionally after writing its attempt)."""
    claimed = timezone.now() - timedelta(seconds=claimed_ago)
    post = make_post(due_in=timedelta(seconds=-claimed_ago - 1), **fields)
    ScheduledPost.objects.filter(pk=post.pk).update(
        status=S.PUBLISHING, claimed_at=claimed, heartbeat_at=claimed, claim_token=uuid.uuid4(), dispatched_at=claimed
    )
    if attempt:
        PublishAttempt.objects.create(post=post, started_at=claimed)
    return ScheduledPost.objects.get(pk=post.pk)


def test_stuck_post_that_reached_the_sandbox_is_marked_posted_without_publishing_again(make_post, sandbox, django_capture_on_commit_callbacks):
    post = stuck_post(make_post)
    publication = SandboxPublication.objects.create(post=post.pk, social_account=sandbox, caption=post.caption)

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert post.status == S.POSTED
    assert post.external_post_id == publication.external_id
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1
    (attempt,) = post.attempts.all()
    assert (attempt.outcome, attempt.error_code) == ("success", "recovered")
    assert attempt.finished_at is not None


def test_stuck_post_that_never_reached_the_sandbox_is_published_once(make_post, django_capture_on_commit_callbacks):
    post = stuck_post(make_post)

    run_beat(django_capture_on_commit_callbacks)  # recovered to scheduled and dispatched in the same tick

    post.refresh_from_db()
    assert post.status == S.POSTED
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1
    assert [(a.outcome, a.error_code) for a in post.attempts.all()] == [("transient", "lease_expired"), ("success", "")]
    assert post.metadata["lease_recoveries"] == 1


def test_worker_that_died_before_recording_an_attempt_is_retried_without_asking_the_platform(make_post, monkeypatch, django_capture_on_commit_callbacks):
    def must_not_be_asked(self, **kwargs):
        raise AssertionError("no attempt was recorded: nothing was sent, no need to ask")

    monkeypatch.setattr(SandboxService, "find_publication", must_not_be_asked)
    post = stuck_post(make_post, attempt=False)

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert post.status == S.POSTED
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1
    assert post.attempts.first().error_code == "lease_expired"


def test_platform_that_cannot_tell_fails_the_post_asking_to_verify(make_post, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(SandboxService, "find_publication", SocialMediaService.find_publication)  # the default: unknown
    post = stuck_post(make_post)

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert post.status == S.FAILED
    assert post.error_code == "lease_expired"
    assert "check the account before retrying" in post.error_message
    assert not SandboxPublication.objects.filter(post=post.pk).exists()
    assert post.attempts.get().outcome == "unconfirmed"


def test_post_whose_worker_renews_its_heartbeat_is_left_to_it(make_post, django_capture_on_commit_callbacks):
    post = stuck_post(make_post, claimed_ago=LEASE - 60)

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert post.status == S.PUBLISHING
    assert post.attempts.get().outcome == "in_progress"


def test_a_post_whose_worker_keeps_dying_stops_being_retried(make_post, django_capture_on_commit_callbacks):
    post = stuck_post(make_post, metadata={"lease_recoveries": MAX_LEASE_RECOVERIES})

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert post.status == S.FAILED
    assert "stopped 4 times" in post.error_message
    assert not SandboxPublication.objects.filter(post=post.pk).exists()


def test_a_post_claimed_again_meanwhile_is_not_recovered(make_post, sandbox):
    from backend.scheduling.recovery import post_recover

    post = stuck_post(make_post)
    ScheduledPost.objects.filter(pk=post.pk).update(heartbeat_at=timezone.now())  # its worker renewed meanwhile
    assert post_recover(post_id=post.pk) == "skipped"
    assert ScheduledPost.objects.get(pk=post.pk).status == S.PUBLISHING


def test_posts_missed_beyond_the_tolerance_fail_and_recent_ones_publish(make_post, django_capture_on_commit_callbacks):
    missed = make_post(due_in=timedelta(hours=-2))
    late = make_post(due_in=timedelta(minutes=-30))
    # Scheduled 3 h ago, failed transiently, retry due 10 min ago: its lateness counts from the retry.
    retried = make_post(due_in=timedelta(hours=-3), retry_count=1)
    ScheduledPost.objects.filter(pk=retried.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=10))

    run_beat(django_capture_on_commit_callbacks)

    missed.refresh_from_db(); late.refresh_from_db(); retried.refresh_from_db()
    assert missed.status == S.FAILED
    assert missed.error_code == "missed"
    assert missed.error_message.startswith("Missed: this post could not be published within 1 h of its due time")
    assert not SandboxPublication.objects.filter(post=missed.pk).exists()
    assert not missed.attempts.exists()  # nothing was attempted
    assert late.status == S.POSTED
    assert retried.status == S.POSTED


def test_missed_posts_are_all_failed_in_one_tick_a_batch_per_statement(make_post, django_assert_max_num_queries, monkeypatch):
    from backend.scheduling import outcomes

    monkeypatch.setattr(outcomes, "MISSED_BATCH_SIZE", 100)
    ids = [make_post(due_in=timedelta(hours=-3) + timedelta(seconds=n)).pk for n in range(150)]
    in_time = make_post(due_in=timedelta(minutes=-30))
    with django_assert_max_num_queries(4):  # two batches: each read through post_due_idx, then one UPDATE
        assert outcomes.posts_settle_missed() == 150
    assert set(ScheduledPost.objects.filter(pk__in=ids).values_list("status", "error_code")) == {(S.FAILED, "missed")}
    with django_assert_max_num_queries(1):  # nothing missed: one read, no write
        assert outcomes.posts_settle_missed() == 0
    in_time.refresh_from_db()
    assert in_time.status == S.SCHEDULED


def test_the_claim_refuses_a_post_past_the_tolerance_and_fails_it_as_missed(make_post, settings):
    from backend.scheduling.publishing import post_publish

    settings.PUBLISH_MISSED_TOLERANCE_SECONDS = 20
    too_late = make_post(due_in=timedelta(seconds=-21))
    in_time = make_post(due_in=timedelta(seconds=-19))

    assert post_publish(post_id=too_late.pk) == S.FAILED
    assert post_publish(post_id=in_time.pk) == S.POSTED
    too_late.refresh_from_db()
    assert (too_late.error_code, too_late.claim_token) == ("missed", None)
    assert "within 20 s of its due time" in too_late.error_message
    assert not SandboxPublication.objects.filter(post=too_late.pk).exists()


def test_a_recovered_post_keeps_its_due_time_so_an_outage_makes_it_missed(make_post, settings, django_capture_on_commit_callbacks):
    settings.PUBLISH_MISSED_TOLERANCE_SECONDS = 600
    post = stuck_post(make_post, claimed_ago=LEASE + 5, attempt=False)  # due 905 s ago, its worker died

    run_beat(django_capture_on_commit_callbacks)

    post.refresh_from_db()
    assert (post.status, post.error_code) == (S.FAILED, "missed")
    assert not SandboxPublication.objects.filter(post=post.pk).exists()


def test_health_is_503_with_posts_overdue_beyond_tolerance_or_stuck(anon, make_post):
    posts_dispatch_due()
    assert anon.get("/api/health/").status_code == 200

    overdue = make_post(due_in=timedelta(hours=-2))
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert response.data["checks"]["backlog"] == "error"
    assert "1 scheduled post(s) are overdue" in response.data["detail"]

    ScheduledPost.objects.filter(pk=overdue.pk).update(status=S.CANCELLED)
    stuck_post(make_post)
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert "publishing without a heartbeat for more than 900 s" in response.data["detail"]


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9", "CELERY_VISIBILITY_TIMEOUT": "300"}, "below CELERY_VISIBILITY_TIMEOUT"),
        ({"PUBLISH_HEARTBEAT_SECONDS": "20", "PUBLISH_HEARTBEAT_TIMEOUT_SECONDS": "30"}, "at least three PUBLISH_HEARTBEAT_SECONDS"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "300"}, "SOFT_TIME_LIMIT must be below"),
    ],
)
def test_settings_refuse_time_limits_that_break_exactly_once(env, message):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PUBLISH_"))}
    done = subprocess.run(
        [sys.executable, "-c", "import backend.settings"], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


@pytest.mark.realservices
@pytest.mark.django_db(transaction=True)
def test_a_worker_frozen_inside_a_transaction_stalls_neither_recovery_nor_the_tick(make_post):
    """A worker SIGSTOPped inside its outcome's transaction holds its post's row. The next ticks must
    not wait for it (recovery used to, tick after tick, until every worker process was stuck): the
    other stuck post is settled at once, the held one on the first tick after its lock is gone.
    PostgreSQL ends such a frozen transaction by itself after DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS."""
    import threading

    import psycopg
    from django.db import connection

    from tests.reliability.conftest import database_url

    held, other = stuck_post(make_post), stuck_post(make_post)
    frozen = psycopg.connect(database_url())  # a transaction, as a frozen worker leaves it: open, idle
    frozen.execute("UPDATE scheduling_scheduledpost SET updated_at = updated_at WHERE id = %s", [held.pk])

    def tick() -> None:
        try:
            posts_dispatch_due()
        finally:
            connection.close()  # this thread's own connection

    try:
        ticker = threading.Thread(target=tick)
        ticker.start()
        ticker.join(timeout=30)
        assert not ticker.is_alive(), "the dispatch tick waited for a row held by a frozen worker"
        assert ScheduledPost.objects.get(pk=other.pk).status == S.POSTED
        assert ScheduledPost.objects.get(pk=held.pk).claim_token == held.claim_token  # left for a later tick
    finally:
        frozen.rollback()  # the worker resumes (or PostgreSQL ends its idle transaction)
        frozen.close()
        ticker.join(timeout=60)
    posts_dispatch_due()
    assert ScheduledPost.objects.get(pk=held.pk).status == S.POSTED
    assert SandboxPublication.objects.filter(post__in=[held.pk, other.pk]).count() == 2

    shown = subprocess.run(  # what a worker's connection runs with (backend.settings)
        [sys.executable, "-c", "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
         "c.execute('SHOW idle_in_transaction_session_timeout'); print(c.fetchone()[0])"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings", "DATABASE_URL": database_url()},
        capture_output=True, text=True, timeout=120,
    )
    assert shown.stdout.strip() == "30s", shown.stderr
