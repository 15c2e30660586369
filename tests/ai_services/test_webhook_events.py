"""AI job and usage events reach the webhook outbox: job.succeeded, job.failed, usage.limit_reached."""
from __future__ import annotations

import pytest

from backend.accounts.models import WebhookDelivery, WebhookEndpoint
from backend.ai_services.usage import UsageLimitExceeded, usage_reserve

from conftest import SERVER_ERROR_BODY
from test_api import CHAT, POSTER, poster_body


@pytest.fixture
def endpoint(org):
    return WebhookEndpoint.objects.create(
        organization=org, url="https://93.184.215.14/hooks", events=["job.succeeded", "job.failed", "usage.limit_reached"], secret="s",
    )


def test_background_jobs_report_success(owner_client, org, settings, endpoint, django_capture_on_commit_callbacks):
    settings.AI_POSTER_BACKGROUND = "always"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = owner_client.post(POSTER, poster_body(), format="multipart").data["job"]["id"]
    [delivery] = WebhookDelivery.objects.filter(event="job.succeeded")
    assert delivery.payload["data"]["id"] == job_id and delivery.payload["data"]["status"] == "succeeded"
    assert delivery.payload["data"]["result"]["poster"]["asset_id"]


def test_background_jobs_report_failure(owner_client, org, settings, endpoint, fake_openai, django_capture_on_commit_callbacks):
    settings.AI_POSTER_BACKGROUND = "auto"
    fake_openai.script(CHAT, *[(500, SERVER_ERROR_BODY)] * 3)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = owner_client.post(POSTER, poster_body(), format="multipart").data["job"]["id"]
    [delivery] = WebhookDelivery.objects.filter(event="job.failed")
    assert delivery.payload["data"]["id"] == job_id and delivery.payload["data"]["error"]["code"] == "ai_provider_transient"


def test_the_last_unit_of_a_period_reports_the_limit_once(org, owner, settings, endpoint):
    settings.AI_PLANS = {"free": {"caption": 2, "poster": 1}}
    usage_reserve(organization=org, operation="caption", user=owner)
    assert not WebhookDelivery.objects.exists()
    usage_reserve(organization=org, operation="caption", user=owner)
    with pytest.raises(UsageLimitExceeded):
        usage_reserve(organization=org, operation="caption", user=owner)
    [delivery] = WebhookDelivery.objects.filter(event="usage.limit_reached")
    assert delivery.payload["data"]["operation"] == "caption" and delivery.payload["data"]["limit"] == 2
    assert delivery.payload["data"]["resets_at"]
