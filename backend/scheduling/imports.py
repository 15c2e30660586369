"""CSV import of posts: every row checked like a post created through the API, then all created or none.

Columns (header row, any order, case-insensitive): `social_account` (id) or `platform` + `handle`,
`caption`, `hashtags` (space or comma separated), `scheduled_time`, `timezone`, `asset_id`,
`first_comment`. Files may be UTF-8 with or without a BOM (as Excel saves them) and use `,` or
`;` as the separator (Excel in many European locales writes `;`).

Problems are reported per row, numbered as a spreadsheet shows them (the header is row 1): every
validation and preflight problem of every row, so a shop fixes its file in one pass.
"""
from __future__ import annotations

import csv
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import WRITER_ROLES, User
from backend.assets.models import MediaAsset
from backend.accounts.permissions import org_roles
from backend.core.exceptions import PermissionDenied, ValidationFailed
from backend.social.models import SocialAccount
from backend.social.text import InvalidHashtag, normalise_hashtag

from . import services
from .models import ScheduledPost

COLUMNS = ("social_account", "platform", "handle", "caption", "hashtags", "scheduled_time", "timezone", "asset_id", "first_comment")
MAX_FILE_BYTES = 10 * 1024 * 1024
HASHTAG_SPLIT = re.compile(r"[\s,]+")
CAPTION_MAX = 70000
FIRST_COMMENT_MAX = 8000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not text, too large, too many rows, no header)."""


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    posts: list[ScheduledPost] = field(default_factory=list)  # each good row's checked, unsaved post

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, row: int, field_name: str, code: str, message: str) -> None:
        self.problems.append({"row": row, "field": field_name, "code": code, "message": message})


def read_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Decode (UTF-8, BOM optional), pick the separator from the header, return header and rows."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text: save it as \"CSV UTF-8\".") from None
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFileError("The file is empty: the first row must name the columns.")
    header = [cell.strip().lower() for cell in records[0]]
    rows = records[1:]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(f"The file has {len(rows)} rows; at most {settings.IMPORT_MAX_ROWS} can be imported at once.")
    return header, rows


def _parse_time(value: str, timezone_name: str) -> datetime:
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(text)
    if not 1970 <= moment.year <= 2999:
        raise ValueError("Dates must be between 1970 and 2999.")
    if timezone.is_naive(moment):
        if not timezone_name:
            raise LookupError("This time has no UTC offset: add one (e.g. +05:30) or fill the timezone column.")
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(timezone_name))
    return moment.astimezone(zoneinfo.ZoneInfo("UTC"))


def _messages(detail: Any) -> list[tuple[str, str, str]]:
    """(field, code, message) triples from `ValidationFailed.errors` (messages or (message, code) pairs)."""
    found = []
    if isinstance(detail, dict):
        for name, value in detail.items():
            for _, code, message in _messages(value):
                found.append((name, code, message))
    elif isinstance(detail, list):
        for value in detail:
            found.extend(_messages(value))
    elif isinstance(detail, tuple):
        message, code = detail
        found.append(("non_field_errors", code or "invalid", str(message)))
    else:
        found.append(("non_field_errors", getattr(detail, "code", "invalid") or "invalid", str(detail)))
    return found


def import_check(*, by: User, data: bytes) -> ImportReport:
    """Read and check every row; `report.posts` holds what to create when `report.ok`.

    A caller who may create posts in none of their organizations is refused as a whole (403);
    otherwise a row naming an account where their role does not allow it is that row's problem.
    """
    roles = org_roles(by)
    if not any(role in WRITER_ROLES for role in roles.values()):
        raise PermissionDenied("Your role does not allow creating posts in any of your organizations.")
    header, rows = read_rows(data)
    report = ImportReport(rows=len(rows))
    unknown = [name for name in header if name and name not in COLUMNS]
    for name in unknown:
        report.add(1, name, "unknown_column", f"Unknown column '{name}'. Columns: {', '.join(COLUMNS)}.")
    if "social_account" not in header and not {"platform", "handle"} <= set(header):
        report.add(1, "social_account", "missing_column", "Add a social_account column (id), or platform and handle columns.")
    if "scheduled_time" not in header:
        report.add(1, "scheduled_time", "missing_column", "Add a scheduled_time column.")
    if report.problems:
        return report

    accounts = list(SocialAccount.objects.filter(organization_id__in=list(roles)).select_related("organization"))
    by_id = {str(account.pk): account for account in accounts}
    by_handle = {(account.platform, account.handle.lower().lstrip("@")): account for account in accounts}
    assets = {str(asset.pk): asset for asset in MediaAsset.objects.filter(organization_id__in=list(roles))}
    now = timezone.now()
    zones = zoneinfo.available_timezones()  # reads the tz database from disk: once per file

    for index, record in enumerate(rows):
        row = index + 2
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            report.add(row, "row", "too_many_cells", f"This row has {len(record)} cells but the header names {len(header)} columns.")
            continue
        cells = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
        problems_before = len(report.problems)

        account = None
        account_ref = cells.get("social_account", "").strip()
        if account_ref:
            account = by_id.get(account_ref)
            if account is None:
                report.add(row, "social_account", "not_found", f"No account with id {account_ref} in your organizations.")
        else:
            platform, handle = cells.get("platform", "").strip().lower(), cells.get("handle", "").strip().lower().lstrip("@")
            if not platform or not handle:
                report.add(row, "social_account", "required", "Give social_account, or platform and handle.")
            else:
                account = by_handle.get((platform, handle))
                if account is None:
                    report.add(row, "handle", "not_found", f"No {platform} account '{handle}' in your organizations.")
        if account is not None and roles.get(account.organization_id) not in WRITER_ROLES:
            report.add(row, "social_account", "permission_denied", "Your role in this account's organization does not allow creating posts.")
            account = None

        timezone_name = cells.get("timezone", "").strip()
        if timezone_name and timezone_name not in zones:
            report.add(row, "timezone", "invalid", f"'{timezone_name}' is not an IANA time zone (e.g. Asia/Kolkata).")
            timezone_name = ""
        scheduled_time = None
        raw_time = cells.get("scheduled_time", "").strip()
        if not raw_time:
            report.add(row, "scheduled_time", "required", "A scheduled time is required.")
        else:
            try:
                scheduled_time = _parse_time(raw_time, timezone_name)
            except LookupError as exc:
                report.add(row, "scheduled_time", "naive_time", str(exc))
            except (ValueError, OverflowError):
                report.add(row, "scheduled_time", "invalid", f"'{raw_time[:50]}' is not an ISO 8601 time (e.g. 2026-12-05T09:00:00+05:30).")
            else:
                if scheduled_time <= now:
                    report.add(row, "scheduled_time", "in_past", "The scheduled time must be in the future.")

        hashtags: list[str] = []
        for tag in (t for t in HASHTAG_SPLIT.split(cells.get("hashtags", "")) if t):
            try:
                normalised = normalise_hashtag(tag)
            except InvalidHashtag as exc:
                report.add(row, "hashtags", "invalid", str(exc))
            else:
                if normalised.lower() not in {h.lower() for h in hashtags}:
                    hashtags.append(normalised)

        asset = None
        asset_ref = cells.get("asset_id", "").strip()
        if asset_ref:
            asset = assets.get(asset_ref)
            if asset is None:
                report.add(row, "asset_id", "not_found", f"No media with id {asset_ref} in your organizations.")
        caption = cells.get("caption", "")
        first_comment = cells.get("first_comment", "")
        if len(caption) > CAPTION_MAX:
            report.add(row, "caption", "too_long", f"A caption can have at most {CAPTION_MAX} characters.")
        if len(first_comment) > FIRST_COMMENT_MAX:
            report.add(row, "first_comment", "too_long", f"A first comment can have at most {FIRST_COMMENT_MAX} characters.")

        if account is not None and scheduled_time is not None and len(report.problems) == problems_before:
            try:  # the same checks as any post: targets, role, the platform's preflight
                report.posts.append(services.post_build(
                    by=by, social_account=account, scheduled_time=scheduled_time, caption=caption, hashtags=hashtags,
                    asset=asset, timezone_name=timezone_name, first_comment=first_comment,
                ))
            except ValidationFailed as exc:
                for name, code, message in _messages(exc.errors):
                    report.add(row, name, code, message)
        elif account is not None:  # report content problems too, so one pass finds them all
            try:
                services.check_targets(organization=None, social_account=account, asset=asset)
                services.check_content(social_account=account, caption=caption, hashtags=hashtags, asset=asset)
            except ValidationFailed as exc:
                for name, code, message in _messages(exc.errors):
                    report.add(row, name, code, message)
    return report


@transaction.atomic
def import_posts(*, report: ImportReport) -> list[ScheduledPost]:
    """Save every checked row's post in one transaction (all or nothing)."""
    if not report.ok:
        raise ValueError("an import with problems creates nothing")
    return ScheduledPost.objects.bulk_create(report.posts, batch_size=500)
