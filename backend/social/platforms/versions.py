"""When the platform API versions in the settings stop working, and a system check that says so.

LinkedIn (https://learn.microsoft.com/en-us/linkedin/marketing/versioning and the sunset table at
https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations, checked 2026-11-21):
monthly versions YYYYMM, each supported for at least a year; a sunset version answers 426
NONEXISTENT_VERSION. Versions the table does not list yet are taken to sunset on the 15th of the
same month a year later (the policy's minimum; the table's dates are the 15th-17th).

Graph API (https://developers.facebook.com/docs/graph-api/changelog/versions/, checked
2026-11-21): v26.0 is the newest (July 29, 2026, expiry not yet set). Facebook Pages, Instagram
and WhatsApp Cloud API all take this version in the path.

`manage.py check` warns (social.W001) when a configured version is within WARN_DAYS of its
sunset and (social.W002) when it is past it, naming the setting to change.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from django.conf import settings
from django.core import checks

WARN_DAYS = 60

LINKEDIN_SUNSETS = {
    "202510": date(2026, 10, 15),
    "202511": date(2026, 11, 16),
    "202601": date(2027, 1, 15),
    "202602": date(2027, 2, 15),
    "202603": date(2027, 3, 16),
}

GRAPH_SUNSETS = {
    "v17.0": date(2025, 9, 12),
    "v18.0": date(2026, 1, 26),
    "v19.0": date(2026, 5, 21),
    "v20.0": date(2026, 9, 24),
    "v21.0": date(2027, 1, 21),
    "v22.0": date(2027, 5, 20),
    "v23.0": date(2027, 10, 8),
    "v24.0": date(2028, 2, 18),
    "v25.0": date(2028, 7, 29),
    "v26.0": None,  # newest; expiry to be announced
}


def linkedin_sunset(version: str) -> date | None:
    """The sunset date of a LinkedIn-Version (published, or a year after its month); None if malformed."""
    if version in LINKEDIN_SUNSETS:
        return LINKEDIN_SUNSETS[version]
    match = re.fullmatch(r"(20\d{2})(0[1-9]|1[0-2])", version or "")
    if not match:
        return None
    return date(int(match.group(1)) + 1, int(match.group(2)), 15)


def graph_sunset(version: str) -> date | None:
    """The published expiry of a Graph API version; versions older than the table count as expired."""
    if version in GRAPH_SUNSETS:
        return GRAPH_SUNSETS[version]
    match = re.fullmatch(r"v(\d+)\.0", version or "")
    if match and int(match.group(1)) < 17:
        return date(2025, 9, 12)
    return None  # newer than the table, or unknown: nothing to warn about


def version_problems(*, today: date | None = None) -> list[checks.CheckMessage]:
    today = today or datetime.now(timezone.utc).date()
    configured: list[tuple[str, str, str, date | None]] = []
    linkedin = settings.SOCIAL_PLATFORMS.get("linkedin", {}).get("api_version", "")
    sunset = linkedin_sunset(str(linkedin))
    if sunset is None:
        return [checks.Warning(f"LINKEDIN_API_VERSION {linkedin!r} is not a LinkedIn-Version (YYYYMM).", id="social.W003")]
    configured.append(("LinkedIn", "LINKEDIN_API_VERSION", str(linkedin), sunset))
    for platform, setting in (
        ("facebook", "FACEBOOK_GRAPH_API_VERSION"),
        ("instagram", "INSTAGRAM_GRAPH_API_VERSION"),
        ("whatsapp", "WHATSAPP_GRAPH_API_VERSION"),
    ):
        version = str(settings.SOCIAL_PLATFORMS.get(platform, {}).get("api_version", ""))
        configured.append((f"Graph API ({platform})", f"{setting} (or GRAPH_API_VERSION)", version, graph_sunset(version)))
    messages: list[checks.CheckMessage] = []
    for name, setting, version, sunset in configured:
        if sunset is None:
            continue
        days = (sunset - today).days
        if days <= 0:
            messages.append(checks.Warning(
                f"{name} version {version} was sunset on {sunset:%Y-%m-%d}: every call fails.",
                hint=f"Set {setting} to a live version (see backend/social/platforms/versions.py).",
                id="social.W002",
            ))
        elif days <= WARN_DAYS:
            messages.append(checks.Warning(
                f"{name} version {version} is sunset on {sunset:%Y-%m-%d}, in {days} days.",
                hint=f"Move {setting} to a newer version before then.",
                id="social.W001",
            ))
    return messages


@checks.register(checks.Tags.compatibility)
def check_platform_versions(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return version_problems()
