"""WhatsApp broadcasts through the Business Cloud API (graph.facebook.com, `/{phone-number-id}/messages`).

WhatsApp has no API for Status or Channel updates; a "post" here is a broadcast: the same message
sent from the shop's business number to each opted-in customer.

The account (connected by hand; there is no OAuth):
- `credentials.external_id`: the phone number id; `access_token`: a system-user token with
  whatsapp_business_messaging.
- `credentials.metadata["recipients"]`: E.164 numbers of customers who opted in.
- `credentials.metadata["template"]` (optional): `{"name", "language", "body_text": bool}`. With a
  template, each message is that approved template, with an image header carrying the post's
  first image (when it has one) and, if `body_text`, the post text as the body's one parameter.
  Without a template: an image message with the text as caption, or a text message when the post
  has no image (both only reach customers inside the 24 h service window).

Template text parameters are sanitised to Meta's rule before sending: a parameter may not contain
newlines or tabs, nor more than four consecutive spaces, or the whole message is refused with
#132018 (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
The composed post has "\n\n" before its hashtags, so every run of whitespace is folded into one
space (`template_text`).

Exactly once per recipient. `request.state["recipients"]` maps each number to its outcome:
`sent` (with its wamid), `failed` (permanent: 131047 window closed, 131026 undeliverable, 132001
template missing, 100 ...), `retry` (transient: 130429 throughput, 131056 pair rate, 131000, 2,
HTTP 429/5xx, no connection), `sending` or `unconfirmed`. The state is saved *before* each send
(`sending`) and after it, so a redelivered task skips every recipient already attempted: a
recipient left in `sending` (the worker died mid-call) or whose call timed out is `unconfirmed`
and is never messaged again.

An attempt therefore ends in one of these ways:
- Some recipients are `retry`: the next attempt sends to those recipients only. The error is
  RATE_LIMITED when every one of them hit a rate limit (HTTP 429, 130429 throughput: 1 s,
  131056 pair rate: 6 s; retry_after the largest), else TRANSIENT.
- Every recipient got a final attempt and at least one was `sent` (or `unconfirmed`): the post is
  published; `external_id` is the first wamid, `details` holds every recipient's outcome.
- Every recipient `failed`: PERMANENT. No `sent`, some `unconfirmed`: UNCONFIRMED.
- A token error (190) stops the broadcast as AUTH: it is the account's, not a recipient's.
- Throttling: 130429 (throughput, 1 s), 131056 (pair rate, 6 s) and Graph throttling (80007
  WhatsApp Business Account rate limit, 4 app rate limit, ...: HTTP 400, wait from the usage
  headers, see graph.py) are RATE_LIMITED for the recipients still to send.

`sent` means *accepted* by Meta (HTTP 200 with a wamid), not delivered: outside the 24 h service
window a free-form message is accepted and fails later with 131047, reported by webhook only.
Delivery truth comes from the status webhooks (`sent`, `delivered`, `read`, `failed` with Meta's
error code), read here by `webhook_signature_valid` (X-Hub-Signature-256: HMAC-SHA256 of the raw
body with the app secret) and `webhook_statuses`; there is no metrics API (empty Metrics).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import requirements
from .base import ErrorKind, MetadataInvalid, PublishError, PublishRequest, PublishResult
from .graph import POLICY_BLOCK, GraphError, GraphPlatformService
from .ids import GRAPH_ID, require_id
from .registry import register

# Account metadata rules (checked when an account is connected by hand).
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
NUMBER_SEPARATORS_RE = re.compile(r"[\s().-]")
GRAPH_ID_RE = re.compile(r"^\d{1,32}$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
MAX_RECIPIENTS = 10000

THROUGHPUT = 130429
THROUGHPUT_RETRY_SECONDS = 1.0  # 80 messages per second per number by default
PAIR_RATE = 131056
PAIR_RATE_RETRY_SECONDS = 6.0  # about one message per 6 s per recipient

SENT, FAILED, RETRY, SENDING, UNCONFIRMED = "sent", "failed", "retry", "sending", "unconfirmed"
DONE = frozenset({SENT, FAILED, UNCONFIRMED})
TEMPLATE_PARAM_INVALID = 132018  # "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
WINDOW_CLOSED = 131047  # re-engagement message: more than 24 h since the customer last wrote
_WHITESPACE_RUN = re.compile(r"\s+")


def template_text(text: str) -> str:
    """`text` as a template text parameter Meta accepts: newlines, tabs and runs of spaces become one space."""
    return _WHITESPACE_RUN.sub(" ", text).strip()


@register
class WhatsAppService(GraphPlatformService):
    platform = "whatsapp"
    name = "WhatsApp"
    requirements = requirements.WHATSAPP
    oauth_supported = False

    manual_connection_hint = " Connect WhatsApp manually"

    def clean_metadata(self, *, metadata: dict[str, Any], external_id: str) -> tuple[dict[str, Any], str]:
        """phone_number_id (required), recipients (E.164, deduplicated), template {name, language, body_text?}."""
        errors: dict = {}
        phone_number_id = str(metadata.get("phone_number_id", "")).strip()
        if not GRAPH_ID_RE.match(phone_number_id):
            errors["phone_number_id"] = ["The WhatsApp phone number id (digits, from WhatsApp Manager > API setup) is required."]
        elif external_id and external_id != phone_number_id:
            errors["phone_number_id"] = ["Must be the same as external_id (or leave external_id empty)."]
        recipients = metadata.get("recipients")
        clean: list[str] = []
        if not isinstance(recipients, list) or not recipients:
            errors["recipients"] = ["A list of opted-in customers' numbers in E.164 form (e.g. +919876543210) is required."]
        elif len(recipients) > MAX_RECIPIENTS:
            errors["recipients"] = [f"At most {MAX_RECIPIENTS} recipients."]
        else:
            bad = []
            for number in recipients:
                normal = NUMBER_SEPARATORS_RE.sub("", number) if isinstance(number, str) else ""
                if E164_RE.match(normal):
                    clean.append(normal)
                else:
                    bad.append(str(number)[:32])
            if bad:
                errors["recipients"] = [f"Not an E.164 number (+ country code and number): {value!r}." for value in bad[:10]]
        template = metadata.get("template")
        if template is not None:
            if not isinstance(template, dict):
                errors["template"] = ["Must be an object {name, language, body_text?}."]
            else:
                problems = []
                if not TEMPLATE_NAME_RE.match(str(template.get("name", ""))):
                    problems.append("name: the approved template's name (lower-case letters, digits, underscores).")
                if not LANGUAGE_RE.match(str(template.get("language", ""))):
                    problems.append("language: the template's language code, e.g. en_US or hi.")
                if "body_text" in template and not isinstance(template["body_text"], bool):
                    problems.append("body_text: true or false.")
                if problems:
                    errors["template"] = problems
                else:
                    template = {"name": template["name"], "language": template["language"], "body_text": bool(template.get("body_text", False))}
        if errors:
            raise MetadataInvalid(errors)
        metadata.update(phone_number_id=phone_number_id, recipients=list(dict.fromkeys(clean)))
        if template is not None:
            metadata["template"] = template
        return metadata, phone_number_id

    transient_codes = frozenset({131000, 1, 2})
    rate_limited_codes = frozenset({THROUGHPUT, PAIR_RATE, *GraphPlatformService.rate_limited_codes})
    permanent_codes = frozenset({WINDOW_CLOSED, 131026, 132000, 132001, TEMPLATE_PARAM_INVALID, 131008, 131009, 100, POLICY_BLOCK})

    def graph_retry_after(self, error: GraphError, kind: ErrorKind) -> float | None:
        return {PAIR_RATE: PAIR_RATE_RETRY_SECONDS, THROUGHPUT: THROUGHPUT_RETRY_SECONDS}.get(error.code)

    @staticmethod
    def is_rate_limit(error: PublishError) -> bool:
        return error.kind == ErrorKind.RATE_LIMITED

    def publish(self, request: PublishRequest) -> PublishResult:
        credentials = request.credentials
        recipients: list[str] = list(dict.fromkeys(credentials.metadata.get("recipients") or []))
        if not credentials.external_id:
            raise PublishError(ErrorKind.PERMANENT, "WhatsApp: the account has no phone number id.", code="no_phone_number_id")
        phone_number_id = require_id(self.name, "phone number id", credentials.external_id, GRAPH_ID)
        if not recipients:
            raise PublishError(ErrorKind.PERMANENT, "WhatsApp: the account has no opted-in recipients.", code="no_recipients")
        state = request.state
        outcomes: dict[str, dict[str, Any]] = state.setdefault("recipients", {})
        for number, outcome in outcomes.items():
            if outcome.get("status") == SENDING:  # the previous attempt died mid-call
                outcome.update(status=UNCONFIRMED, error="The attempt ended while sending; not sent again.")
        request.save_state(state)

        retry_after: float | None = None
        only_rate_limits = True  # every recipient to retry was refused for a rate reason
        for number in recipients:
            if outcomes.get(number, {}).get("status") in DONE:
                continue
            outcomes[number] = {"status": SENDING}
            request.save_state(state)
            try:
                body = self.call_json(
                    "POST",
                    f"{phone_number_id}/messages",
                    credentials=credentials,
                    json=self.message(request, to=number),
                    final=True,
                )
            except PublishError as exc:
                if exc.kind == ErrorKind.AUTH:
                    outcomes[number] = {"status": RETRY, "error": exc.message, "code": exc.code}
                    request.save_state(state)
                    raise
                status = {
                    ErrorKind.TRANSIENT: RETRY,
                    ErrorKind.RATE_LIMITED: RETRY,
                    ErrorKind.UNCONFIRMED: UNCONFIRMED,
                }.get(exc.kind, FAILED)
                outcomes[number] = {"status": status, "error": exc.message, "code": exc.code}
                if status == RETRY:
                    only_rate_limits = only_rate_limits and self.is_rate_limit(exc)
                    if exc.retry_after is not None:
                        retry_after = max(retry_after or 0.0, exc.retry_after)
            else:
                wamid = str((body.get("messages") or [{}])[0].get("id", ""))
                outcomes[number] = {"status": SENT, "wamid": wamid}
            request.save_state(state)

        statuses = [outcomes[number]["status"] for number in recipients]
        waiting = statuses.count(RETRY)
        if waiting:
            raise PublishError(
                ErrorKind.RATE_LIMITED if only_rate_limits and retry_after else ErrorKind.TRANSIENT,
                f"WhatsApp: {waiting} of {len(recipients)} recipients to retry.",
                code="recipients_to_retry",
                retry_after=retry_after,
            )
        details = {
            "recipients": {number: outcomes[number] for number in recipients},
            # Accepted messages whose delivery the status webhooks will report.
            "messages": [
                {"recipient": number, "message_id": outcomes[number]["wamid"]}
                for number in recipients
                if outcomes[number]["status"] == SENT and outcomes[number].get("wamid")
            ],
            "sent": statuses.count(SENT),
            "failed": statuses.count(FAILED),
            "unconfirmed": statuses.count(UNCONFIRMED),
        }
        if not details["sent"]:
            if details["unconfirmed"]:
                raise PublishError(ErrorKind.UNCONFIRMED, "WhatsApp: no recipient confirmed.", code="unconfirmed")
            first = outcomes[recipients[0]]
            raise PublishError(
                ErrorKind.PERMANENT,
                f"WhatsApp: every recipient failed ({first.get('code', '')}: {first.get('error', '')}).",
                code=str(first.get("code", "all_failed")),
            )
        first_wamid = next(outcomes[number]["wamid"] for number in recipients if outcomes[number]["status"] == SENT)
        return PublishResult(external_id=first_wamid, details=details)

    @staticmethod
    def message(request: PublishRequest, *, to: str) -> dict[str, Any]:
        """The Cloud API message for one recipient."""
        base: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        template = request.credentials.metadata.get("template")
        image = request.media[0] if request.media else None
        if template:
            components: list[dict[str, Any]] = []
            if image is not None:
                components.append({"type": "header", "parameters": [{"type": "image", "image": {"link": image.url}}]})
            if template.get("body_text"):
                components.append({"type": "body", "parameters": [{"type": "text", "text": template_text(request.text)}]})
            return {
                **base,
                "type": "template",
                "template": {"name": template["name"], "language": {"code": template["language"]}, "components": components},
            }
        if image is not None:
            return {**base, "type": "image", "image": {"link": image.url, "caption": request.text}}
        return {**base, "type": "text", "text": {"preview_url": True, "body": request.text}}


# --- Inbound status webhooks ----------------------------------------------------------------
# https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/ : Meta
# POSTs {"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes": [{"field":
# "messages", "value": {"metadata": {"phone_number_id"}, "statuses": [{"id": <wamid>, "status":
# "sent"|"delivered"|"read"|"failed", "timestamp": <unix>, "recipient_id", "errors": [{"code",
# "title", "message", "error_data": {"details"}}]}]}}]}]}, signed with X-Hub-Signature-256.
# Webhooks are not ordered, and with several devices `delivered` may come after `failed`
# (YCloud's WhatsApp status guide): a recipient only moves forward, and reaching the device wins.
STATUS_RANK = {"sent": 1, "failed": 2, "delivered": 3, "read": 4}


@dataclass(frozen=True)
class DeliveryStatus:
    """One status webhook event for one message."""

    wamid: str
    status: str  # sent, delivered, read, failed
    recipient_id: str = ""
    phone_number_id: str = ""
    at: datetime | None = None
    error_code: str = ""
    error_message: str = ""


def webhook_signature_valid(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is `sha256=<hex HMAC-SHA256 of the raw body with the app secret>`."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def webhook_statuses(payload: Any) -> list[DeliveryStatus]:
    """The message status events of a webhook payload (other fields, e.g. inbound messages, skipped)."""
    events: list[DeliveryStatus] = []
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return events
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            phone_number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
            for status in value.get("statuses") or []:
                if not isinstance(status, dict) or not status.get("id") or status.get("status") not in STATUS_RANK:
                    continue
                error = (status.get("errors") or [{}])[0] if isinstance(status.get("errors"), list) else {}
                error = error if isinstance(error, dict) else {}
                details = (error.get("error_data") or {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
                try:
                    at = datetime.fromtimestamp(int(status.get("timestamp")), tz=timezone.utc)
                except (TypeError, ValueError, OverflowError, OSError):
                    at = None
                events.append(
                    DeliveryStatus(
                        wamid=str(status["id"])[:128],
                        status=status["status"],
                        recipient_id=str(status.get("recipient_id", ""))[:32],
                        phone_number_id=phone_number_id[:32],
                        at=at,
                        error_code=str(error.get("code", ""))[:16],
                        error_message=str(details or error.get("message") or error.get("title") or "")[:500],
                    )
                )
    return events


def status_supersedes(new: str, old: str) -> bool:
    """Whether a status event moves a recipient on: sent → delivered → read, or sent → failed;
    a late `delivered`/`read` beats `failed` (the message reached a device)."""
    return STATUS_RANK.get(new, 0) > STATUS_RANK.get(old, 0)
