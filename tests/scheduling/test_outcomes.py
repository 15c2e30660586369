"""The one writer of publish outcomes, and the account status it may change."""
import pytest
from django.utils import timezone

from backend.scheduling.models import PublishAttempt, ScheduledPost
from backend.scheduling.outcomes import post_outcome_record
from backend.social.models import SocialAccount
from backend.social.platforms.base import ErrorKind, PublishError, PublishResult

pytestmark = pytest.mark.django_db

S = ScheduledPost.Status


def publishing(make_post) -> ScheduledPost:
    post = make_post(S.SCHEDULED)
    ScheduledPost.objects.filter(pk=post.pk).update(status=S.PUBLISHING, claimed_at=timezone.now())
    return post


def test_an_auth_refusal_of_old_tokens_leaves_a_reconnected_account_active(make_post, sandbox):
    post = publishing(make_post)
    SocialAccount.objects.filter(pk=sandbox.pk).update(token_version=2)  # reconnected while the call was refused
    attempt = PublishAttempt.objects.create(post=post, started_at=timezone.now())

    status = post_outcome_record(
        post_id=post.pk, attempt=attempt, error=PublishError(ErrorKind.AUTH, "Token expired.", code="190"), token_version=1
    )

    assert status == S.FAILED
    sandbox.refresh_from_db()
    assert sandbox.status == SocialAccount.Status.ACTIVE


def test_an_auth_refusal_of_the_current_tokens_needs_a_reconnect(make_post, sandbox):
    post = publishing(make_post)
    attempt = PublishAttempt.objects.create(post=post, started_at=timezone.now())

    post_outcome_record(
        post_id=post.pk, attempt=attempt, error=PublishError(ErrorKind.AUTH, "Token expired.", code="190"),
        token_version=sandbox.token_version,
    )

    sandbox.refresh_from_db()
    assert (sandbox.status, sandbox.status_reason) == (SocialAccount.Status.NEEDS_RECONNECT, "Token expired.")
    post.refresh_from_db()
    assert "Reconnect the account" in post.error_message
    assert PublishAttempt.objects.get(pk=attempt.pk).outcome == "auth"


def test_a_post_settled_elsewhere_keeps_its_status_but_a_success_keeps_its_facts(make_post):
    post = publishing(make_post)
    attempt = PublishAttempt.objects.create(post=post, started_at=timezone.now())
    ScheduledPost.objects.filter(pk=post.pk).update(status=S.FAILED)

    assert post_outcome_record(post_id=post.pk, attempt=attempt, result=PublishResult(external_id="x1")) == S.FAILED
    post.refresh_from_db()
    assert post.external_post_id == "x1"
