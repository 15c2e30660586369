"""The inbound WhatsApp webhook: handshake, signatures, and each recipient's outcome on the post.

The statuses come from the fake Graph API, which answers like Meta: it accepts a free-form
message to a customer outside the 24 h window with HTTP 200 and reports the failure (131047) only
by webhook, and reports `sent` / `delivered` for the others.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.scheduling.models import MessageDelivery, ScheduledPost
from backend.scheduling.publishing import post_publish
from backend.social.models import SocialAccount
from tests.fakes.platforms import whatsapp_status

pytestmark = pytest.mark.django_db

APP_SECRET = "meta-app-secret-0123456789"
VERIFY_TOKEN = "postloom-verify-8f3a"
PHONE_ID = "106540352242922"
PATH = f"/v23.0/{PHONE_ID}/messages"
URL = "/api/social/webhooks/whatsapp/"
R1, R2 = "+919800000001", "+919800000002"


@pytest.fixture
def webhook_settings(platforms, settings):
    settings.SOCIAL_PLATFORMS["whatsapp"]["client_secret"] = APP_SECRET
    settings.SOCIAL_PLATFORMS["whatsapp"]["webhook_verify_token"] = VERIFY_TOKEN
    return platforms


def signed(payload: dict, secret: str = APP_SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(anon, payload: dict, secret: str = APP_SECRET):
    body, signature = signed(payload, secret)
    return anon.post(URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


@pytest.fixture
def broadcast_post(org, owner):
    account = SocialAccount.objects.create(
        organization=org, platform="whatsapp", handle="Asha Sarees", external_id=PHONE_ID, access_token="EAAG-system-user",
        metadata={"phone_number_id": PHONE_ID, "recipients": [R1, R2]}, connected_by=owner,
    )
    when = timezone.now() - timedelta(seconds=5)
    return ScheduledPost.objects.create(
        organization=org, social_account=account, platform="whatsapp", caption="Diwali sale today", scheduled_time=when,
        next_attempt_at=when, status=ScheduledPost.Status.SCHEDULED, created_by=owner,
    )


def test_the_verify_handshake_echoes_the_challenge_only_for_our_token(anon, webhook_settings):
    ok = anon.get(URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444" and ok["Content-Type"].startswith("text/plain")

    for query in (
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ):
        refused = anon.get(URL, query)
        assert refused.status_code == 403 and refused.json()["code"] == "webhook_verification_failed"
    reflected = anon.get(URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "<script>"})
    assert reflected.status_code == 400


def test_without_a_configured_token_or_secret_everything_is_refused(anon, platforms, settings):
    settings.SOCIAL_PLATFORMS["whatsapp"]["webhook_verify_token"] = ""
    settings.SOCIAL_PLATFORMS["whatsapp"]["client_secret"] = ""
    assert anon.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code == 403
    body, signature = signed({"object": "whatsapp_business_account", "entry": []}, secret="")
    answer = anon.post(URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert answer.status_code == 403


def test_unsigned_or_badly_signed_notifications_are_refused_and_change_nothing(anon, webhook_settings, broadcast_post):
    webhook_settings.reply("POST", PATH, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A1"}]}, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A2"}]})
    post_publish(post_id=broadcast_post.pk)
    payload = whatsapp_status(PHONE_ID, "wamid.A1", R1, "read")
    body, good = signed(payload)

    unsigned = anon.post(URL, data=body, content_type="application/json")
    wrong_secret = deliver(anon, payload, secret="not-the-app-secret")
    tampered = anon.post(URL, data=body.replace(b"read", b"sent"), content_type="application/json", HTTP_X_HUB_SIGNATURE_256=good)
    sha1 = anon.post(URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=good.replace("sha256=", "sha1="))

    for answer in (unsigned, wrong_secret, tampered, sha1):
        assert answer.status_code == 403 and answer.json()["code"] == "webhook_signature_invalid"
    assert set(MessageDelivery.objects.values_list("status", flat=True)) == {"accepted"}


def test_each_recipient_moves_sent_delivered_read_or_fails_with_metas_code(anon, webhook_settings, broadcast_post):
    webhook_settings.state["whatsapp_window"] = [R2]  # R1 has not written in 24 h: Meta accepts, then fails it
    webhook_settings.reply("POST", PATH, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A1"}]}, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A2"}]})

    assert post_publish(post_id=broadcast_post.pk) == "posted"
    broadcast_post.refresh_from_db()
    assert broadcast_post.metadata["delivery"]["accepted"] == 2

    for payload in webhook_settings.state["whatsapp_webhooks"]:  # what Meta sends next
        assert deliver(anon, payload).status_code == 200
    assert deliver(anon, whatsapp_status(PHONE_ID, "wamid.A2", R2, "read")).json() == {"updated": 1}
    # Out of order and repeated notifications never move a recipient back.
    assert deliver(anon, whatsapp_status(PHONE_ID, "wamid.A2", R2, "delivered")).json() == {"updated": 0}

    deliveries = {d.recipient: d for d in MessageDelivery.objects.filter(post=broadcast_post)}
    assert (deliveries[R1].status, deliveries[R1].error_code) == ("failed", "131047")
    assert "24 hours" in deliveries[R1].error_message
    assert deliveries[R2].status == "read"
    broadcast_post.refresh_from_db()
    summary = broadcast_post.metadata["delivery"]
    assert {k: summary[k] for k in ("accepted", "sent", "delivered", "read", "failed")} == {"accepted": 0, "sent": 0, "delivered": 0, "read": 1, "failed": 1}
    assert summary["failures"] == {"131047": 1}


def test_a_status_before_the_post_is_recorded_waits_for_it_and_strangers_are_ignored(anon, webhook_settings, broadcast_post):
    # Meta can report a message before the broadcast finishes (other recipients still rate-limited).
    assert deliver(anon, whatsapp_status(PHONE_ID, "wamid.A1", R1, "delivered")).json() == {"updated": 1}
    assert deliver(anon, whatsapp_status("999999999999999", "wamid.X", R1, "delivered")).json() == {"updated": 0}
    webhook_settings.reply("POST", PATH, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A1"}]}, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.A2"}]})

    post_publish(post_id=broadcast_post.pk)

    assert not MessageDelivery.objects.filter(message_id="wamid.X").exists()
    early = MessageDelivery.objects.get(message_id="wamid.A1")
    assert early.post_id == broadcast_post.pk and early.status == "delivered"
    broadcast_post.refresh_from_db()
    assert broadcast_post.metadata["delivery"]["delivered"] == 1 and broadcast_post.metadata["delivery"]["accepted"] == 1


def test_a_signed_body_that_is_not_json_is_a_400(anon, webhook_settings):
    body = b"not json"
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = anon.post(URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert answer.status_code == 400
