"""The beat task end to end: due posts published once, future ones untouched, failures handled."""
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.scheduling.models import PublishAttempt, SchedulerHeartbeat, ScheduledPost
from backend.scheduling.publishing import post_publish, posts_dispatch_due
from backend.scheduling.tasks import dispatch_due_posts, publish_post
from backend.social.models import SandboxPublication, SocialAccount

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status


def run_beat(capture):
    """One beat tick, with the publish tasks it enqueues run (Celery is eager in tests)."""
    with capture(execute=True):
        return dispatch_due_posts()


def make_due(make_post, **fields):
    return make_post(due_in=timedelta(seconds=-1), **fields)


def test_due_posts_are_published_once_and_future_ones_untouched(make_post, django_capture_on_commit_callbacks):
    due = [make_due(make_post, caption=f"Saree {n}") for n in range(3)]
    later = make_post(due_in=timedelta(minutes=10))

    assert run_beat(django_capture_on_commit_callbacks) == 3
    assert run_beat(django_capture_on_commit_callbacks) == 0

    for post in due:
        post.refresh_from_db()
        assert post.status == S.POSTED
        assert post.posted_at is not None
        assert post.external_post_id.startswith("sbx_")
        assert post.permalink
        assert SandboxPublication.objects.filter(post=post.pk).count() == 1
        assert list(post.attempts.values_list("outcome", flat=True)) == ["success"]
    later.refresh_from_db()
    assert later.status == S.SCHEDULED
    assert not later.attempts.exists()
    assert SchedulerHeartbeat.objects.get().last_processed == 0


def test_duplicate_task_messages_publish_once(make_post):
    post = make_due(make_post)
    outcomes = [publish_post(post.pk), publish_post(post.pk), post_publish(post_id=post.pk)]

    assert outcomes == ["posted", "skipped", "skipped"]
    assert SandboxPublication.objects.filter(post=post.pk).count() == 1


def test_drafts_pending_and_cancelled_posts_are_not_published(make_post, django_capture_on_commit_callbacks):
    posts = [make_due(make_post, status=status) for status in (S.DRAFT, S.PENDING, S.CANCELLED, S.FAILED)]
    assert run_beat(django_capture_on_commit_callbacks) == 0
    assert not SandboxPublication.objects.exists()
    assert [ScheduledPost.objects.get(pk=p.pk).status for p in posts] == [S.DRAFT, S.PENDING, S.CANCELLED, S.FAILED]


def test_transient_errors_retry_with_backoff_then_fail(make_post, settings, django_capture_on_commit_callbacks):
    settings.PUBLISH_RETRY_BACKOFF_SECONDS = 30
    post = make_due(make_post, caption="[sandbox:fail-transient] Linen sale", max_retries=2)
    delays = []
    for _ in range(2):
        before = timezone.now()
        run_beat(django_capture_on_commit_callbacks)
        post.refresh_from_db()
        assert post.status == S.SCHEDULED
        delays.append((post.next_attempt_at - before).total_seconds())
        assert "Trying again" in post.error_message
        # nothing happens before the backoff has passed
        assert run_beat(django_capture_on_commit_callbacks) == 0
        ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.status == S.FAILED
    assert post.retry_count == 2
    assert "Gave up after 3 attempts" in post.error_message
    assert 29 <= delays[0] <= 31 and 59 <= delays[1] <= 61  # exponential: 30 s, then 60 s
    assert list(post.attempts.values_list("outcome", flat=True)) == ["transient"] * 3
    assert not SandboxPublication.objects.exists()


def test_permanent_error_fails_at_once_with_the_platforms_message(make_post, django_capture_on_commit_callbacks):
    post = make_due(make_post, caption="[sandbox:fail-permanent]")
    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.status == S.FAILED
    assert post.retry_count == 0
    assert post.error_message == "The sandbox rejected the post, as asked."
    assert post.attempts.count() == 1


def test_unconfirmed_outcome_is_never_retried(make_post, django_capture_on_commit_callbacks):
    post = make_due(make_post, caption="[sandbox:fail-unconfirmed]", max_retries=5)
    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.status == S.FAILED
    assert "check the account before retrying" in post.error_message
    assert post.attempts.get().outcome == PublishAttempt.Outcome.UNCONFIRMED


def test_rate_limited_waits_without_using_retries(make_post, django_capture_on_commit_callbacks):
    post = make_due(make_post, caption="[sandbox:fail-rate-limited]", max_retries=0)
    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.status == S.SCHEDULED
    assert post.retry_count == 0
    assert post.next_attempt_at > timezone.now()


def test_auth_failure_marks_account_for_reconnection(make_post, sandbox, django_capture_on_commit_callbacks):
    post = make_due(make_post, caption="[sandbox:fail-auth]")
    other = make_due(make_post)
    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    sandbox.refresh_from_db()
    assert post.status == S.FAILED
    assert "Reconnect the account" in post.error_message
    assert sandbox.status == SocialAccount.Status.NEEDS_RECONNECT
    other.refresh_from_db()
    assert other.status in (S.POSTED, S.FAILED)  # published before, or failed with a clear message after


def test_posts_of_an_account_needing_reconnection_fail_clearly(make_post, sandbox, django_capture_on_commit_callbacks):
    post = make_due(make_post)
    SocialAccount.objects.filter(pk=sandbox.pk).update(status=SocialAccount.Status.NEEDS_RECONNECT)
    run_beat(django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.status == S.FAILED
    assert "needs to be reconnected" in post.error_message


def test_undelivered_dispatch_is_redispatched(make_post, settings, django_capture_on_commit_callbacks):
    settings.PUBLISH_REDISPATCH_SECONDS = 60
    post = make_due(make_post)
    # the first hand-out was lost (no on-commit execution: the message never reached a worker)
    assert posts_dispatch_due() == [post.pk]
    assert posts_dispatch_due() == []  # not handed out twice while it may still be in flight
    later = timezone.now() + timedelta(seconds=61)
    with django_capture_on_commit_callbacks(execute=True):
        assert posts_dispatch_due(now=later) == [post.pk]
    post.refresh_from_db()
    assert post.status == S.POSTED


def test_a_backlog_is_handed_out_in_chunks_and_published_once(make_post, django_capture_on_commit_callbacks):
    from backend.scheduling.publishing import chunk_size

    posts = [make_due(make_post, caption=f"Kurti {n}") for n in range(70)]
    assert (chunk_size(5), chunk_size(63), chunk_size(70), chunk_size(1000)) == (1, 1, 2, 10)
    assert run_beat(django_capture_on_commit_callbacks) == 70
    assert ScheduledPost.objects.filter(pk__in=[p.pk for p in posts], status=S.POSTED).count() == 70
    assert SandboxPublication.objects.count() == 70


def test_a_chunk_past_its_time_budget_requeues_the_rest(make_post, settings):
    from backend.scheduling.tasks import publish_posts

    settings.PUBLISH_CHUNK_TIME_BUDGET_SECONDS = 0
    posts = [make_due(make_post) for _ in range(3)]
    done_first = publish_posts([p.pk for p in posts])
    assert done_first == 1  # the rest went back on the queue (run at once: Celery is eager here)
    assert SandboxPublication.objects.count() == 3
    assert publish_posts([p.pk for p in posts]) == 1  # a redelivered chunk publishes nothing twice
    assert SandboxPublication.objects.count() == 3
