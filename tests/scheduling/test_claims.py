"""Fenced, heartbeated claims (backend/scheduling/claims.py) on the real database and the real
sandbox adapter: a worker fenced out never reaches the platform; a heartbeat keeps a slow worker's
claim; a publish costs a known, small number of statements."""
import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.scheduling.claims import ClaimHeartbeat, ClaimLost, claim_fence, claim_take, claim_take_over
from backend.scheduling.models import PublishAttempt, ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.scheduling.requests import publish_request_for
from backend.social.models import SandboxPublication
from backend.social.platforms.base import final_call_guarded_by
from backend.social.platforms.sandbox import SandboxService

S = ScheduledPost.Status


@pytest.mark.django_db
def test_a_worker_whose_claim_was_taken_over_never_reaches_the_platform(make_post):
    post = make_post(due_in=timedelta(seconds=-1))
    claim = claim_take(post_id=post.pk, now=timezone.now())
    assert claim is not None
    post.refresh_from_db()
    assert claim_take_over(post=post, now=timezone.now()) is not None  # recovery, after the heartbeat timed out

    request = publish_request_for(ScheduledPost.objects.select_related("social_account", "asset").get(pk=post.pk))
    with final_call_guarded_by(lambda: claim_fence(claim)), pytest.raises(ClaimLost):
        SandboxService().publish(request)
    assert not SandboxPublication.objects.filter(post=post.pk).exists()
    assert claim.lost and not claim.final_call_started


@pytest.mark.django_db
def test_a_take_over_loses_to_a_worker_that_renewed_meanwhile(make_post):
    post = make_post(due_in=timedelta(seconds=-1))
    claim = claim_take(post_id=post.pk, now=timezone.now() - timedelta(seconds=1))
    stale = ScheduledPost.objects.get(pk=post.pk)  # what recovery read
    claim_fence(claim)  # the worker renews just before recovery writes
    assert claim_take_over(post=stale, now=timezone.now()) is None
    assert ScheduledPost.objects.get(pk=post.pk).claim_token == claim.token


@pytest.mark.django_db
def test_the_claim_refuses_a_post_that_is_not_due_yet(make_post):
    post = make_post(due_in=timedelta(seconds=30))
    assert claim_take(post_id=post.pk, now=timezone.now()) is None
    assert post_publish(post_id=post.pk) == "skipped"
    assert ScheduledPost.objects.get(pk=post.pk).status == S.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_renews_the_claim_while_the_worker_waits(make_post, settings):
    settings.PUBLISH_HEARTBEAT_SECONDS = 0.2
    post = make_post(due_in=timedelta(seconds=-120))
    claim = claim_take(post_id=post.pk, now=timezone.now() - timedelta(seconds=60))  # claimed a minute ago
    with ClaimHeartbeat(claim):
        time.sleep(1.0)  # a slow platform call
    beat = ScheduledPost.objects.get(pk=post.pk).heartbeat_at
    assert timezone.now() - beat < timedelta(seconds=2)
    assert not claim.lost


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_notices_a_take_over(make_post, settings):
    settings.PUBLISH_HEARTBEAT_SECONDS = 0.2
    post = make_post(due_in=timedelta(seconds=-1))
    claim = claim_take(post_id=post.pk, now=timezone.now())
    with ClaimHeartbeat(claim):
        claim_take_over(post=ScheduledPost.objects.get(pk=post.pk), now=timezone.now())
        time.sleep(1.0)
    assert claim.lost
    with pytest.raises(ClaimLost):
        claim_fence(claim)


@pytest.mark.django_db
def test_a_publish_costs_few_statements_each_a_targeted_one(make_post, django_capture_on_commit_callbacks):
    post = make_post(due_in=timedelta(seconds=-1))
    with CaptureQueriesContext(connection) as queries:
        assert post_publish(post_id=post.pk) == S.POSTED
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    # On PostgreSQL writes that go together are one statement (WITH a AS (UPDATE ...), b AS (INSERT ...) ...)
    parts = [part.strip() for sql in statements for part in re.split(r"^WITH \w+ AS \(|\), \w+ AS \(", sql)]
    writes = [part for part in parts if part.startswith(("UPDATE", "INSERT"))]
    post_writes = [sql for sql in writes if sql.startswith('UPDATE "scheduling_scheduledpost"')]
    # claim, fence, outcome: three conditional UPDATEs of the post, none of them a whole-row save
    assert len(post_writes) == 3, post_writes
    assert all("claim_token" in sql for sql in post_writes), post_writes
    assert all('"caption"' not in sql.split("WHERE")[0] for sql in post_writes), "a whole-row save"
    attempt_writes = [sql for sql in writes if '"scheduling_publishattempt"' in sql.split("(")[0]]
    assert [sql.split()[0] for sql in attempt_writes] == ["INSERT", "UPDATE"], attempt_writes
    # PostgreSQL: the claim with the attempt and the rows, the fence, the sandbox's own row, and the
    # outcome, which also reads whether the organization has a webhook endpoint (the outbox)
    assert len(statements) <= (4 if connection.vendor == "postgresql" else 13), statements
    post.refresh_from_db()
    assert (post.claim_token, post.heartbeat_at) == (None, None)
    assert PublishAttempt.objects.get(post=post).outcome == "success"
