"""CSV import: Excel-style files (BOM, `;`), per-row problems numbered like a spreadsheet, dry runs,
all-or-nothing creation, and 5,000 rows well under a minute."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backend.accounts.models import Membership, Role
from backend.scheduling.models import ScheduledPost
from backend.social.models import SocialAccount
from tests.conftest import make_image

UTC = dt_timezone.utc


def later(days=2, hour=9):
    day = (timezone.now() + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00:00"


def upload(client, text: str | bytes, *, dry_run=None, name="posts.csv", **headers):
    data = text.encode("utf-8") if isinstance(text, str) else text
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if dry_run is not None:
        body["dry_run"] = "true" if dry_run else "false"
    return client.post("/api/schedule/import/", body, format="multipart", **headers)


@pytest.fixture
def x_account(org):
    return SocialAccount.objects.create(organization=org, platform="twitter", handle="LakshmiSilks", access_token="t")


def excel_file(sandbox, x_account, image_id) -> bytes:
    """As Excel saves "CSV UTF-8" in a locale whose list separator is `;`: BOM, `;`, CRLF."""
    rows = [
        "social_account;platform;handle;caption;hashtags;scheduled_time;timezone;asset_id;first_comment",
        f"{sandbox.pk};;;Pongal offer on cotton;pongal, cotton #handloom;{later()};Asia/Kolkata;{image_id};Visit us",  # 2 ok
        f";twitter;@lakshmisilks;\"Silk; now 20% off\nTwo lines\";silk;{later(3)}+05:30;;;",  # 3 ok (quoted ; and newline)
        f"999999;;;Nobody's account;;{later()};Asia/Kolkata;;",  # 4 unknown account
        f"{sandbox.pk};;;No zone;;{later()};;;",  # 5 naive time without timezone
        f"{sandbox.pk};;;Too late;;2020-01-01T09:00:00+05:30;;;",  # 6 in the past
        f"{sandbox.pk};;;Bad tag;not-a-tag!;{later()};Asia/Kolkata;;",  # 7 hashtag
        f";twitter;lakshmisilks;{'x' * 300};;{later()};Asia/Kolkata;;",  # 8 too long for X (preflight)
        f"{sandbox.pk};;;Wrong media;;{later()};Asia/Kolkata;424242;",  # 9 asset
        f"{sandbox.pk};;;Zone;;{later()};Mars/Olympus;;",  # 10 timezone (and so a naive time)
        f"{sandbox.pk};;;Garbage time;;next friday;Asia/Kolkata;;",  # 11 time
        f";facebook;nobody;Hello;;{later()};Asia/Kolkata;;",  # 12 no such handle
    ]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


@pytest.fixture
def image_id(owner_client):
    return owner_client.post("/api/media/", {"file": SimpleUploadedFile("p.jpg", make_image())}, format="multipart").json()["id"]


def test_dry_run_lists_every_problem_by_spreadsheet_row(owner_client, sandbox, x_account, image_id):
    response = upload(owner_client, excel_file(sandbox, x_account, image_id), dry_run=True)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ok"] is False and body["rows"] == 11
    found = [(p["row"], p["field"], p["code"]) for p in body["problems"]]
    assert found == [
        (4, "social_account", "not_found"),
        (5, "scheduled_time", "naive_time"),
        (6, "scheduled_time", "in_past"),
        (7, "hashtags", "invalid"),
        (8, "caption", "caption_too_long"),
        (9, "asset_id", "not_found"),
        (10, "timezone", "invalid"),
        (10, "scheduled_time", "naive_time"),
        (11, "scheduled_time", "invalid"),
        (12, "handle", "not_found"),
    ], body["problems"]
    assert all(p["message"] for p in body["problems"])
    assert ScheduledPost.objects.count() == 0
    # Without dry_run: a 400 with the same problems, and nothing is created.
    refused = upload(owner_client, excel_file(sandbox, x_account, image_id))
    assert refused.status_code == 400 and refused.json()["problems"] == body["problems"]
    assert ScheduledPost.objects.count() == 0


def test_a_clean_file_creates_every_post(owner_client, sandbox, x_account, image_id):
    lines = excel_file(sandbox, x_account, image_id).decode("utf-8-sig").split("\r\n")[:3]
    data = ("\ufeff" + "\r\n".join(lines)).encode()
    assert upload(owner_client, data, dry_run=True).json() == {"ok": True, "rows": 2, "problems": []}
    response = upload(owner_client, data)
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    first, second = ScheduledPost.objects.filter(pk__in=response.json()["post_ids"]).order_by("id")
    assert first.hashtags == ["#pongal", "#cotton", "#handloom"] and first.asset_id == image_id and first.first_comment == "Visit us"
    assert first.timezone == "Asia/Kolkata" and first.scheduled_time.astimezone(UTC).hour == 3 and first.scheduled_time.minute == 30
    assert second.social_account == x_account and second.caption == "Silk; now 20% off\nTwo lines" and second.status == "scheduled"


def test_comma_files_without_bom_and_header_problems(owner_client, sandbox):
    plain = f"social_account,caption,scheduled_time\n{sandbox.pk},\"Hello, world\",{later()}+05:30\n\n"
    response = upload(owner_client, plain)
    assert response.status_code == 201 and response.json()["created"] == 1
    missing = upload(owner_client, "caption,when\nx,y\n", dry_run=True).json()
    assert {(p["row"], p["field"], p["code"]) for p in missing["problems"]} == {
        (1, "when", "unknown_column"), (1, "social_account", "missing_column"), (1, "scheduled_time", "missing_column")}
    extra_cells = upload(owner_client, f"social_account,caption,scheduled_time\n{sandbox.pk},a,{later()}+00:00,surprise\n", dry_run=True).json()
    assert extra_cells["problems"][0]["row"] == 2 and extra_cells["problems"][0]["code"] == "too_many_cells"


@pytest.mark.parametrize("data, words", [
    ("caption;scheduled_time\n".encode("utf-16"), "UTF-8"),
    ("social_account,caption\n1,Café".encode("latin-1"), "UTF-8"),
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "UTF-8"),
    (b"\x00\x00\x00", "not a CSV"),
])
def test_unreadable_files_are_a_400(owner_client, data, words):
    response = upload(owner_client, data)
    assert response.status_code == 400 and words in response.json()["file"][0], response.json()


def test_row_limit_and_missing_file(settings, owner_client, sandbox):
    settings.IMPORT_MAX_ROWS = 3
    text = "social_account,caption,scheduled_time\n" + "".join(f"{sandbox.pk},p{n},{later()}+00:00\n" for n in range(4))
    assert "at most 3" in upload(owner_client, text).json()["file"][0]
    assert owner_client.post("/api/schedule/import/", {}, format="multipart").status_code == 400


def test_roles(org, other_org, member, client_for, sandbox):
    text = f"social_account,caption,scheduled_time\n{sandbox.pk},Hi,{later()}+00:00\n"
    editor = client_for(member(org, Role.EDITOR))
    created = upload(editor, text)
    assert created.status_code == 201 and ScheduledPost.objects.get(pk=created.json()["post_ids"][0]).status == "pending"
    viewer = member(org, Role.VIEWER)
    refused = upload(client_for(viewer), text)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    # an editor elsewhere may import, but not into the organization where they only view
    Membership.objects.create(user=viewer, organization=other_org, role=Role.EDITOR)
    row_refused = upload(client_for(viewer), text)
    assert row_refused.status_code == 400 and row_refused.json()["problems"][0]["code"] == "permission_denied"
    assert ScheduledPost.objects.count() == 1


def test_import_is_idempotent(owner_client, sandbox):
    text = f"social_account,caption,scheduled_time\n{sandbox.pk},Hi,{later()}+00:00\n"
    first = upload(owner_client, text, HTTP_IDEMPOTENCY_KEY="import-1")
    again = upload(owner_client, text, HTTP_IDEMPOTENCY_KEY="import-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert ScheduledPost.objects.count() == 1


def test_five_thousand_rows_well_under_a_minute(owner_client, sandbox, x_account, image_id):
    # Baseline in the same run: posts created one request at a time through POST /api/schedule/.
    started = time.perf_counter()
    for n in range(40):
        owner_client.post("/api/schedule/", {"social_account": sandbox.pk, "caption": f"baseline {n}", "scheduled_time": later(5) + "+00:00"}, format="json")
    per_request = (time.perf_counter() - started) / 40

    rows = ["social_account;platform;handle;caption;hashtags;scheduled_time;timezone;asset_id;first_comment"]
    for n in range(5000):
        if n % 2:
            rows.append(f";twitter;lakshmisilks;Kurti {n} in new colours;kurti cotton;{later(1 + n % 60, 8 + n % 12)};Asia/Kolkata;;")
        else:
            asset = image_id if n % 10 == 0 else ""
            rows.append(f"{sandbox.pk};;;Saree {n}: festive offer;saree,silk;{later(1 + n % 60, 8 + n % 12)};Asia/Kolkata;{asset};First {n}")
    data = ("\ufeff" + "\r\n".join(rows)).encode()
    started = time.perf_counter()
    dry = upload(owner_client, data, dry_run=True)
    dry_seconds = time.perf_counter() - started
    assert dry.status_code == 200 and dry.json() == {"ok": True, "rows": 5000, "problems": []}
    started = time.perf_counter()
    response = upload(owner_client, data)
    seconds = time.perf_counter() - started
    assert response.status_code == 201 and response.json()["created"] == 5000
    per_row = seconds / 5000
    print(f"\nIMPORT 5000 rows: dry run {dry_seconds:.1f} s, import {seconds:.1f} s ({per_row * 1000:.2f} ms/row); "
          f"one POST /api/schedule/ {per_request * 1000:.1f} ms ({per_request / per_row:.1f}x slower per post)")
    assert seconds < 30 and dry_seconds < 30
    assert per_row < per_request  # a row costs less than a request creating the same post
