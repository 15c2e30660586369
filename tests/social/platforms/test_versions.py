"""The `manage.py check` warning about LinkedIn and Graph API version sunsets."""
from __future__ import annotations

import copy
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from backend.social.platforms.versions import graph_sunset, linkedin_sunset, version_problems
from tests.fakes.platforms import linkedin_version_active


def ids(messages) -> list[str]:
    return [m.id for m in messages]


@pytest.fixture(autouse=True)
def own_platform_settings(settings):
    settings.SOCIAL_PLATFORMS = copy.deepcopy(settings.SOCIAL_PLATFORMS)  # tests change nested values


def test_the_default_versions_are_live_and_not_near_their_sunset():
    today = date(2026, 11, 21)
    assert version_problems(today=today) == []
    # ...and the LinkedIn fake, which follows LinkedIn's published table, serves the default.
    from django.conf import settings

    assert linkedin_version_active(settings.SOCIAL_PLATFORMS["linkedin"]["api_version"], today)


def test_a_sunset_linkedin_version_warns(settings):
    settings.SOCIAL_PLATFORMS["linkedin"]["api_version"] = "202510"
    (message,) = version_problems(today=date(2026, 11, 21))
    assert message.id == "social.W002"
    assert "2026-10-15" in message.msg and "LINKEDIN_API_VERSION" in message.hint


def test_a_linkedin_version_within_60_days_of_its_sunset_warns(settings):
    settings.SOCIAL_PLATFORMS["linkedin"]["api_version"] = "202601"  # sunset 2027-01-15: 55 days
    (message,) = version_problems(today=date(2026, 11, 21))
    assert message.id == "social.W001" and "in 55 days" in message.msg


def test_graph_versions_warn_near_and_past_their_expiry(settings):
    settings.SOCIAL_PLATFORMS["facebook"]["api_version"] = "v21.0"  # expires 2027-01-21: 61 days
    settings.SOCIAL_PLATFORMS["instagram"]["api_version"] = "v20.0"  # expired 2026-09-24
    settings.SOCIAL_PLATFORMS["whatsapp"]["api_version"] = "v21.0"
    assert ids(version_problems(today=date(2026, 11, 21))) == ["social.W002"]
    assert ids(version_problems(today=date(2026, 11, 22))) == ["social.W001", "social.W002", "social.W001"]


def test_sunset_dates():
    assert linkedin_sunset("202603") == date(2027, 3, 16)  # published
    assert linkedin_sunset("202607") == date(2027, 7, 15)  # a year after, per the policy
    assert linkedin_sunset("2026-07") is None
    assert graph_sunset("v23.0") == date(2027, 10, 8)
    assert graph_sunset("v26.0") is None


def test_manage_py_check_reports_it(settings):
    settings.SOCIAL_PLATFORMS["linkedin"]["api_version"] = "202510"
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert "social.W002" in out.getvalue() + err.getvalue()
