"""Settings for the test suite: eager Celery, fast hashing, media in a temporary folder.

`DATABASE_URL` and `CELERY_BROKER_URL` still apply, so the same suite runs on the embedded
defaults and on PostgreSQL + Redis.
"""
import os
import tempfile
from pathlib import Path

os.environ.setdefault("POSTLOOM_VAR_DIR", tempfile.mkdtemp(prefix="postloom-test-var-"))

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="postloom-test-media-"))
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
FIELD_ENCRYPTION_KEYS = ["sDXYZaYoa2nIrrbzB0G1EOOWSRgGPiXG3gbDg-pzBgA="]
PUBLISH_RETRY_BACKOFF_SECONDS = 30.0
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "1000/min", "login_account": "1000/min", "ai_burst": "1000/min"}}  # noqa: F405
MEDIA_URL_CHECK = False  # tests against local fakes; test_media_url_check turns it on
# pytest-django holds one transaction open for a whole test, however long the test waits (for a
# server, a worker): only this process keeps PostgreSQL's idle-in-transaction timeout off. The
# processes a test starts (workers, beat, gunicorn) run backend.settings, with the timeout.
for _database in DATABASES.values():  # noqa: F405
    if "postgresql" in _database["ENGINE"]:
        _database.get("OPTIONS", {}).pop("options", None)
