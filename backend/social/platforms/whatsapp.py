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
Delivery, read and failure statuses arrive by webhook; there is no metrics API (empty Metrics).
"""
from __future__ import annotations

import re
from typing import Any

from . import requirements
from .base import ErrorKind, MetadataInvalid, PublishError, PublishRequest, PublishResult
from .graph import GraphError, GraphPlatformService
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

    transient_codes = frozenset({THROUGHPUT, PAIR_RATE, 131000, 2})
    permanent_codes = frozenset({131047, 131026, 132001, 100})

    def graph_retry_after(self, error: GraphError, kind: ErrorKind) -> float | None:
        return {PAIR_RATE: PAIR_RATE_RETRY_SECONDS, THROUGHPUT: THROUGHPUT_RETRY_SECONDS}.get(error.code)

    @staticmethod
    def is_rate_limit(error: PublishError) -> bool:
        return error.kind == ErrorKind.RATE_LIMITED or error.code in (str(THROUGHPUT), str(PAIR_RATE))

    def publish(self, request: PublishRequest) -> PublishResult:
        credentials = request.credentials
        recipients: list[str] = list(dict.fromkeys(credentials.metadata.get("recipients") or []))
        if not credentials.external_id:
            raise PublishError(ErrorKind.PERMANENT, "WhatsApp: the account has no phone number id.", code="no_phone_number_id")
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
                    f"{credentials.external_id}/messages",
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
                components.append({"type": "body", "parameters": [{"type": "text", "text": request.text}]})
            return {
                **base,
                "type": "template",
                "template": {"name": template["name"], "language": {"code": template["language"]}, "components": components},
            }
        if image is not None:
            return {**base, "type": "image", "image": {"link": image.url, "caption": request.text}}
        return {**base, "type": "text", "text": {"preview_url": True, "body": request.text}}
