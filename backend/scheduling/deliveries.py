"""Broadcast deliveries (WhatsApp): each recipient's outcome, told by the platform's status
webhooks, and the post's delivery summary.

A WhatsApp broadcast is `posted` when Meta *accepted* every message (HTTP 200 and a wamid). That is
not delivery: outside the 24 h service window a free-form message is accepted and then fails with
131047, reported by webhook only. So:

- `deliveries_link` (called when the post is recorded as published) writes one `MessageDelivery`
  per accepted message, `accepted` until the webhooks say more;
- `deliveries_record` (the inbound webhook) moves each message on: sent → delivered → read, or
  failed with Meta's code and details; statuses only move forward (webhooks are not ordered);
- after either, the post's `metadata["delivery"]` summary is rewritten from its rows:
  `{accepted, sent, delivered, read, failed, failures: {code: count}, updated_at}`.

The signature check and the payload format are the adapter's (`platforms/whatsapp.py`).
"""
from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from backend.core.exceptions import PermissionDenied, ValidationFailed
from backend.social.models import SocialAccount
from backend.social.platforms.base import PublishResult
from backend.social.platforms.whatsapp import DeliveryStatus, status_supersedes, webhook_signature_valid, webhook_statuses

from .models import MessageDelivery, ScheduledPost

logger = logging.getLogger(__name__)
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def accepted_messages(result: PublishResult) -> list:
    """The messages a published broadcast had accepted (empty for any other post)."""
    return (result.details.get("messages") if isinstance(result.details, dict) else None) or []


def deliveries_link(*, post: ScheduledPost, result: PublishResult) -> None:
    """Record the messages a published broadcast had accepted (rows a webhook made first are kept)."""
    messages = accepted_messages(result)
    if not messages:
        return
    for message in messages:
        delivery, created = MessageDelivery.objects.select_for_update().get_or_create(
            message_id=str(message["message_id"])[:128],
            defaults={"post": post, "platform": post.platform, "recipient": str(message.get("recipient", ""))[:32],
                      "sender_id": post.social_account.external_id[:64]},
        )
        if not created and delivery.post_id is None:
            delivery.post = post
            delivery.recipient = delivery.recipient or str(message.get("recipient", ""))[:32]
            delivery.save(update_fields=["post", "recipient", "updated_at"])
    _summarise(post)


def deliveries_record(*, events: Iterable[DeliveryStatus], platform: str = "whatsapp") -> int:
    """Apply status webhooks; returns how many messages moved on. Unknown messages of a number not
    connected here are ignored; those of a connected number wait for their post to be linked."""
    events = list(events)
    senders = {event.phone_number_id for event in events if event.phone_number_id}
    connected = set(
        SocialAccount.objects.filter(platform=platform, external_id__in=senders).values_list("external_id", flat=True)
    )
    moved = 0
    touched: set[int] = set()
    with transaction.atomic():
        for event in events:
            delivery = MessageDelivery.objects.select_for_update().filter(message_id=event.wamid).first()
            if delivery is None:
                if event.phone_number_id not in connected:
                    logger.info("Status %s for an unknown %s message from %s ignored", event.status, platform, event.phone_number_id)
                    continue
                # get_or_create: two notifications about one new message may race (unique message_id).
                created, _ = MessageDelivery.objects.get_or_create(
                    message_id=event.wamid,
                    defaults={"platform": platform, "sender_id": event.phone_number_id, "recipient": event.recipient_id},
                )
                delivery = MessageDelivery.objects.select_for_update().get(pk=created.pk)
            previous = "" if delivery.status == MessageDelivery.Status.ACCEPTED else delivery.status
            if not status_supersedes(event.status, previous):
                continue
            delivery.status = event.status
            delivery.status_at = event.at or timezone.now()
            if event.status == MessageDelivery.Status.FAILED:
                delivery.error_code, delivery.error_message = event.error_code, event.error_message
            else:
                delivery.error_code, delivery.error_message = "", ""
            delivery.save()
            moved += 1
            if delivery.post_id:
                touched.add(delivery.post_id)
        for post in ScheduledPost.objects.select_for_update().filter(pk__in=touched).order_by("pk"):
            _summarise(post)
    return moved


def _summarise(post: ScheduledPost) -> None:
    rows = MessageDelivery.objects.filter(post=post).order_by()
    counts = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    summary: dict = {status: counts.get(status, 0) for status in MessageDelivery.Status.values}
    failures = rows.filter(status=MessageDelivery.Status.FAILED).values_list("error_code").annotate(n=Count("id"))
    summary["failures"] = {code or "unknown": n for code, n in failures.values_list("error_code", "n")}
    summary["updated_at"] = timezone.now().isoformat()
    post.metadata = {**post.metadata, "delivery": summary}
    ScheduledPost.objects.filter(pk=post.pk).update(metadata=post.metadata, updated_at=timezone.now())


# --- The inbound webhook ------------------------------------------------------------------------
def _whatsapp_config() -> dict:
    from backend.social.platforms.registry import get_service

    return get_service("whatsapp").config


def whatsapp_webhook_verify(*, mode: str, token: str, challenge: str) -> str:
    """The challenge to echo when Meta's subscription handshake names our verify token; else a 403."""
    expected = str(_whatsapp_config().get("webhook_verify_token", ""))
    if not (mode == "subscribe" and expected and hmac.compare_digest(token.encode(), expected.encode())):
        raise PermissionDenied("The verify token does not match WHATSAPP_WEBHOOK_VERIFY_TOKEN.", code="webhook_verification_failed")
    if not CHALLENGE_RE.match(challenge):
        raise ValidationFailed({"hub.challenge": ["Meta's challenge: letters, digits, '-' or '_'."]})
    return challenge


def whatsapp_webhook_receive(*, body: bytes, signature: str | None) -> int:
    """Apply a signed status notification; returns how many messages moved on."""
    secret = str(_whatsapp_config().get("client_secret", ""))
    if not webhook_signature_valid(app_secret=secret, body=body, header=signature):
        raise PermissionDenied("Missing or invalid X-Hub-Signature-256.", code="webhook_signature_invalid")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed({"body": ["Not JSON."]}) from None
    return deliveries_record(events=webhook_statuses(payload))
