"""WhatsApp Cloud API broadcast adapter against a fake Graph API."""
from __future__ import annotations

import copy
import hashlib
import hmac

import httpx
import pytest

from backend.social.platforms.base import ErrorKind, Metrics, OAuthNotSupported, PublishError
from backend.social.platforms.graph import THROTTLE_DEFAULT_SECONDS
from backend.social.platforms.whatsapp import WhatsAppService, status_supersedes, template_text, webhook_signature_valid, webhook_statuses
from tests.fakes.platforms import graph_throttled
from tests.fakes.platform_server import Reply

from .conftest import TOKEN, make_request

PHONE_ID = "106540352242922"
PATH = f"/v23.0/{PHONE_ID}/messages"
R1, R2, R3 = "+919800000001", "+919800000002", "+919800000003"


def accepted(n: int) -> dict:
    return {"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}], "messages": [{"id": f"wamid.HBgM{n:04d}"}]}


def wa_error(code: int, message: str, status: int = 400) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "OAuthException", "code": code, "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}},
    )


def broadcast(recipients=(R1, R2), **kwargs):
    metadata = {"recipients": list(recipients), **kwargs.pop("metadata", {})}
    return make_request(external_id=PHONE_ID, metadata=metadata, **kwargs)


def test_text_broadcast_messages_every_recipient(platforms, state_log):
    platforms.reply("POST", PATH, accepted(1), accepted(2))

    result = WhatsAppService().publish(broadcast(text="Shop open till 10 pm today", save_state=state_log))

    first, second = platforms.requests
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": R1,
        "type": "text",
        "text": {"preview_url": True, "body": "Shop open till 10 pm today"},
    }
    assert second.json()["to"] == R2
    assert result.external_id == "wamid.HBgM0001"
    assert result.details["recipients"] == {R1: {"status": "sent", "wamid": "wamid.HBgM0001"}, R2: {"status": "sent", "wamid": "wamid.HBgM0002"}}
    assert (result.details["sent"], result.details["failed"]) == (2, 0)
    # Each recipient is checkpointed as "sending" before its call and with its outcome after it.
    assert [(at, s["recipients"][R1]["status"]) for at, s in state_log.saved[1:3]] == [(0, "sending"), (1, "sent")]


def test_image_message_with_caption(platforms, image):
    platforms.reply("POST", PATH, accepted(1))

    WhatsAppService().publish(broadcast(recipients=[R1], media=[image]))

    assert platforms.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": R1,
        "type": "image",
        "image": {"link": image.url, "caption": "Diwali offer: 20% off silk sarees"},
    }


def test_template_with_an_image_header(platforms, image):
    platforms.reply("POST", PATH, accepted(1))
    template = {"name": "festive_offer", "language": "en_US", "body_text": True}

    WhatsAppService().publish(broadcast(recipients=[R1], media=[image], metadata={"template": template}))

    assert platforms.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": R1,
        "type": "template",
        "template": {
            "name": "festive_offer",
            "language": {"code": "en_US"},
            "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"link": image.url}}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Diwali offer: 20% off silk sarees"}]},
            ],
        },
    }


def test_transient_recipients_are_retried_alone_on_the_next_attempt(platforms):
    platforms.reply(
        "POST",
        PATH,
        accepted(1),
        wa_error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
        wa_error(131026, "Message Undeliverable"),
        accepted(4),
    )
    saved: list[dict] = []
    request = broadcast(recipients=[R1, R2, R3], save_state=lambda state: saved.append(copy.deepcopy(state)))

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(request)

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 6.0
    assert [c.json()["to"] for c in platforms.requests] == [R1, R2, R3]
    statuses = {n: o["status"] for n, o in request.state["recipients"].items()}
    assert statuses == {R1: "sent", R2: "retry", R3: "failed"}

    # The task is redelivered with the saved state: only R2 is messaged again.
    retry = broadcast(recipients=[R1, R2, R3], state=saved[-1])
    result = WhatsAppService().publish(retry)

    assert [c.json()["to"] for c in platforms.requests] == [R1, R2, R3, R2]
    assert result.external_id == "wamid.HBgM0001"
    assert {n: o["status"] for n, o in result.details["recipients"].items()} == {R1: "sent", R2: "sent", R3: "failed"}
    assert result.details["recipients"][R3]["code"] == "131026"
    assert (result.details["sent"], result.details["failed"]) == (2, 1)


def test_recipient_left_sending_by_a_dead_worker_is_never_messaged_again(platforms):
    platforms.reply("POST", PATH, accepted(2))
    state = {"recipients": {R1: {"status": "sending"}}}

    result = WhatsAppService().publish(broadcast(recipients=[R1, R2], state=state))

    assert [c.json()["to"] for c in platforms.requests] == [R2]
    assert result.details["recipients"][R1]["status"] == "unconfirmed"
    assert result.external_id == "wamid.HBgM0002"


def test_read_timeout_marks_the_recipient_unconfirmed(platforms):
    platforms.reply("POST", PATH, Reply(body=accepted(1), delay=1.5))

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast(recipients=[R1]))

    assert caught.value.kind == ErrorKind.UNCONFIRMED


def test_every_recipient_failing_permanently_is_permanent(platforms):
    platforms.reply("POST", PATH, wa_error(131047, "Re-engagement message"), wa_error(132001, "Template name does not exist in the translation", status=404))

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast())

    assert caught.value.kind == ErrorKind.PERMANENT
    assert caught.value.code == "131047"


def test_throughput_429_is_rate_limited(platforms):
    platforms.reply("POST", PATH, wa_error(130429, "Rate limit hit", status=429), accepted(1))

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast(recipients=[R1]))

    assert (caught.value.kind, caught.value.retry_after) == (ErrorKind.RATE_LIMITED, 1.0)


def test_a_platform_fault_for_one_recipient_is_transient(platforms):
    platforms.reply("POST", PATH, wa_error(131000, "Something went wrong", status=500), wa_error(130429, "Rate limit hit", status=429))

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast(recipients=[R1, R2]))

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert caught.value.retry_after == 1.0


def test_token_error_stops_the_broadcast_as_auth(platforms):
    platforms.reply("POST", PATH, accepted(1), wa_error(190, "Error validating access token: Session has expired", status=401))
    request = broadcast(recipients=[R1, R2, R3])

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(request)

    assert caught.value.kind == ErrorKind.AUTH
    assert len(platforms.requests) == 2  # R3 was not tried
    assert request.state["recipients"][R1]["status"] == "sent"


def test_no_recipients_is_permanent_without_a_request(platforms):
    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast(recipients=[]))
    assert caught.value.kind == ErrorKind.PERMANENT
    assert platforms.requests == []


def test_no_oauth_and_no_metrics_api(platforms):
    service = WhatsAppService()
    assert service.oauth_supported is False
    with pytest.raises(OAuthNotSupported):
        service.authorization_url(redirect_uri="https://app.postloom.test/cb", state="s")
    with pytest.raises(OAuthNotSupported):
        service.exchange_code(code="c", redirect_uri="https://app.postloom.test/cb")
    with pytest.raises(OAuthNotSupported):
        service.refresh_token(credentials=broadcast().credentials)
    assert service.fetch_metrics(credentials=broadcast().credentials, external_id="wamid.X") == Metrics()
    assert platforms.requests == []


def test_template_text_is_folded_to_what_meta_accepts_and_meta_would_refuse_it_raw(platforms):
    platforms.reply("POST", PATH, accepted(1))
    template = {"name": "festive_offer", "language": "en_US", "body_text": True}
    text = "Diwali sale:\t30% off     silk\n\n#diwali #silk"  # compose() puts "\n\n" before the hashtags

    WhatsAppService().publish(broadcast(recipients=[R1], text=text, metadata={"template": template}))

    sent = platforms.requests[0].json()["template"]["components"][0]["parameters"][0]["text"]
    assert sent == "Diwali sale: 30% off silk #diwali #silk"
    assert template_text("  a \r\n b  ") == "a b"

    # The fake is a witness: the raw text is what Meta refuses with #132018.
    raw = copy.deepcopy(platforms.requests[0].json())
    raw["template"]["components"][0]["parameters"][0]["text"] = text
    answer = httpx.post(f"{platforms.url}{PATH}", json=raw, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 132018


@pytest.mark.parametrize(
    ("reply", "retry_after"),
    [
        (graph_throttled(80007, regain_minutes=4, buc_type="whatsapp_business_management"), 240.0),
        (graph_throttled(4), THROTTLE_DEFAULT_SECONDS),
    ],
)
def test_80007_and_code_4_are_rate_limits_for_the_remaining_recipients(platforms, state_log, reply, retry_after):
    platforms.reply("POST", PATH, accepted(1), reply)

    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(broadcast(recipients=[R1, R2], save_state=state_log))

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == retry_after
    outcomes = state_log.saved[-1][1]["recipients"]
    assert outcomes[R1]["status"] == "sent" and outcomes[R2]["status"] == "retry"


def test_a_free_form_message_outside_the_window_is_accepted_and_fails_later_by_webhook(platforms):
    platforms.reply("POST", PATH, accepted(1), accepted(2))
    platforms.state["whatsapp_window"] = [R2]  # only R2 wrote in the last 24 h

    result = WhatsAppService().publish(broadcast(recipients=[R1, R2]))

    assert result.details["sent"] == 2  # Meta answered 200 with a wamid for both
    events = [status for payload in platforms.state["whatsapp_webhooks"] for status in webhook_statuses(payload)]
    assert [(e.wamid, e.status, e.error_code) for e in events] == [
        ("wamid.HBgM0001", "failed", "131047"),
        ("wamid.HBgM0002", "sent", ""),
        ("wamid.HBgM0002", "delivered", ""),
    ]
    assert "24 hours" in events[0].error_message


def test_webhook_signature_is_an_hmac_of_the_raw_body_with_the_app_secret():
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()

    assert webhook_signature_valid(app_secret="app-secret", body=body, header=good)
    assert not webhook_signature_valid(app_secret="app-secret", body=body + b" ", header=good)
    assert not webhook_signature_valid(app_secret="other", body=body, header=good)
    assert not webhook_signature_valid(app_secret="app-secret", body=body, header=None)
    assert not webhook_signature_valid(app_secret="app-secret", body=body, header=good.replace("sha256=", "sha1="))
    assert not webhook_signature_valid(app_secret="", body=body, header="sha256=")


def test_statuses_only_move_forward():
    assert status_supersedes("delivered", "sent") and status_supersedes("read", "delivered")
    assert not status_supersedes("sent", "read") and not status_supersedes("delivered", "read")
    assert status_supersedes("failed", "sent") and not status_supersedes("failed", "read")
    assert status_supersedes("delivered", "failed")  # a late delivery on another device wins
    assert status_supersedes("sent", "") and not status_supersedes("sent", "sent")


@pytest.mark.parametrize("phone_id", ["http://127.0.0.1:9/", "../me", "106540352242922/../x", "1065#x"])
def test_a_phone_number_id_that_is_not_an_id_never_reaches_a_request(platforms, phone_id):
    with pytest.raises(PublishError) as caught:
        WhatsAppService().publish(make_request(external_id=phone_id, metadata={"recipients": [R1]}))

    assert caught.value.code == "invalid_id"
    assert platforms.requests == []
