"""An existing database migrates cleanly: built by the code before the one-way layering (commit
80f0982, whose migrations wrote beat's periodic tasks and kept PostMetrics and a foreign key to
posts in the social app), then migrated by this code. Its rows survive and beat ends with one
periodic task each. Both steps run as real `manage.py` processes on one database: a scratch
PostgreSQL database next to the test database when DATABASE_URL is PostgreSQL, else a SQLite file."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEFORE = "80f0982"

SEED = """
from django.utils import timezone
from backend.accounts.models import Organization, User
from backend.social.models import SocialAccount, SandboxPublication, PostMetrics
from backend.scheduling.models import ScheduledPost
org = Organization.objects.create(name="Old shop")
account = SocialAccount.objects.create(organization=org, platform="sandbox", handle="old")
post = ScheduledPost.objects.create(organization=org, social_account=account, platform="sandbox", caption="old post",
    scheduled_time=timezone.now(), status="posted", external_post_id="sbx_1")
SandboxPublication.objects.create(post=post, social_account=account, caption="old post", external_id="sbx_1")
PostMetrics.objects.create(post=post, checkpoint="1h", likes=7, fetched_at=timezone.now())
"""

CHECK = """
import json
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from backend.celery import app
from backend.scheduling.models import PostMetrics, ScheduledPost
from backend.social.models import SandboxPublication
post = ScheduledPost.objects.get(caption="old post")
before = sorted(PeriodicTask.objects.values_list("task", flat=True))
DatabaseScheduler(app=app)
after = sorted(PeriodicTask.objects.values_list("task", flat=True))
print(json.dumps({
    "metrics": list(PostMetrics.objects.filter(post=post).values_list("likes", "checkpoint")),
    "publications": list(SandboxPublication.objects.filter(post=post.pk).values_list("external_id", flat=True)),
    "before": before, "after": after,
}))
"""


def manage(cwd: Path, database: str, var: Path, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "backend.settings",
           "POSTLOOM_VAR_DIR": str(var), "CELERY_BROKER_URL": "memory://"}
    env.pop("POSTLOOM_REQUIRE_REAL_SERVICES", None)
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def scratch_database(tmp_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    import psycopg

    base, _, name = url.rpartition("/")
    scratch = f"{name}_upgrade"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return f"{base}/{scratch}"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to check out the earlier code")
def test_a_database_built_before_the_layering_migrates_and_keeps_its_rows(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    database = scratch_database(tmp_path)
    var = tmp_path / "var"

    manage(old, database, var, "migrate", "--no-input")
    manage(old, database, var, "shell", "-c", SEED)
    manage(ROOT, database, var, "migrate", "--no-input")
    result = json.loads(manage(ROOT, database, var, "shell", "-c", CHECK).strip().splitlines()[-1])

    assert result["metrics"] == [[7, "1h"]]
    assert result["publications"] == ["sbx_1"]
    ours = ["core.purge_idempotency_keys", "scheduling.dispatch_due_posts", "social.fetch_due_metrics", "social.refresh_expiring_tokens"]
    assert result["before"] == ours  # what the old migrations wrote
    planning = ["accounts.deliver_webhooks", "scheduling.materialise_series", "scheduling.publish_first_comments"]
    # still one each after beat starts (plus the planning tasks added since)
    assert [task for task in result["after"] if task != "celery.backend_cleanup"] == sorted(ours + planning)
