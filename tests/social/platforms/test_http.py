"""The shared HTTP base: connection failures, timeouts, 429/5xx, redaction."""
from __future__ import annotations

import logging
import socket
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from backend.social.platforms.base import ErrorKind, PublishError
from backend.social.platforms.http import redact, retry_after_from_headers
from backend.social.platforms.instagram import InstagramService

from .conftest import CLIENT_SECRET, TOKEN, make_request


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_refused_is_transient_and_names_no_token(platforms, settings):
    settings.SOCIAL_PLATFORMS["instagram"]["base_url"] = f"http://127.0.0.1:{_closed_port()}"
    service = InstagramService()

    with pytest.raises(PublishError) as caught:
        service.refresh_token(credentials=make_request().credentials)

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert caught.value.code == "connect"
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


def test_token_never_in_error_message_repr_or_log(platforms, caplog):
    # Graph echoes the token back in some messages; the query string carries it too.
    platforms.reply(
        "GET",
        "/refresh_access_token",
        {"error": {"message": f"Invalid OAuth access token - Cannot parse access token {TOKEN}", "type": "OAuthException", "code": 190, "fbtrace_id": "A1"}},
        status=400,
    )
    service = InstagramService()

    with caplog.at_level(logging.DEBUG), pytest.raises(PublishError) as caught:
        service.refresh_token(credentials=make_request().credentials)

    error = caught.value
    assert error.kind == ErrorKind.AUTH
    assert platforms.calls()[0].params()["access_token"] == TOKEN  # it was sent...
    for text in (str(error), repr(error), error.message, caplog.text):
        assert TOKEN not in text  # ...but is nowhere in what we report
        assert CLIENT_SECRET not in text
    assert "[redacted]" in error.message


def test_redact_masks_secret_parameters_and_bearer_tokens():
    text = f"GET /x?access_token={TOKEN}&client_secret=abc123&fields=id Authorization: Bearer {TOKEN}"
    assert redact(text) == (
        "GET /x?access_token=[redacted]&client_secret=[redacted]&fields=id Authorization: Bearer [redacted]"
    )


def test_retry_after_reads_seconds_http_dates_and_x_rate_limit_reset():
    assert retry_after_from_headers(httpx.Headers({"Retry-After": "120"})) == 120.0
    when = datetime.now(timezone.utc) + timedelta(seconds=300)
    from_date = retry_after_from_headers(httpx.Headers({"Retry-After": format_datetime(when, usegmt=True)}))
    assert 290 <= from_date <= 300
    reset = int(datetime.now(timezone.utc).timestamp()) + 600
    assert 590 <= retry_after_from_headers(httpx.Headers({"x-rate-limit-reset": str(reset)})) <= 600
    assert retry_after_from_headers(httpx.Headers({})) is None


def test_dropped_connection_is_unconfirmed_on_the_final_call_only(platforms, image):
    from backend.social.platforms.facebook import FacebookService
    from tests.fakes.platform_server import Reply

    platforms.reply("POST", "/v23.0/1234567890/feed", Reply(drop=True))
    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request())
    assert caught.value.kind == ErrorKind.UNCONFIRMED

    platforms.reply("POST", "/v23.0/1234567890/photos", Reply(drop=True))
    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request(media=[image, image]))
    assert caught.value.kind == ErrorKind.TRANSIENT


def test_gateway_timeout_on_the_final_call_is_unconfirmed(platforms):
    from backend.social.platforms.facebook import FacebookService

    platforms.reply("POST", "/v23.0/1234567890/feed", b"<html>504 Gateway Time-out</html>", status=504)
    with pytest.raises(PublishError) as caught:
        FacebookService().publish(make_request())
    assert caught.value.kind == ErrorKind.UNCONFIRMED
    assert caught.value.code == "504"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:6379/",  # another port on the same machine
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://graph.facebook.com.evil.test/v23.0/me",
        "{fake}@127.0.0.1:1/x",  # user info that moves the host
        "http://app-client-id@{host}/v23.0/me",
        "{fake}/v23.0/me#fragment",
        "{fake}/v23.0/../../admin",
        "{fake}/v23.0/%2e%2e/admin",
        "//evil.test/v23.0/me",
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
        "../../admin",
        "me/../../admin",
        "me/%2e%2e/%2e%2e/admin",
        "1234567890@evil.test",
        "1234567890#x",
        "1234567890?access_token=stolen",
        "12345\\..\\admin",
        "me//accounts",
        "me/ac counts",
    ],
)
def test_an_adapter_only_calls_its_own_configured_hosts_with_plain_paths(platforms, target):
    from backend.social.platforms.facebook import FacebookService

    target = target.replace("{fake}", platforms.url).replace("{host}", platforms.url.split("//", 1)[1])
    with pytest.raises(PublishError) as caught:
        FacebookService().call("GET", target, credentials=make_request().credentials)

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.code == "url_refused"
    assert TOKEN not in caught.value.message
    assert platforms.requests == []  # nothing was sent anywhere


def test_configured_hosts_and_plain_paths_still_work(platforms):
    from backend.social.platforms.facebook import FacebookService

    platforms.reply("GET", "/v23.0/me", {"id": "1"})
    platforms.reply("GET", "/v23.0/oauth/access_token", {"access_token": "x"})
    service = FacebookService()
    assert service.call_json("GET", "me", credentials=make_request().credentials) == {"id": "1"}
    assert service.call_json("GET", f"{platforms.url}/v23.0/oauth/access_token") == {"access_token": "x"}


def test_a_manual_external_id_pointing_at_an_internal_address_is_never_called(platforms):
    # The reproduction of the issue: external_id "http://127.0.0.1:PORT/..." on Facebook and Instagram.
    from backend.social.platforms.facebook import FacebookService

    internal = f"{platforms.url}/internal/secrets"
    for publish in (
        lambda: FacebookService().publish(make_request(external_id=internal)),
        lambda: InstagramService().publish(make_request(external_id=internal, media=[_image()])),
    ):
        with pytest.raises(PublishError) as caught:
            publish()
        assert caught.value.code in ("invalid_id", "url_refused")
    assert platforms.requests == []


def _image():
    from backend.social.platforms.base import MediaItem

    return MediaItem(url="https://cdn.postloom.test/a.jpg")
