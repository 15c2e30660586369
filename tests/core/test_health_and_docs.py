import pytest
from django.core.management import call_command

from backend.scheduling.publishing import posts_dispatch_due

pytestmark = pytest.mark.django_db


def test_health_is_503_until_beat_drains_then_200(anon):
    before = anon.get("/api/health/")
    assert before.status_code == 503
    assert before.data["checks"]["database"] == "ok"
    assert "scheduler" in before.data["detail"]

    posts_dispatch_due()
    after = anon.get("/api/health/")
    assert after.status_code == 200, after.data
    assert after.data["checks"] == {"database": "ok", "broker": "ok", "scheduler": "ok", "backlog": "ok"}


def test_health_is_503_when_beat_stopped(anon, settings):
    from datetime import timedelta

    from django.utils import timezone

    posts_dispatch_due(now=timezone.now() - timedelta(seconds=3 * settings.PUBLISH_INTERVAL_SECONDS + 5))
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert "is celery beat running" in response.data["detail"]


def test_schema_generates_without_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert "Warning" not in capsys.readouterr().err


def test_docs_pages(anon):
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert anon.get(path).status_code == 200, path


def test_admin_lists_posts_accounts_and_organizations(client, django_user_model, sandbox):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)
    for path in ("/admin/scheduling/scheduledpost/", "/admin/social/socialaccount/", "/admin/accounts/organization/"):
        assert client.get(path).status_code == 200, path
