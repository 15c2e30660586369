import pytest
from django.core.management import call_command

from backend.scheduling.publishing import posts_dispatch_due

pytestmark = pytest.mark.django_db


def started(monkeypatch, seconds_ago: float) -> None:
    """This web process started `seconds_ago` seconds ago (what the start-up grace counts from)."""
    from datetime import timedelta

    from django.utils import timezone

    from backend.scheduling import health

    monkeypatch.setattr(health, "PROCESS_STARTED_AT", timezone.now() - timedelta(seconds=seconds_ago))


def note(name: str, seconds_ago: float = 0) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from backend.scheduling.models import SchedulerHeartbeat

    SchedulerHeartbeat.objects.update_or_create(name=name, defaults={"last_drained_at": timezone.now() - timedelta(seconds=seconds_ago)})


def test_a_freshly_started_stack_is_healthy_within_the_start_up_grace(anon, monkeypatch, settings):
    started(monkeypatch, 1)
    response = anon.get("/api/health/")
    assert response.status_code == 200, response.data
    assert (response.data["checks"]["beat"], response.data["checks"]["workers"]) == ("starting", "starting")


def test_health_is_503_when_beat_never_ticked_after_the_grace_then_200_once_a_worker_runs_a_tick(anon, monkeypatch, settings):
    started(monkeypatch, settings.PUBLISH_STARTUP_GRACE_SECONDS + 1)
    before = anon.get("/api/health/")
    assert before.status_code == 503
    assert before.data["checks"]["database"] == "ok"
    assert "is celery beat running" in before.data["detail"]

    posts_dispatch_due()  # what a worker does when beat's tick reaches it
    after = anon.get("/api/health/")
    assert after.status_code == 200, after.data
    assert after.data["checks"] == {"database": "ok", "broker": "ok", "beat": "ok", "workers": "ok", "scheduler": "ok", "backlog": "ok"}


def test_health_tells_no_worker_alive_from_beat_not_ticking_from_no_worker_on_the_tick_queue(anon, monkeypatch, settings):
    started(monkeypatch, 3600)
    stale = 3 * settings.PUBLISH_INTERVAL_SECONDS + 5
    note("beat")  # beat sends its ticks...
    note("publisher", stale)  # ...but no worker has run one for a while...
    note("worker", stale)  # ...and none is alive
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert (response.data["checks"]["beat"], response.data["checks"]["workers"]) == ("ok", "error")
    assert "No Celery worker is alive" in response.data["detail"]
    assert "is celery beat running" not in response.data["detail"]

    note("worker")  # a worker is alive, but it consumes only the publish queue: nobody runs the ticks
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert (response.data["checks"]["beat"], response.data["checks"]["workers"]) == ("ok", "error")
    assert "does a worker consume the default queue" in response.data["detail"]

    note("beat", stale)  # now beat stopped, the worker lives: it is beat that is reported
    response = anon.get("/api/health/")
    assert (response.data["checks"]["beat"], response.data["checks"]["workers"]) == ("error", "ok")
    assert "is celery beat running" in response.data["detail"]
    assert "worker" not in response.data["detail"].lower().replace("celery beat", "")

    note("worker", stale)  # and the worker is gone too: both are said
    response = anon.get("/api/health/")
    assert (response.data["checks"]["beat"], response.data["checks"]["workers"]) == ("error", "error")
    assert "is celery beat running" in response.data["detail"] and "No Celery worker is alive" in response.data["detail"]


def test_health_never_500s_when_a_query_fails_mid_check(anon, monkeypatch):
    """A table gone mid-check (as good as a database dropping between two queries): a JSON 503."""
    from django.db import connection

    started(monkeypatch, 3600)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE scheduling_schedulerheartbeat RENAME TO scheduling_schedulerheartbeat_gone")
    response = anon.get("/api/health/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.data["checks"]["scheduler"] == "error"


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
