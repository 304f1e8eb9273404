"""Tokenledger settings: everything comes from the environment, with defaults that need nothing installed.

Embedded defaults: SQLite in var/, kombu's filesystem broker in var/celery/, the local-memory cache.
Set DATABASE_URL and REDIS_URL to use PostgreSQL and Redis instead.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tokenledger.env import env_bool, env_float, env_int, env_list, env_str
from tokenledger.logs import logging_config
from tokenledger.redaction import DEFAULT_KEY_ENV_PATTERNS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TOKENLEDGER_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _development_secret_key() -> str:
    """A key generated once into var/, so sessions survive restarts on a developer's machine."""
    key_file = VAR_DIR / "secret_key"
    try:  # created readable by its owner only; if web and worker start together, the first one writes it
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for a development key."
        )
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_celery_beat",
    "csp",
    "ninja",  # serves the API docs page with its Swagger UI from our static files (without it: from a CDN)
    "catalog",
    "pricing",
    "monitoring",
]

MIDDLEWARE = [
    "tokenledger.middleware.RequestIdMiddleware",  # first: every response carries the id, a redirect's too
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tokenledger.middleware.HealthChecksMiddleware",  # /healthz, /readyz: before any Host check (README: Deploying)
    "tokenledger.middleware.RejectNulBytesMiddleware",  # after CSP: its 400 carries the policy too
    "tokenledger.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tokenledger.urls"
WSGI_APPLICATION = "tokenledger.wsgi.application"
ASGI_APPLICATION = "tokenledger.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tokenledger.context_processors.typical_conversation",
                "tokenledger.context_processors.site_links",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'tokenledger.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the Celery worker writes. Connections persist (CONN_MAX_AGE, as on
    # any database): opening one per request costs each cached page more than the page itself (SQLite reads the
    # schema anew), and when it was a process's only connection its close checkpoints the WAL, which makes the
    # other workers' opening connections wait on the busy timeout (p99 13 ms against 0.05 ms persistent, with
    # 4 processes). An idle connection holds no snapshot, so it neither hides writes nor blocks a checkpoint.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database fails a request (and /readyz) in seconds, not after the system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Redis, when given, is both Celery's broker and Django's cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tokenledger"),
            # A Redis that stops answering fails a request (and /readyz) in seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        },
        # Each process keeps its own copy of the pages and the pages' sections it used last (catalog.freshness,
        # catalog.sections): one read from here costs no round trip to Redis and no unpickling of a large reply.
        # Bounded like the local-memory cache.
        "near": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_NEAR_MAX_ENTRIES", 100)},
        },
    }
else:
    # Bounded: at most this many pages per process, each at most catalog.freshness.PAGE_MAX_BYTES.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 300)},
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport in var/celery/.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# No task runs for ever: the soft limit raises SoftTimeLimitExceeded in the task, the hard one kills its process
# (prefork pool; the solo pool cannot enforce them). The price syncs set their own, longer limits.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 5 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 6 * 60)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task taken but not acknowledged (acks_late: acknowledged once done) waits in Redis's unacked set; if its
    # worker dies without a word (kill -9, a machine lost) any other worker hands it out again once it has been
    # out this long. So it must exceed the longest task's hard time limit (the weekly sync of every source: 51
    # min by default), a retry's countdown included, or a long task would be handed out twice while it runs; a
    # dead worker's probe slot is probed that much later, still dated at its slot. Every worker sweeps for such
    # tasks each 10 s (throttle 1: kombu's default of 10 would make it 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    # A task whose pool process dies under it (kill -9, the OOM killer) is requeued at once rather than
    # acknowledged as failed, which would lose its probe slot. Safe because every task here can run twice: a
    # slot stores one run per target (ProbeRun unique on target and slot) and skips those it has, a sync takes
    # the lease or is skipped, and the same feed twice writes nothing. A task stopped at its hard time limit is
    # still acknowledged (Celery does not count that as a lost worker); only a task that kills its process every
    # time would come back for ever, and none here holds more than one slot's or one feed's data.
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
else:
    CELERY_DIR = VAR_DIR / "celery"
    for sub in ("queue", "processed", "results", "control"):
        (CELERY_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_DIR / "control"),  # the broadcast exchanges (kombu's default: ./control)
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"

# Security: strict when DEBUG is off (these pass `manage.py check --deploy`).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is opt-in (SECURE_HSTS_PRELOAD=1): a domain on the browsers' list is slow to leave it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_SSL_HOST = env_str("SECURE_SSL_HOST") or None
# Load balancers probe the health checks over plain HTTP, on the node's own address.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Trust a proxy's word that a request came over HTTPS only when the operator says a proxy in front sets the
# header (and strips it from what clients send): TRUSTED_PROXY_HEADER=X-Forwarded-Proto. Anyone could send it.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER")
if TRUSTED_PROXY_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + TRUSTED_PROXY_HEADER.upper().replace("-", "_"), "https")

# Content-Security-Policy on every response (django-csp): no inline script, style or event handler anywhere, the
# admin's and the API docs' (Swagger UI) included; charts are JSON data drawn by static/js/charts.js, and plotly's
# styles come from a stylesheet (tokenledger/plotly_css.py) rather than the <style> element it would inject.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Logs go to stderr, one line per record: plain text, or one JSON object per line (LOG_FORMAT=json) for a log
# collector; gunicorn's config and Celery (tokenledger.celery) use the same dict (tokenledger.logs).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)

# Each request gets an id, in its logs, in its X-Request-ID response header and on the 500 page. An id coming
# in with the request is kept only from the header the operator says a proxy in front sets (and strips from
# what clients send): REQUEST_ID_HEADER=X-Request-ID. Anyone could send it.
REQUEST_ID_HEADER = env_str("REQUEST_ID_HEADER")

# Errors are reported to Sentry when SENTRY_DSN is set (tokenledger.sentry); nothing is loaded or sent without.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1.")
if SENTRY_DSN:
    from tokenledger.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# Outbound HTTP (price sources, model APIs) identifies itself.
HTTP_USER_AGENT = env_str("HTTP_USER_AGENT", "Tokenledger/0.1 (+https://github.com/tokenledger)")

# Price syncs: a fetch gives up after its deadline (connecting, every read, the body and the retries); a sync's
# lease lasts this long past its last heartbeat, so a crashed worker's lease frees within minutes; the Celery task
# of one source stops at its soft time limit (the hard limit follows a minute later).
PRICE_FETCH_DEADLINE_SECONDS = env_int("PRICE_FETCH_DEADLINE_SECONDS", 120)
PRICE_SYNC_LEASE_SECONDS = env_int("PRICE_SYNC_LEASE_SECONDS", 5 * 60)
PRICE_SYNC_TIME_LIMIT_SECONDS = env_int("PRICE_SYNC_TIME_LIMIT_SECONDS", 10 * 60)

# A typical conversation, as the profile page prices it: 600 input + 200 output tokens.
TYPICAL_CONVERSATION_INPUT_TOKENS = env_int("TYPICAL_CONVERSATION_INPUT_TOKENS", 600)
TYPICAL_CONVERSATION_OUTPUT_TOKENS = env_int("TYPICAL_CONVERSATION_OUTPUT_TOKENS", 200)

# Monitoring retention: raw probe runs cover the longest percentile window (30 days) and are deleted once rolled
# up and older than this; hourly rollups feed the recent charts and /status/, daily ones the 90-day bars.
MONITORING = {
    "RAW_RETENTION_DAYS": env_int("PROBE_RAW_RETENTION_DAYS", 35),
    "HOURLY_RETENTION_DAYS": env_int("PROBE_HOURLY_RETENTION_DAYS", 35),
    "DAILY_RETENTION_DAYS": env_int("PROBE_DAILY_RETENTION_DAYS", 400),
}

# The environment variables a probe target may name as its API key (shell patterns); never one of the site's
# own settings, whatever the patterns say (monitoring.keys).
PROBE_KEY_ENV_PATTERNS = env_list("PROBE_KEY_ENV_PATTERNS", list(DEFAULT_KEY_ENV_PATTERNS))

# A demo without API keys (`make run` turns it on): the profiled models are probed against the fake provider,
# which Procfile.dev starts at this address; their figures are labelled as a demo on every page.
DEMO_PROBES = env_bool("DEMO_PROBES", False)
DEMO_PROVIDER_URL = env_str("DEMO_PROVIDER_URL", "http://127.0.0.1:8001")
