"""Postloom settings.

Every value that differs between a laptop and production comes from the environment, with a
default that needs no server: SQLite, a filesystem Celery broker, the offline AI provider and
the sandbox platform. See README.md ("Configuration") for the full list.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from backend.core import task_names

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POSTLOOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key_from_var_dir(var_dir: Path) -> str:
    """This install's own random key, generated once into the var directory (owner-only file).

    Without SECRET_KEY the embedded run still needs no setting, and no two installs share a key
    (there is no public development key). Several processes may start at once: the key is written
    to a private temporary file and linked into place, so exactly one key wins and none is read
    half-written.
    """
    import secrets as _secrets

    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = var_dir / f".secret_key.{os.getpid()}.{_secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(_secrets.token_urlsafe(64))
    try:
        os.link(tmp, path)  # fails if another process linked its key first: that one wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if env_bool("POSTLOOM_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and POSTLOOM_REQUIRE_SECRET_KEY is true: set SECRET_KEY to a long random value."
        )
    SECRET_KEY = _secret_key_from_var_dir(VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where `bin/run` serves the API (HOST, PORT); PUBLIC_BASE_URL defaults to that address, so the
# media URLs and OAuth redirects Postloom hands out point at the server actually running.
HOST = os.environ.get("HOST", "").strip() or "127.0.0.1"
PORT = env_int("PORT", 8000)


def _served_address(host: str, port: int) -> str:
    if host in {"0.0.0.0", "::", "[::]"}:  # listening on every interface: the loopback answers too
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


PUBLIC_BASE_URL = (os.environ.get("PUBLIC_BASE_URL", "").strip() or _served_address(HOST, PORT)).rstrip("/")

# --- HTTPS and proxies (all off by default: the embedded run is plain http on 127.0.0.1) -----
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must
# overwrite that header), SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS and the *_COOKIE_SECURE flags.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Load balancers probe health over plain http: never redirect it.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    # "HTTP_X_FORWARDED_PROTO" or "HTTP_X_FORWARDED_PROTO,https"
    _name, _, _value = _proxy_ssl_header.partition(",")
    SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip() or "https")
# How many reverse proxies in front of the API append to X-Forwarded-For. 0 (the default): the
# header is ignored and the client is the socket's address, so a client cannot pick the address
# its throttles count against. With N trusted proxies the N-th address from the right is used.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves /static/ under `runserver` as it does under gunicorn (before staticfiles).
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "backend.core",
    "backend.accounts",
    "backend.assets",
    "backend.social",
    "backend.scheduling",
    "backend.ai_services",
    "backend.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.core.middleware.RequestSizeLimitMiddleware",
    "backend.core.middleware.RejectNullBytesMiddleware",
    "backend.core.outages.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # A database host that does not answer fails a request in seconds (a JSON 503), not minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
        # A process frozen (SIGSTOP, a paused VM) or hung inside a transaction would hold its row
        # locks for as long as it is stopped; PostgreSQL ends such a transaction after this many
        # seconds (0: never), so recovery can settle its post within about a heartbeat timeout.
        DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", 30)
        DATABASES["default"]["OPTIONS"].setdefault(
            "options", f"-c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS * 1000}"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "postloom.sqlite3",
            # The API, the worker and beat share one file: wait for a lock instead of failing.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The dashboard's languages (backend/dashboard/locale); each user picks one.
LANGUAGES = [("en", "English"), ("hi", "Hindi"), ("ta", "Tamil")]
LOGIN_URL = "/app/login/"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files (the admin's CSS, Swagger UI and ReDoc) are served by WhiteNoise in every run:
# `python manage.py collectstatic` gathers them into STATIC_ROOT (compressed) for production;
# without it they are found in the installed apps (STATIC_USE_FINDERS, on by default).
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
WHITENOISE_USE_FINDERS = env_bool("STATIC_USE_FINDERS", True)
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves it (empty before collectstatic)
except OSError:
    pass
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Media files are written whole or not at all (a full or read-only disk leaves no partial file);
# static files are gathered compressed for WhiteNoise.
STORAGES = {
    "default": {"BACKEND": "backend.core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Seconds a client is asked to wait (Retry-After) when the database, the broker or the media disk
# does not answer (JSON 503/507, see backend/core/outages.py).
OUTAGE_RETRY_AFTER_SECONDS = env_int("OUTAGE_RETRY_AFTER_SECONDS", 30)
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)

# Uploads: the limits a client can hit with a clear 4xx.
MEDIA_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Videos (MP4/MOV, recognised by their first bytes while they stream in) have their own limits:
# bytes, and seconds (backend/core/videos.py). 512 MiB is X's limit; Instagram takes 300 MB, so a
# larger Reel is refused by preflight anyway. Only the endpoints listed take videos (the others
# keep the image limit, before and while a body is read).
MEDIA_MAX_VIDEO_UPLOAD_BYTES = env_int("MEDIA_MAX_VIDEO_UPLOAD_BYTES", 512 * 1024 * 1024)
MEDIA_VIDEO_UPLOAD_PATHS = ["/api/media/"]
MEDIA_MAX_VIDEO_SECONDS = env_int("MEDIA_MAX_VIDEO_SECONDS", 1800)
# The one decompression-bomb limit (backend/core/images.py) for uploads, preflight and posters:
# images declaring more pixels are refused before any pixel is decoded (an RGBA canvas this size
# is 160 MB, the most one decode may ask of a worker).
MEDIA_MAX_PIXELS = env_int("MEDIA_MAX_PIXELS", 40_000_000)
# Request bodies: a request declaring more than this (JSON, forms; multipart gets
# MEDIA_MAX_UPLOAD_BYTES on top for its file) is a 413 before a byte of it is read. Django also
# applies it to request.body and to the non-file fields of a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The first handler counts each file's bytes as they stream in and stops at MEDIA_MAX_UPLOAD_BYTES
# (MEDIA_MAX_VIDEO_UPLOAD_BYTES for a file that starts like an MP4/MOV video; a 400 on the file
# field), so an oversized file is never spooled to disk whole. Files over 5 MB go to a temporary
# file, chunk by chunk, never to memory whole.
FILE_UPLOAD_HANDLERS = [
    "backend.core.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# JSON bodies nested deeper than this are a 400 (a parser or a serializer would otherwise recurse
# until RecursionError).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every record is redacted of key-shaped text (provider errors echo what they were sent).
    "filters": {"redact_secrets": {"()": "backend.core.redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# --- REST API -----------------------------------------------------------------------------
# Page-number lists count at most this many rows (`count_capped` says when there are more);
# `?cursor=` pages never count.
PAGE_COUNT_CAP = env_int("PAGE_COUNT_CAP", 1_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "backend.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "backend.accounts.filters.MemberFilterBackend",
        "backend.core.filters.SearchFilter",
        "backend.core.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "backend.core.schema.PostloomAutoSchema",
    "EXCEPTION_HANDLER": "backend.core.exceptions.exception_handler",
    # JSON only (depth-limited); the views that take a file upload accept multipart/form-data instead.
    # Exactly what the schema documents: any other content type is a 415.
    "DEFAULT_PARSER_CLASSES": ["backend.core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles count in the shared cache (CACHES below), so N API processes enforce one limit.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "20/min"),
        "login_account": os.environ.get("THROTTLE_LOGIN_ACCOUNT", "10/min"),
        "ai_burst": os.environ.get("THROTTLE_AI_BURST", "30/min"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", SECRET_KEY),
    # Refresh tokens carry a family id; presenting a rotated (blacklisted) one again revokes the
    # whole family (RFC 6819 section 5.2.2.3). See backend/accounts/tokens.py.
    "TOKEN_OBTAIN_SERIALIZER": "backend.accounts.tokens.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "backend.accounts.tokens.TokenRefreshSerializer",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Postloom API",
    "DESCRIPTION": "Captions, offer posters and on-time, exactly-once publishing for textile shops.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"JobStatusEnum": "backend.core.models.BackgroundJob.Status"},  # poster and video-fit jobs: one enum
    # OpenAPI 3.1: nullable references are `oneOf: [{$ref}, {type: null}]` (3.0 has no valid way).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "backend.core.schema.postprocess"],
    # Swagger UI and ReDoc come from drf-spectacular-sidecar, served from /static/: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# --- Celery -------------------------------------------------------------------------------
BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", VAR_DIR / "broker"))
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Without it kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the longest task time limit, or a slow task is redelivered while it runs.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None

# --- Shared cache (throttles, short-lived readings) ------------------------------------------
# Every API process must see the same counters, so there is no per-process cache: Redis when
# REDIS_URL is set or the broker is Redis, otherwise a table in the database (created by a
# migration).
# REDIS_URL set but empty keeps the cache in the database even with a Redis broker.
REDIS_URL = os.environ["REDIS_URL"].strip() if "REDIS_URL" in os.environ else (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "postloom")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "postloom_cache"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1)
# Publishing has its own queue, so beat's ticks (on the default queue) never wait behind a
# backlog of posts. A plain `celery -A backend worker` consumes both; `-Q publish` / `-Q celery`
# split them across workers.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("publish", routing_key="publish"))
CELERY_TASK_ROUTES = {
    task_names.PUBLISH_POST: {"queue": "publish", "routing_key": "publish"},
    task_names.PUBLISH_POSTS: {"queue": "publish", "routing_key": "publish"},
}
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# On a lost broker connection, let running publishes finish rather than cancel them mid-call
# (a cancelled publish leaves its post to the lease recovery, and the platform may have it);
# their redelivered messages lose the claim and do nothing.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Celery's Django fix-up closes every database connection before and after each task unless this
# is set, so a worker opened a new PostgreSQL backend for every task (a chunk of up to 10 posts),
# ignoring DB_CONN_MAX_AGE: a fifth of a publish went to connecting and warming up the backend.
# Set this high, the fix-up never closes them; backend/celery.py instead closes, around each task,
# only a connection that is past DB_CONN_MAX_AGE, broken, or no longer answers (as Django does
# around each web request).
CELERY_DB_REUSE_MAX = 2**62

# --- Video uploads to platforms ----------------------------------------------------------------
# TikTok FILE_UPLOAD chunks: 5-64 MB each (the last up to 128 MB), at most 1000; a video under 5 MB
# goes whole (https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide).
TIKTOK_UPLOAD_CHUNK_BYTES = env_int("TIKTOK_UPLOAD_CHUNK_BYTES", 10 * 1024 * 1024)
# Auto-fit jobs (re-encoding a video for a platform) may run this long (hard limit; soft 30 s
# before). Keep it under CELERY_VISIBILITY_TIMEOUT.
VIDEO_FIT_TIME_LIMIT_SECONDS = env_int("VIDEO_FIT_TIME_LIMIT_SECONDS", 1800)
# X media upload APPEND segments: at most 5 MB each, segment_index 0-999.
X_MEDIA_CHUNK_BYTES = env_int("X_MEDIA_CHUNK_BYTES", 4 * 1024 * 1024)

# --- Publishing ---------------------------------------------------------------------------
# How often beat drains due posts, in seconds (see CELERY_BEAT_SCHEDULE below).
PUBLISH_INTERVAL_SECONDS = env_int("PUBLISH_INTERVAL_SECONDS", 10)
PUBLISH_BATCH_SIZE = env_int("PUBLISH_BATCH_SIZE", 200)
PUBLISH_MAX_RETRIES = env_int("PUBLISH_MAX_RETRIES", 3)
PUBLISH_RETRY_BACKOFF_SECONDS = env_float("PUBLISH_RETRY_BACKOFF_SECONDS", 30.0)
PUBLISH_RETRY_BACKOFF_MAX_SECONDS = env_float("PUBLISH_RETRY_BACKOFF_MAX_SECONDS", 3600.0)
# A due post handed to a worker but not taken within this many seconds is handed out again
# (a lost broker message must never lose a post; a duplicate message is harmless).
PUBLISH_REDISPATCH_SECONDS = env_int("PUBLISH_REDISPATCH_SECONDS", 60)
# A backlog is handed out in chunks of up to this many posts per task; a chunk that runs past the
# time budget puts the rest back on the queue.
PUBLISH_CHUNK_MAX = env_int("PUBLISH_CHUNK_MAX", 10)
PUBLISH_CHUNK_TIME_BUDGET_SECONDS = env_float("PUBLISH_CHUNK_TIME_BUDGET_SECONDS", 30.0)
# A worker publishing a post renews its claim (a heartbeat) every PUBLISH_HEARTBEAT_SECONDS, from
# a thread, also while it waits on a platform call, an upload or a poll. A post whose heartbeat is
# older than PUBLISH_HEARTBEAT_TIMEOUT_SECONDS has lost its worker (killed, out of memory, frozen,
# machine gone): the next dispatch tick takes the claim over (fencing the old worker out), asks
# the platform and settles it. Independent of the task time limits; the timeout must leave room
# for a few missed heartbeats on a busy machine.
PUBLISH_HEARTBEAT_SECONDS = env_float("PUBLISH_HEARTBEAT_SECONDS", 5.0)
PUBLISH_HEARTBEAT_TIMEOUT_SECONDS = env_float("PUBLISH_HEARTBEAT_TIMEOUT_SECONDS", 30.0)
# /api/health/ does not report beat or the workers as down during this many seconds after the
# web process (or beat) started, so a freshly started stack is not 503 before beat's first tick.
PUBLISH_STARTUP_GRACE_SECONDS = env_float("PUBLISH_STARTUP_GRACE_SECONDS", 3 * PUBLISH_INTERVAL_SECONDS)
# A post found due longer ago than this (the scheduler or workers were down) is failed as
# `missed` rather than published late.
PUBLISH_MISSED_TOLERANCE_SECONDS = env_int("PUBLISH_MISSED_TOLERANCE_SECONDS", 3600)

# --- Reliability invariants, checked at start-up -------------------------------------------
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")
if "visibility_timeout" in CELERY_BROKER_TRANSPORT_OPTIONS and not (
    CELERY_TASK_TIME_LIMIT < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
):
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT: otherwise Redis hands a task "
        "that is still running to a second worker."
    )
if not 0 < 3 * PUBLISH_HEARTBEAT_SECONDS <= PUBLISH_HEARTBEAT_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        "PUBLISH_HEARTBEAT_TIMEOUT_SECONDS must be at least three PUBLISH_HEARTBEAT_SECONDS: otherwise a "
        "worker that is still publishing can be taken over after one late heartbeat."
    )

# --- Social platforms ---------------------------------------------------------------------
# Token encryption keys (Fernet, url-safe base64 of 32 bytes), newest first; older keys still
# decrypt, so rotating means prepending a new key and running `manage.py rotate_token_keys`
# (backend/social/management/commands), which re-encrypts every stored token with the newest key.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
SOCIAL_HTTP_TIMEOUT_SECONDS = env_float("SOCIAL_HTTP_TIMEOUT_SECONDS", 20.0)

# --- AI -----------------------------------------------------------------------------------
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "") or None
AI_PROVIDER = os.environ.get("AI_PROVIDER", "") or ("openai" if OPENAI_API_KEY else "offline")

# --- Platform endpoints and app credentials -------------------------------------------------
# Every base URL and API version a platform adapter calls, and the OAuth app of each platform.
# Adapters read these at call time (tests point the URLs at a local fake server).
GRAPH_API_VERSION = os.environ.get("GRAPH_API_VERSION", "v23.0")
SOCIAL_PLATFORMS = {
    "facebook": {
        "base_url": os.environ.get("FACEBOOK_GRAPH_BASE_URL", "https://graph.facebook.com"),
        "api_version": os.environ.get("FACEBOOK_GRAPH_API_VERSION", GRAPH_API_VERSION),
        "authorize_url": os.environ.get(
            "FACEBOOK_AUTHORIZE_URL", f"https://www.facebook.com/{GRAPH_API_VERSION}/dialog/oauth"
        ),
        "token_url": os.environ.get(
            "FACEBOOK_TOKEN_URL", f"https://graph.facebook.com/{GRAPH_API_VERSION}/oauth/access_token"
        ),
        "client_id": os.environ.get("FACEBOOK_CLIENT_ID", ""),
        "client_secret": os.environ.get("FACEBOOK_CLIENT_SECRET", ""),
        "scopes": env_list("FACEBOOK_SCOPES", ["pages_show_list", "pages_read_engagement", "pages_manage_posts"]),
        # Page videos are published on the video host (Video API, "Publish a video").
        "video_base_url": os.environ.get("FACEBOOK_GRAPH_VIDEO_BASE_URL", "https://graph-video.facebook.com"),
    },
    "instagram": {
        "base_url": os.environ.get("INSTAGRAM_GRAPH_BASE_URL", "https://graph.instagram.com"),
        "api_version": os.environ.get("INSTAGRAM_GRAPH_API_VERSION", GRAPH_API_VERSION),
        "authorize_url": os.environ.get("INSTAGRAM_AUTHORIZE_URL", "https://www.instagram.com/oauth/authorize"),
        "token_url": os.environ.get("INSTAGRAM_TOKEN_URL", "https://api.instagram.com/oauth/access_token"),
        "client_id": os.environ.get("INSTAGRAM_CLIENT_ID", ""),
        "client_secret": os.environ.get("INSTAGRAM_CLIENT_SECRET", ""),
        # instagram_business_manage_insights: the views/reach/shares the metrics read.
        "scopes": env_list(
            "INSTAGRAM_SCOPES",
            ["instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_insights"],
        ),
    },
    "linkedin": {
        "base_url": os.environ.get("LINKEDIN_API_BASE_URL", "https://api.linkedin.com"),
        # A live LinkedIn-Version (202603 sunsets 2027-03-16 per LinkedIn's migrations table;
        # `manage.py check` warns 60 days before the configured version's sunset).
        "api_version": os.environ.get("LINKEDIN_API_VERSION", "202603"),
        "authorize_url": os.environ.get("LINKEDIN_AUTHORIZE_URL", "https://www.linkedin.com/oauth/v2/authorization"),
        "token_url": os.environ.get("LINKEDIN_TOKEN_URL", "https://www.linkedin.com/oauth/v2/accessToken"),
        "client_id": os.environ.get("LINKEDIN_CLIENT_ID", ""),
        "client_secret": os.environ.get("LINKEDIN_CLIENT_SECRET", ""),
        "scopes": env_list("LINKEDIN_SCOPES", ["openid", "profile", "w_member_social"]),
        # Image upload URLs LinkedIn hands back (www.linkedin.com/dms-uploads/..., api.linkedin.com/mediaUpload/...).
        "extra_hosts": env_list("LINKEDIN_UPLOAD_HOSTS", ["www.linkedin.com", "api.linkedin.com"]),
    },
    "twitter": {
        "base_url": os.environ.get("X_API_BASE_URL", "https://api.x.com"),
        "api_version": os.environ.get("X_API_VERSION", "2"),
        "authorize_url": os.environ.get("X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize"),
        "token_url": os.environ.get("X_TOKEN_URL", "https://api.x.com/2/oauth2/token"),
        "client_id": os.environ.get("X_CLIENT_ID", ""),
        # Empty for a public client (PKCE only); set for a confidential client (Basic auth).
        "client_secret": os.environ.get("X_CLIENT_SECRET", ""),
        "scopes": env_list(
            "X_SCOPES", ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"]
        ),
    },
    "tiktok": {
        "base_url": os.environ.get("TIKTOK_API_BASE_URL", "https://open.tiktokapis.com"),
        "api_version": os.environ.get("TIKTOK_API_VERSION", "v2"),
        "authorize_url": os.environ.get("TIKTOK_AUTHORIZE_URL", "https://www.tiktok.com/v2/auth/authorize/"),
        "token_url": os.environ.get("TIKTOK_TOKEN_URL", "https://open.tiktokapis.com/v2/oauth/token/"),
        "client_id": os.environ.get("TIKTOK_CLIENT_KEY", ""),
        "client_secret": os.environ.get("TIKTOK_CLIENT_SECRET", ""),
        "scopes": env_list("TIKTOK_SCOPES", ["user.info.basic", "video.publish", "video.list"]),
        # The host of the upload_url a FILE_UPLOAD video init answers (the media transfer guide).
        "extra_hosts": env_list("TIKTOK_UPLOAD_HOSTS", ["open-upload.tiktokapis.com"]),
    },
    "whatsapp": {
        "base_url": os.environ.get("WHATSAPP_GRAPH_BASE_URL", "https://graph.facebook.com"),
        "api_version": os.environ.get("WHATSAPP_GRAPH_API_VERSION", GRAPH_API_VERSION),
        # No OAuth: a system-user token is entered when the account is connected.
        "authorize_url": "",
        "token_url": "",
        "client_id": "",
        # The Meta app's secret: status webhooks are signed with it (X-Hub-Signature-256).
        "client_secret": os.environ.get("WHATSAPP_APP_SECRET", ""),
        # What the webhook subscription's verify handshake must echo (hub.verify_token).
        "webhook_verify_token": os.environ.get("WHATSAPP_WEBHOOK_VERIFY_TOKEN", ""),
        "scopes": [],
    },
}
# Platforms that process media asynchronously (Instagram containers, TikTok publishes) are
# polled this often, at most this many times, before the attempt gives up as transient.
SOCIAL_POLL_INTERVAL_SECONDS = env_float("SOCIAL_POLL_INTERVAL_SECONDS", 3.0)
SOCIAL_POLL_MAX_ATTEMPTS = env_int("SOCIAL_POLL_MAX_ATTEMPTS", 20)
# Instagram, Facebook, TikTok and WhatsApp fetch a post's image from PUBLIC_BASE_URL: a media post
# to them is refused at scheduling time unless that is a public https address. `false` relaxes
# the rule (local development and tests against fakes).
MEDIA_URL_CHECK = env_bool("MEDIA_URL_CHECK", True)

# --- AI provider settings -----------------------------------------------------------------
OPENAI_CHAT_MODEL = os.environ.get("OPENAI_CHAT_MODEL", "gpt-4.1-mini")
OPENAI_IMAGE_MODEL = os.environ.get("OPENAI_IMAGE_MODEL", "gpt-image-1")
OPENAI_TIMEOUT_SECONDS = env_float("OPENAI_TIMEOUT_SECONDS", 30.0)
# Bounded retries, done by the SDK with backoff, on timeouts, 5xx and rate-limit 429s only;
# a 429 `insufficient_quota` (no credit left) is never retried.
OPENAI_MAX_RETRIES = env_int("OPENAI_MAX_RETRIES", 2)
# Let the image model restyle the product photo before the poster is drawn (off: the shop's
# own photo is used as is; text is always drawn by Pillow either way).
AI_POSTER_RESTYLE = env_bool("AI_POSTER_RESTYLE", False)
# Where poster fonts are looked for (see backend/ai_services/SYSTEM_PACKAGES), in order.
POSTER_FONT_DIRS = env_list(
    "POSTER_FONT_DIRS",
    [
        "/usr/share/fonts/truetype/noto",
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/lohit-devanagari",
        "/usr/share/fonts/truetype/lohit-tamil",
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/truetype/freefont",
    ],
)

# --- AI plans, limits and background work ---------------------------------------------------
# Units per calendar month (UTC) per organization, by Organization.plan; `null` = unlimited.
# A poster counts one `poster` unit (the captions that come with it are included).
AI_PLANS = {
    "free": {"caption": 50, "poster": 10},
    "pro": {"caption": 1000, "poster": 200},
    "business": {"caption": 10000, "poster": 2000},
}
if os.environ.get("AI_PLANS_JSON", "").strip():
    import json as _json

    try:
        AI_PLANS = _json.loads(os.environ["AI_PLANS_JSON"])
    except ValueError as _exc:
        raise ImproperlyConfigured(f"AI_PLANS_JSON is not valid JSON: {_exc}") from None
    if not isinstance(AI_PLANS, dict) or not all(
        isinstance(limits, dict)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 or v is None for v in limits.values())
        for limits in AI_PLANS.values()
    ):
        raise ImproperlyConfigured(
            'AI_PLANS_JSON must map plan -> {"caption": int|null, "poster": int|null}, e.g. {"free": {"caption": 50, "poster": 10}}'
        )
# Where posters are drawn: "auto" (inline with the offline provider, in a Celery worker when the
# provider calls a remote API), "always" (always a background job) or "never" (always inline).
AI_POSTER_BACKGROUND = os.environ.get("AI_POSTER_BACKGROUND", "auto").strip().lower() or "auto"
if AI_POSTER_BACKGROUND not in ("auto", "always", "never"):
    raise ImproperlyConfigured("AI_POSTER_BACKGROUND must be auto, always or never")

# --- Platform integration: OAuth, token refresh, publishing limits, metrics ------------------
# An OAuth `state` lives this long (single use).
OAUTH_STATE_TTL_SECONDS = env_int("OAUTH_STATE_TTL_SECONDS", 600)
# Redirect URIs an OAuth start may name (comma-separated, exact match); empty allows any http(s)
# URL (the platforms themselves only redirect to URIs registered with the app).
OAUTH_ALLOWED_REDIRECT_URIS = env_list("OAUTH_ALLOWED_REDIRECT_URIS", [])
# Beat refreshes tokens this often. A token is refreshed when what is left of its life is below
# a quarter of its lifetime, clamped to [MIN_LEAD, WINDOW]: 60-day tokens 7 days before they
# expire, 2 h tokens (X, TikTok) 30 minutes before.
SOCIAL_TOKEN_REFRESH_INTERVAL_SECONDS = env_int("SOCIAL_TOKEN_REFRESH_INTERVAL_SECONDS", 300)
SOCIAL_TOKEN_REFRESH_WINDOW_SECONDS = env_int("SOCIAL_TOKEN_REFRESH_WINDOW_SECONDS", 7 * 24 * 3600)
SOCIAL_TOKEN_REFRESH_MIN_LEAD_SECONDS = env_int("SOCIAL_TOKEN_REFRESH_MIN_LEAD_SECONDS", 15 * 60)
SOCIAL_TOKEN_REFRESH_BATCH_SIZE = env_int("SOCIAL_TOKEN_REFRESH_BATCH_SIZE", 100)
# Posting windows per account enforced before calling a platform: platform → (posts, seconds).
SOCIAL_PUBLISH_WINDOWS = {
    "twitter": (env_int("X_POSTS_PER_WINDOW", 100), env_int("X_POST_WINDOW_SECONDS", 15 * 60)),
}
# How long an Instagram content_publishing_limit reading is reused for one account.
INSTAGRAM_QUOTA_CACHE_SECONDS = env_int("INSTAGRAM_QUOTA_CACHE_SECONDS", 60)
# Engagement metrics: beat looks for due checkpoints this often; checkpoints in hours after posting.
METRICS_INTERVAL_SECONDS = env_int("METRICS_INTERVAL_SECONDS", 900)
METRICS_CHECKPOINT_HOURS = [int(h) for h in env_list("METRICS_CHECKPOINT_HOURS", ["1", "6", "24", "72", "168"])]
METRICS_BATCH_SIZE = env_int("METRICS_BATCH_SIZE", 200)

# --- Planning: queue, recurring series, first comments, outgoing webhooks, import, best times --
# Occurrences of a recurring series become posts this many days ahead; beat materialises them
# every SERIES_INTERVAL_SECONDS.
SERIES_HORIZON_DAYS = env_int("SERIES_HORIZON_DAYS", 14)
SERIES_INTERVAL_SECONDS = env_int("SERIES_INTERVAL_SECONDS", 900)
# A first comment is retried this many times after a transient failure (backoff doubling from
# FIRST_COMMENT_RETRY_SECONDS); beat looks for due first comments every FIRST_COMMENT_INTERVAL_SECONDS.
FIRST_COMMENT_MAX_RETRIES = env_int("FIRST_COMMENT_MAX_RETRIES", 3)
FIRST_COMMENT_RETRY_SECONDS = env_int("FIRST_COMMENT_RETRY_SECONDS", 60)
FIRST_COMMENT_INTERVAL_SECONDS = env_int("FIRST_COMMENT_INTERVAL_SECONDS", 30)
# Outgoing webhooks: hosts that skip the SSRF address check (comma-separated; tests: 127.0.0.1),
# the receiver's time to answer, the retry backoff (doubling from BASE, at most MAX apart) and
# how long after the event a delivery is retried before it is failed.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 4 * 3600)
WEBHOOK_RETRY_WINDOW_SECONDS = env_int("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600)
WEBHOOK_DELIVERY_INTERVAL_SECONDS = env_int("WEBHOOK_DELIVERY_INTERVAL_SECONDS", 10)
WEBHOOK_BATCH_SIZE = env_int("WEBHOOK_BATCH_SIZE", 100)
# CSV import: at most this many rows per file.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
# Best times: fewer posts with metrics than this and the documented default slots are offered.
BEST_TIMES_MIN_POSTS = env_int("BEST_TIMES_MIN_POSTS", 10)

# --- Periodic tasks ------------------------------------------------------------------------
# The one beat schedule. django-celery-beat's DatabaseScheduler writes it to its tables when beat
# starts (updating rows of the same name, so intervals follow these settings); the admin shows
# them. Task names come from backend/core/task_names.py, which the tasks pin too.
CELERY_BEAT_SCHEDULE = {
    "Publish due posts": {
        "task": task_names.DISPATCH_DUE_POSTS,
        "schedule": timedelta(seconds=PUBLISH_INTERVAL_SECONDS),
        "description": "Hands posts whose time has come to the workers.",
    },
    "Purge old idempotency keys": {
        "task": task_names.PURGE_IDEMPOTENCY_KEYS,
        "schedule": timedelta(seconds=3600),
        "description": "Forgets Idempotency-Key records older than 24 hours.",
    },
    "Refresh expiring platform tokens": {
        "task": task_names.REFRESH_EXPIRING_TOKENS,
        "schedule": timedelta(seconds=SOCIAL_TOKEN_REFRESH_INTERVAL_SECONDS),
        "description": "Refreshes tokens of connected accounts shortly before they expire.",
    },
    "Fetch engagement metrics": {
        "task": task_names.FETCH_DUE_METRICS,
        "schedule": timedelta(seconds=METRICS_INTERVAL_SECONDS),
        "description": "Reads metrics of recent posts at checkpoints after posting (1 h, 6 h, 24 h, 72 h, 7 days).",
    },
    "Deliver webhooks": {
        "task": task_names.DELIVER_WEBHOOKS,
        "schedule": timedelta(seconds=WEBHOOK_DELIVERY_INTERVAL_SECONDS),
        "description": "Sends due outgoing webhook deliveries (signed; retried with backoff for a day).",
    },
    "Materialise recurring series": {
        "task": task_names.MATERIALISE_SERIES,
        "schedule": timedelta(seconds=SERIES_INTERVAL_SECONDS),
        "description": "Creates the posts of recurring series' occurrences within the horizon.",
    },
    "Publish first comments": {
        "task": task_names.PUBLISH_FIRST_COMMENTS,
        "schedule": timedelta(seconds=FIRST_COMMENT_INTERVAL_SECONDS),
        "description": "Publishes the first comments of posts that went out.",
    },
}
