"""Outgoing webhooks: registration and SSRF checks, the outbox, signed deliveries to a real local
receiver that fails the first two, retries with backoff, the delivery log and redelivery."""
from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, WebhookDelivery, WebhookEndpoint
from backend.core.models import IdempotencyRecord
from backend.accounts.webhooks import (
    retry_delay,
    signature_header,
    signature_verify,
    webhook_emit,
    webhooks_deliver_due,
)

from .webhook_receiver import Receiver


def register(client, url, events=("post.posted",), **extra):
    return client.post("/api/webhooks/", {"url": url, "events": list(events), **extra}, format="json")


def test_signature_is_stripe_style_hmac_sha256_over_timestamp_dot_body():
    header = signature_header(secret="whsec_test", body=b'{"a":1}', timestamp=1700000000)
    # Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    assert header == "t=1700000000,v1=" + __import__("hmac").new(b"whsec_test", b'1700000000.{"a":1}', "sha256").hexdigest()
    assert signature_verify(secret="whsec_test", body=b'{"a":1}', header=header, now=1700000010)
    assert not signature_verify(secret="whsec_test", body=b'{"a":2}', header=header, now=1700000010)
    assert not signature_verify(secret="other", body=b'{"a":1}', header=header, now=1700000010)
    assert not signature_verify(secret="whsec_test", body=b'{"a":1}', header=header, now=1700009999)  # stale
    assert not signature_verify(secret="whsec_test", body=b'{"a":1}', header="garbage", now=1700000010)


def test_retries_back_off_exponentially_for_about_a_day(settings):
    delays = [retry_delay(n) for n in range(1, 20)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 4 * 3600
    elapsed, attempts = 0, 1
    while elapsed + retry_delay(attempts) <= settings.WEBHOOK_RETRY_WINDOW_SECONDS:
        elapsed += retry_delay(attempts)
        attempts += 1
    assert 10 <= attempts <= 20 and 20 * 3600 <= elapsed <= 24 * 3600


# --- Registration ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8000/hook", "http://10.1.2.3/hook", "http://192.168.1.10/hook",
    "http://172.16.0.5/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/hook", "http://2130706433/hook", "http://0x7f000001/hook", "http://0.0.0.0/hook",
    "http://100.64.0.1/hook", "http://metadata.google.internal/computeMetadata/v1/", "http://printer.local/hook",
    "ftp://93.184.215.14/hook", "http://user:pass@93.184.215.14/hook", "file:///etc/passwd", "gopher://127.0.0.1:6379/_",
])
def test_urls_that_would_reach_internal_addresses_are_refused(owner_client, url):
    response = register(owner_client, url)
    assert response.status_code == 400, (url, response.json())
    assert "url" in response.json()
    assert WebhookEndpoint.objects.count() == 0


def test_registration_shows_the_secret_once(owner_client, org):
    response = register(owner_client, "https://93.184.215.14/hooks", events=["post.posted", "post.failed"], description="CRM")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["events"] == ["post.failed", "post.posted"] and body["organization"] == org.pk and body["active"] is True
    read = owner_client.get(f"/api/webhooks/{body['id']}/").json()
    assert "secret" not in read and read["url"] == "https://93.184.215.14/hooks"
    assert "secret" not in owner_client.get("/api/webhooks/").json()["results"][0]
    # A host name that does not resolve now is accepted (delivery checks it again).
    assert register(owner_client, "https://hooks.example.com/postloom").status_code == 201


def test_webhook_api_roles_scoping_and_validation(org, other_org, member, client_for, owner_client):
    created = register(owner_client, "https://93.184.215.14/a").json()
    editor = client_for(member(org, Role.EDITOR))
    assert register(editor, "https://93.184.215.14/b").status_code == 403
    assert editor.patch(f"/api/webhooks/{created['id']}/", {"active": False}, format="json").status_code == 403
    assert editor.get(f"/api/webhooks/{created['id']}/deliveries/").status_code == 403
    stranger = client_for(member(other_org, Role.OWNER))
    assert stranger.get(f"/api/webhooks/{created['id']}/").status_code == 404
    assert stranger.delete(f"/api/webhooks/{created['id']}/").status_code == 404
    assert register(owner_client, "https://93.184.215.14/a", events=["post.exploded"]).status_code == 400
    assert register(owner_client, "https://93.184.215.14/a", events=[]).status_code == 400
    assert owner_client.patch(f"/api/webhooks/{created['id']}/", {"url": "http://10.0.0.1/"}, format="json").status_code == 400
    patched = owner_client.patch(f"/api/webhooks/{created['id']}/", {"active": False, "events": ["job.failed"]}, format="json")
    assert patched.status_code == 200 and patched.json()["active"] is False and patched.json()["events"] == ["job.failed"]
    assert owner_client.put(f"/api/webhooks/{created['id']}/", {}, format="json").status_code == 405
    assert owner_client.delete(f"/api/webhooks/{created['id']}/").status_code == 204


def test_create_is_idempotent(owner_client):
    first = owner_client.post("/api/webhooks/", {"url": "https://93.184.215.14/a", "events": ["post.posted"]}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = owner_client.post("/api/webhooks/", {"url": "https://93.184.215.14/a", "events": ["post.posted"]}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert WebhookEndpoint.objects.count() == 1
    # the kept response holds the secret encrypted, like the endpoint's own column
    stored = json.dumps(IdempotencyRecord.objects.get(key="k1").response_body)
    assert first.json()["secret"] not in stored and again["Idempotent-Replayed"] == "true"


# --- Outbox and delivery --------------------------------------------------------------------


def test_the_outbox_rolls_back_with_the_event(db, org):
    WebhookEndpoint.objects.create(organization=org, url="https://93.184.215.14/", events=["post.posted"], secret="s")
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_emit(organization_id=org.pk, event="post.posted", data={"id": 1})
        raise RuntimeError("the event's own change failed")
    assert WebhookDelivery.objects.count() == 0
    webhook_emit(organization_id=org.pk, event="post.failed", data={"id": 1})  # not subscribed
    assert WebhookDelivery.objects.count() == 0


def deliver_until_settled(rounds=6):
    """Run the delivery task as beat would, jumping the clock over each backoff."""
    for _ in range(rounds):
        for delivery in WebhookDelivery.objects.filter(status="pending"):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        webhooks_deliver_due()


def test_signed_delivery_to_a_receiver_that_fails_twice(settings, owner_client, org):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver(statuses=(500, 503, 200)) as receiver:
        created = register(owner_client, receiver.url, events=["post.posted"]).json()
        receiver.secret = created["secret"]
        [delivery] = webhook_emit(organization_id=org.pk, event="post.posted", data={"id": 42, "status": "posted"})

        assert webhooks_deliver_due() == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
        assert timedelta(seconds=25) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=30)
        assert webhooks_deliver_due() == 0  # not due yet: nothing is sent before the backoff

        deliver_until_settled()
        delivery.refresh_from_db()
        assert [r.answered for r in receiver.received] == [500, 503, 200]
        assert all(r.signature_valid for r in receiver.received)
        assert {r.headers["postloom-delivery"] for r in receiver.received} == {str(delivery.pk)}
        assert {r.headers["postloom-event"] for r in receiver.received} == {"post.posted"}
        payload = receiver.received[-1].json()
        assert set(payload) == {"id", "type", "created_at", "organization", "data"}
        assert payload["type"] == "post.posted" and payload["organization"] == org.pk and payload["data"] == {"id": 42, "status": "posted"}
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 3, 200)
        assert delivery.delivered_at is not None and delivery.next_attempt_at is None

        log = owner_client.get(f"/api/webhooks/{created['id']}/deliveries/").json()["results"]
        assert log[0]["id"] == delivery.pk and log[0]["status"] == "succeeded" and log[0]["attempts"] == 3
        assert log[0]["last_response_ms"] is not None

        # Redelivery by hand sends the same event again, with the same delivery id.
        response = owner_client.post(f"/api/webhooks/{created['id']}/deliveries/{delivery.pk}/redeliver/")
        assert response.status_code == 202 and response.json()["status"] == "pending"
        webhooks_deliver_due()
        assert len(receiver.received) == 4 and receiver.received[-1].signature_valid
        assert receiver.received[-1].json()["id"] == payload["id"]
        assert owner_client.post(f"/api/webhooks/{created['id']}/deliveries/999999/redeliver/").status_code == 404


def test_a_slow_receiver_times_out_and_is_retried(settings, org):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with Receiver(secret="s", delay=1.0) as receiver:
        WebhookEndpoint.objects.create(organization=org, url=receiver.url, events=["job.failed"], secret="s")
        [delivery] = webhook_emit(organization_id=org.pk, event="job.failed", data={"id": 7})
        webhooks_deliver_due()
        delivery.refresh_from_db()
        assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_error == "Timed out."


def test_deliveries_give_up_after_the_retry_window(settings, org):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver(secret="s", statuses=(500,)) as receiver:
        WebhookEndpoint.objects.create(organization=org, url=receiver.url, events=["job.failed"], secret="s")
        [delivery] = webhook_emit(organization_id=org.pk, event="job.failed", data={"id": 7})
        WebhookDelivery.objects.filter(pk=delivery.pk).update(retry_until=timezone.now() + timedelta(seconds=10))
        webhooks_deliver_due()
        delivery.refresh_from_db()
        assert delivery.status == "failed" and delivery.last_status_code == 500 and delivery.next_attempt_at is None


def test_the_resolved_address_is_checked_again_at_delivery(settings, org, monkeypatch):
    """DNS rebinding: the name resolved to a public address at registration, to loopback now."""
    with Receiver(secret="s") as receiver:
        port = receiver.server.server_address[1]
        WebhookEndpoint.objects.create(organization=org, url=f"http://rebind.example:{port}/hook", events=["job.failed"], secret="s")
        real = socket.getaddrinfo

        def attacker_dns(host, *args, **kwargs):
            if host == "rebind.example":
                return real("127.0.0.1", *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", attacker_dns)
        [delivery] = webhook_emit(organization_id=org.pk, event="job.failed", data={"id": 7})
        webhooks_deliver_due()
        delivery.refresh_from_db()
        assert receiver.received == []
        assert delivery.status == "pending" and "not a public address" in delivery.last_error
        # Once allowed by name (as tests do for 127.0.0.1), it goes through.
        settings.WEBHOOK_ALLOWED_HOSTS = ["rebind.example"]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks_deliver_due()
        delivery.refresh_from_db()
        assert delivery.status == "succeeded" and len(receiver.received) == 1
        assert receiver.received[0].headers["host"] == f"rebind.example:{port}"


def test_a_receiver_that_is_down_does_not_raise(settings, org):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    WebhookEndpoint.objects.create(organization=org, url=f"http://127.0.0.1:{port}/", events=["job.failed"], secret="s")
    [delivery] = webhook_emit(organization_id=org.pk, event="job.failed", data={})
    assert webhooks_deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1 and "ConnectError" in delivery.last_error
