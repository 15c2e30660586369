"""What must never reach a client or a log: keys a provider echoes, spoofed file names."""
from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.redaction import redact_secrets
from tests.ai_services.conftest import TEST_API_KEY, fake_openai  # noqa: F401  (fixture)
from tests.conftest import make_image

pytestmark = pytest.mark.django_db

CHAT = "/v1/chat/completions"
OTHER_KEY = "sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUv"


def test_provider_error_echoing_keys_is_redacted_for_the_client_and_the_log(owner_client, org, fake_openai, caplog):  # noqa: F811
    echo = {"error": {"message": f"Bad request from key {TEST_API_KEY}; upstream said Authorization: Bearer {OTHER_KEY} "
                                 f"and ?access_token=EAABsbCS1iHgBAKZC0ZCZBqZCx7", "type": "invalid_request_error",
                      "param": None, "code": None}}
    fake_openai.script(CHAT, *[(400, echo)] * 3)
    caplog.set_level(logging.DEBUG)
    body = {"organization": org.pk, "product_name": "Silk saree", "price": "2500", "variants": 1}
    response = owner_client.post("/api/textile/caption/", body, format="json")
    assert response.status_code == 422
    text = json.dumps(response.json())
    assert "[redacted]" in text
    from backend.ai_services.models import UsageEvent

    stored = " ".join(UsageEvent.objects.values_list("error", flat=True))
    logged = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    for secret in (TEST_API_KEY, OTHER_KEY, "EAABsbCS1iHgBAKZC0ZCZBqZCx7", "sk-test", "sk-proj"):
        assert secret not in text and secret not in stored and secret not in logged, secret


def test_log_records_with_keys_are_redacted_by_the_logging_filter(capsys):
    from backend.core.redaction import RedactSecretsFilter

    logger = logging.getLogger("postloom.test.redaction")
    handler = logging.StreamHandler()
    handler.addFilter(RedactSecretsFilter())
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"provider said: key {OTHER_KEY}")
        except RuntimeError:
            logger.exception("call failed with Bearer %s", OTHER_KEY)
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert OTHER_KEY not in err and "[redacted]" in err


@pytest.mark.parametrize("text, secret", [
    ("Incorrect API key provided: sk-proj-abc1234567890xyz.", "sk-proj-abc1234567890xyz"),
    ('{"access_token": "EAAGm0PX4ZCpsBAKZCsecretvalue"}', "EAAGm0PX4ZCpsBAKZCsecretvalue"),
    ("GET /v23.0/me?access_token=abcdef123456&fields=id", "abcdef123456"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
])
def test_key_shapes_are_redacted(text, secret):
    assert secret not in redact_secrets(text)


def test_ordinary_error_text_is_kept():
    text = "The caption is 2,300 characters; Instagram allows 2,200."
    assert redact_secrets(text) == text


def test_right_to_left_override_in_an_uploaded_file_name_is_removed(owner_client, org):
    upload = SimpleUploadedFile("invoice\u202egpj.exe", make_image(size=(64, 64)), "image/jpeg")
    response = owner_client.post("/api/media/", {"organization": org.pk, "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "invoicegpj.exe"
    for control in ("\u202e", "\u202d", "\u2066", "\u200f"):
        assert control not in response.json()["original_name"]
