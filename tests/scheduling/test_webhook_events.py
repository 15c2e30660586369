"""Post and account events reach the webhook outbox in the transaction that records them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import WebhookDelivery, WebhookEndpoint
from backend.scheduling.models import ScheduledPost
from tests.conftest import future

ALL = ["post.posted", "post.failed", "post.needs_attention", "account.needs_reconnect"]


@pytest.fixture
def endpoint(org):
    return WebhookEndpoint.objects.create(organization=org, url="https://93.184.215.14/hooks", events=ALL, secret="s")


def run(client, account, caption, **extra):
    response = client.post("/api/schedule/", {"social_account": account.pk, "caption": caption, "scheduled_time": future(), **extra}, format="json")
    post_id = response.json()["id"]
    past = timezone.now() - timedelta(seconds=1)
    ScheduledPost.objects.filter(pk=post_id).update(scheduled_time=past, next_attempt_at=past)
    client.post("/api/schedule/process_ready_posts/")
    return post_id


def events():
    return [(d.event, d.payload["data"].get("id")) for d in WebhookDelivery.objects.order_by("id")]


def test_posted_and_failed_posts(owner_client, sandbox, endpoint):
    posted = run(owner_client, sandbox, "Silk sale")
    failed = run(owner_client, sandbox, "[sandbox:fail-permanent]")
    assert events() == [("post.posted", posted), ("post.failed", failed)]
    delivery = WebhookDelivery.objects.get(event="post.posted")
    assert delivery.payload["data"]["status"] == "posted" and delivery.payload["data"]["external_post_id"].startswith("sbx_")
    assert delivery.payload["organization"] == sandbox.organization_id and delivery.status == "pending"


def test_a_transient_failure_with_retries_left_is_not_an_event(owner_client, sandbox, endpoint):
    run(owner_client, sandbox, "[sandbox:fail-transient]")
    assert events() == []


def test_an_unconfirmed_outcome_needs_attention(owner_client, sandbox, endpoint):
    post_id = run(owner_client, sandbox, "[sandbox:fail-unconfirmed]")
    assert events() == [("post.failed", post_id), ("post.needs_attention", post_id)]


def test_a_refused_token_asks_for_reconnection(owner_client, sandbox, endpoint):
    post_id = run(owner_client, sandbox, "[sandbox:fail-auth]")
    assert sorted(events()) == [("account.needs_reconnect", sandbox.pk), ("post.failed", post_id)]
    data = WebhookDelivery.objects.get(event="account.needs_reconnect").payload["data"]
    assert data["status"] == "needs_reconnect" and "access_token" not in data and "refresh_token" not in data
