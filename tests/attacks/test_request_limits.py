"""Bodies that are too big, too deep or not text: a 4xx in the contract's JSON shape, read no further than needed."""
from __future__ import annotations

import io
import json

import pytest

from backend.accounts.models import Organization
from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount
from tests.conftest import future, make_image

pytestmark = pytest.mark.django_db

GiB = 1024**3


class CountingInput(io.RawIOBase):
    """A WSGI input that yields `size` bytes of a repeated pattern and counts what was read."""

    def __init__(self, size: int, head: bytes = b"", fill: bytes = b"x"):
        self.size, self.head, self.fill, self.read_bytes = size, head, fill, 0

    def readable(self):
        return True

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.size - self.read_bytes
        n = min(n, self.size - self.read_bytes)
        start = self.read_bytes
        out = bytearray()
        if start < len(self.head):
            out += self.head[start:start + n]
        out += self.fill * (n - len(out))
        self.read_bytes += n
        return bytes(out)

    def readline(self, limit=-1):
        return self.read(limit if limit and limit > 0 else 65536)


def test_deep_json_5000_levels_on_anonymous_token_endpoint_is_400(anon):
    body = "[" * 5000 + "]" * 5000
    response = anon.post("/api/auth/token/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"


def test_deep_json_object_in_post_metadata_is_400_and_nothing_saved(owner_client, sandbox):
    metadata: dict = {}
    node = metadata
    for _ in range(200):
        node["a"] = {}
        node = node["a"]
    body = {"social_account": sandbox.pk, "caption": "x", "scheduled_time": future(), "metadata": metadata}
    response = owner_client.post("/api/schedule/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"
    assert not ScheduledPost.objects.exists()


def test_gigabyte_json_body_is_413_json_before_reading(owner_client):
    stream = CountingInput(GiB, head=b'{"name": "')
    response = owner_client.generic(
        "POST", "/api/organizations/", content_type="application/json",
        **{"CONTENT_LENGTH": str(GiB), "wsgi.input": stream},
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"
    assert stream.read_bytes == 0


def test_json_body_just_over_the_limit_is_413_json(owner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = owner_client.post("/api/organizations/", data=json.dumps({"name": "x" * 20_000}), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": response.json()["detail"], "code": "request_too_large", "limit": 10_000}


def test_gigabyte_multipart_to_media_is_413_before_spooling(owner_client, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    stream = CountingInput(GiB, head=b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n")
    response = owner_client.generic(
        "POST", "/api/media/", content_type="multipart/form-data; boundary=b",
        **{"CONTENT_LENGTH": str(GiB), "wsgi.input": stream},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert stream.read_bytes == 0
    assert list(tmp_path.iterdir()) == []


def test_400_mib_asset_to_preflight_is_413_without_reading(owner_client):
    size = 400 * 1024 * 1024
    stream = CountingInput(size, head=b"--b\r\nContent-Disposition: form-data; name=\"asset\"; filename=\"a.jpg\"\r\n\r\n")
    response = owner_client.generic(
        "POST", "/api/social/preflight/", content_type="multipart/form-data; boundary=b",
        **{"CONTENT_LENGTH": str(size), "wsgi.input": stream},
    )
    assert response.status_code == 413
    assert stream.read_bytes == 0


def test_oversized_file_inside_an_allowed_body_stops_streaming_at_the_limit(owner_client, org, settings):
    """The declared body passes (large form allowance), the file alone is over MEDIA_MAX_UPLOAD_BYTES."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
    settings.MEDIA_MAX_UPLOAD_BYTES = 100_000
    head = (
        b"--b\r\nContent-Disposition: form-data; name=\"organization\"\r\n\r\n" + str(org.pk).encode() + b"\r\n"
        b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    size = 6 * 1024 * 1024
    stream = CountingInput(size, head=head)
    response = owner_client.generic(
        "POST", "/api/media/", content_type="multipart/form-data; boundary=b",
        **{"CONTENT_LENGTH": str(size), "wsgi.input": stream},
    )
    assert response.status_code == 400
    assert "limit" in response.json()["file"][0]
    assert stream.read_bytes < 1024 * 1024  # stopped near the limit, not after 6 MiB


def test_lone_surrogate_in_post_metadata_is_400_and_the_list_still_reads(owner_client, sandbox):
    body = '{"social_account": %d, "caption": "x", "scheduled_time": "%s", "metadata": {"a": "\\udfff"}}' % (sandbox.pk, future())
    response = owner_client.post("/api/schedule/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_unicode"
    assert not ScheduledPost.objects.exists()
    assert owner_client.get("/api/schedule/").status_code == 200


def test_lone_surrogate_in_a_key_or_caption_is_400(owner_client, sandbox):
    for body in (
        '{"social_account": %d, "caption": "x\\ud800", "scheduled_time": "%s"}' % (sandbox.pk, future()),
        '{"social_account": %d, "caption": "x", "scheduled_time": "%s", "metadata": {"\\udfff": 1}}' % (sandbox.pk, future()),
    ):
        response = owner_client.post("/api/schedule/", data=body, content_type="application/json")
        assert response.status_code == 400, body
    assert not ScheduledPost.objects.exists()


def test_nul_in_account_metadata_is_400_and_nothing_saved(owner_client, org):
    body = json.dumps({"organization": org.pk, "platform": "sandbox", "handle": "h", "metadata": {"k": "a\u0000b"}})
    response = owner_client.post("/api/social/accounts/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert not SocialAccount.objects.exists()


def test_body_that_is_not_utf8_is_400(owner_client):
    response = owner_client.post("/api/organizations/", data=b'{"name": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400
    assert not Organization.objects.filter(name__startswith="\ufffd").exists()


def test_unknown_api_path_answers_json_404(owner_client):
    response = owner_client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_small_upload_still_works(owner_client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner_client.post(
        "/api/media/", {"organization": org.pk, "file": SimpleUploadedFile("a.jpg", make_image(size=(64, 64)), "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.content


def test_number_1e309_as_an_id_is_400_not_an_overflow(owner_client, sandbox):
    body = '{"social_account": %d, "caption": "x", "scheduled_time": "%s", "asset_id": 1e309}' % (sandbox.pk, future())
    response = owner_client.post("/api/schedule/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert not ScheduledPost.objects.exists()


def test_100k_character_email_on_sign_in_is_400(anon):
    response = anon.post("/api/auth/token/", {"email": "x" * 100_000, "password": "x"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("search", ["x" * 60_000, " ".join(["a"] * 5000)])
def test_search_too_long_or_with_thousands_of_words_is_400(owner_client, sandbox, search):
    assert owner_client.get("/api/schedule/", {"search": search}).status_code == 400


def test_50000_account_ids_in_bulk_are_refused_before_any_lookup(owner_client, sandbox, django_assert_max_num_queries):
    body = {"social_accounts": [sandbox.pk] * 50_000, "caption": "x", "scheduled_time": future()}
    with django_assert_max_num_queries(20):
        response = owner_client.post("/api/schedule/bulk/", body, format="json")
    assert response.status_code == 400
    assert "social_accounts" in response.json()
