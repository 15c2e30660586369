"""First comments end to end on the sandbox: published after the post, their own outcome, retries
and error, never re-publishing the post."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.scheduling.first_comments import first_comment_publish, first_comments_publish_due
from backend.scheduling.models import ScheduledPost
from backend.social.models import SandboxPublication, SocialAccount
from tests.conftest import future


def publish(client, account, caption="Silk sale", **extra):
    response = client.post("/api/schedule/", {"social_account": account.pk, "caption": caption, "scheduled_time": future(hours=1), **extra}, format="json")
    assert response.status_code == 201, response.json()
    post_id = response.json()["id"]
    past = timezone.now() - timedelta(seconds=1)
    ScheduledPost.objects.filter(pk=post_id).update(scheduled_time=past, next_attempt_at=past)
    assert client.post("/api/schedule/process_ready_posts/").json()["posted"] == 1
    return post_id


def run_comments(rounds=1):
    for _ in range(rounds):
        ScheduledPost.objects.filter(first_comment_status="pending").update(first_comment_next_at=timezone.now() - timedelta(seconds=1))
        first_comments_publish_due()


def test_the_first_comment_follows_the_post(owner_client, sandbox):
    post_id = publish(owner_client, sandbox, first_comment="Shop at example.com/silk")
    shown = owner_client.get(f"/api/schedule/{post_id}/").json()
    assert shown["status"] == "posted" and shown["first_comment_status"] == "pending"
    assert first_comments_publish_due() == 1
    shown = owner_client.get(f"/api/schedule/{post_id}/").json()
    assert shown["first_comment_status"] == "posted" and shown["first_comment_id"].startswith("sbxc_") and shown["first_comment_error"] == ""
    [publication] = owner_client.get("/api/social/sandbox/publications/").json()["results"]
    assert publication["post"] == post_id
    assert [c["text"] for c in publication["comments"]] == ["Shop at example.com/silk"]
    assert publication["comments"][0]["external_id"] == shown["first_comment_id"]
    # Published once: another beat finds nothing to do.
    assert first_comments_publish_due() == 0 and first_comment_publish(post_id=post_id) == "skipped"


def test_a_post_without_first_comment_has_none(owner_client, sandbox):
    post_id = publish(owner_client, sandbox)
    assert owner_client.get(f"/api/schedule/{post_id}/").json()["first_comment_status"] == "none"
    assert first_comments_publish_due() == 0


def test_a_failing_comment_is_retried_then_failed_and_never_republishes_the_post(settings, owner_client, sandbox):
    settings.FIRST_COMMENT_MAX_RETRIES = 2
    post_id = publish(owner_client, sandbox, first_comment="More inside [sandbox:comment-fail-transient]")
    run_comments()
    post = ScheduledPost.objects.get(pk=post_id)
    assert (post.first_comment_status, post.first_comment_attempts) == ("pending", 1)
    assert "failed the comment transiently" in post.first_comment_error and post.first_comment_next_at > timezone.now()
    run_comments(rounds=4)
    post.refresh_from_db()
    assert post.first_comment_status == "failed" and post.first_comment_attempts == 3
    assert "Gave up after 3 attempts" in post.first_comment_error
    assert post.status == "posted" and post.attempts.count() == 1
    assert SandboxPublication.objects.filter(post=post_id).count() == 1
    shown = owner_client.get(f"/api/schedule/{post_id}/").json()
    assert shown["first_comment_status"] == "failed" and shown["first_comment_error"]


def test_a_rejected_comment_fails_at_once(owner_client, sandbox):
    post_id = publish(owner_client, sandbox, first_comment="[sandbox:comment-fail-permanent]")
    run_comments()
    post = ScheduledPost.objects.get(pk=post_id)
    assert post.first_comment_status == "failed" and post.first_comment_attempts == 1 and post.status == "posted"


def test_a_failed_post_never_publishes_its_comment(owner_client, sandbox):
    response = owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": "[sandbox:fail-permanent]", "first_comment": "c", "scheduled_time": future(hours=1)}, format="json")
    post_id = response.json()["id"]
    ScheduledPost.objects.filter(pk=post_id).update(scheduled_time=timezone.now(), next_attempt_at=timezone.now())
    owner_client.post("/api/schedule/process_ready_posts/")
    post = ScheduledPost.objects.get(pk=post_id)
    assert post.status == "failed" and post.first_comment_status == "none"


def test_platforms_without_comments_refuse_a_first_comment_up_front(owner_client, org):
    tiktok = SocialAccount.objects.create(organization=org, platform="tiktok", handle="silks", access_token="t")
    response = owner_client.post("/api/schedule/", {"social_account": tiktok.pk, "caption": "x", "first_comment": "hello", "scheduled_time": future()}, format="json")
    assert response.status_code == 400 and "first_comment" in response.json()


def test_a_failed_first_comment_asks_for_attention_by_webhook(owner_client, org, sandbox):
    from backend.accounts.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(organization=org, url="https://93.184.215.14/h", events=["post.needs_attention"], secret="s")
    post_id = publish(owner_client, sandbox, first_comment="[sandbox:comment-fail-permanent]")
    run_comments()
    [delivery] = WebhookDelivery.objects.filter(event="post.needs_attention")
    assert delivery.payload["data"]["id"] == post_id and delivery.payload["data"]["first_comment_status"] == "failed"
