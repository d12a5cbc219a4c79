"""Settings, read from the environment (one file for every environment).

Each variable is read once, here, by one of the `env_*` readers below, which stop the start with
a one-line `ImproperlyConfigured` naming the variable, what it must be and the value given
(a secret's value never; a URL's password masked). manage.py prints that line as it is."""

import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The largest integer a setting takes: beyond it a value is a typo, and some (EXECUTION_LOG_LIMIT,
# written into SQL) would fail on every request instead of at the start.
MAX_SETTING_INT = 2**31 - 1


def masked(value: str) -> str:
    """A URL as it may be printed: its password, if any, as ***."""
    return re.sub(r"(://[^:/@]*:).*@", r"\1***@", value)


def invalid(name: str, must: str, value: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {must}, not {masked(value)!r}")


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise invalid(name, "a boolean (1/0, true/false, yes/no, on/off)", value)


def env_int(name: str, default: int, minimum: int = 1, maximum: int = MAX_SETTING_INT) -> int:
    value = env_str(name, "")
    if value == "":
        return default
    if not re.fullmatch(r"[0-9]+", value) or not minimum <= int(value) <= maximum:
        raise invalid(name, f"an integer from {minimum} to {maximum}", value)
    return int(value)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, in any case; returned as written in `choices`."""
    value = env_str(name, default)
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise invalid(name, f"one of {', '.join(choices)} (any case)", value)


def env_match(name: str, default: str, pattern: str, must: str) -> str:
    value = env_str(name, default)
    if not re.fullmatch(pattern, value):
        raise invalid(name, must, value)
    return value


def env_list(name: str, default: list[str], valid: Callable[[str], bool], must: str) -> list[str]:
    """Comma-separated items, each one `valid` (else the error names the first bad item)."""
    value = env_str(name, "")
    if value == "":
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        if not valid(item):
            raise invalid(name, f"comma-separated {must}", item)
    return items


def is_url(value: str, schemes: tuple[str, ...], *, path: bool = True) -> bool:
    """An absolute URL with one of `schemes` and a host (a port, if any, a number), without
    user, query or fragment; with no path when `path` is false (an origin)."""
    try:
        url = urlsplit(value)
        port = url.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return (url.scheme in schemes and bool(url.hostname) and port != 0 and "@" not in url.netloc
            and "?" not in value and "#" not in value and (path or url.path == ""))


def env_url(name: str, default: str, schemes: tuple[str, ...], must: str) -> str:
    value = env_str(name, default)
    if not is_url(value, schemes):
        raise invalid(name, must, value)
    return value


def env_secret(name: str, development: str, debug: bool) -> str:
    """Required unless `debug`, which falls back to `development`; its value is never printed."""
    value = os.environ.get(name, "")
    if value.strip() == "" and not debug:
        raise ImproperlyConfigured(f"{name} is required when DEBUG is off (a long random string)")
    return value if value.strip() else development


def database_url(name: str, value: str, **options) -> dict:
    """A database URL as Django's database settings, SQLite or PostgreSQL only."""
    must = "a sqlite:// or postgres:// URL (special characters in the password %-quoted)"
    try:
        database = dj_database_url.parse(value, **options)
    except ValueError:  # dj_database_url's ParseError and UnknownSchemeError, whose text repeats no value
        raise invalid(name, must, value) from None
    if database["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        raise invalid(name, must, value)
    return database


def env_database(name: str, default: str, **options) -> dict:
    return database_url(name, env_str(name, default), **options)


def env_dir(name: str, default: Path) -> Path:
    """A folder, created here if missing, so that an unusable path stops the start."""
    path = Path(env_str(name, str(default)))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise invalid(name, f"a folder that can be created ({error.strerror})", str(path)) from None
    return path


# What Django can match a Host header with (its own host_validation_re): a name, a .domain (it and its
# subdomains), an [IPv6] address or *; no scheme, port, path or underscore.
HOST_PATTERN = r"\*|\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\]"
HTTP = ("http", "https")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY", "insecure-development-secret-key-do-not-use-in-production", DEBUG)
API_KEY_PEPPER = env_secret("API_KEY_PEPPER", "insecure-development-api-key-pepper", DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [],
                         lambda host: re.fullmatch(HOST_PATTERN, host) is not None,
                         "host names (api.example.com, .example.com, [::1] or *; no scheme, port or path)")
# Django compares a request's Origin header with these exactly: a path or trailing slash never matches.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [], lambda origin: is_url(origin, HTTP, path=False),
                                "http(s) origins (https://admin.example.com[:port], no path)")

# Absolute links (`_links`) outside a request, e.g. in management commands.
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000", HTTP,
                          "an absolute http(s) URL without user, query or fragment").rstrip("/")

# Seconds a worker keeps a key's row (0: never); see rbac/key_cache.py.
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 2, minimum=0)
EXECUTION_LOG_LIMIT = env_int("EXECUTION_LOG_LIMIT", 200)
MAX_BODY_BYTES = env_int("MAX_BODY_BYTES", 8 * 1024 * 1024)
# Checked here so that a bad value stops the start, not every request (rbac/throttling.py reads it).
THROTTLE_RATE = env_match("THROTTLE_RATE", "6000/min", r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)",
                          "requests per period like 6000/min (N/s, N/min, N/hour, N/day)")

# Webhooks (webhooks/): seconds an attempt may take, and whether targets may be loopback or private
# addresses (for local use and tests only: otherwise the service could be made to call inward).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, maximum=300)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)

# Failed API-key authentications allowed per client address (then 429: rbac/brute_force.py), and
# the proxies whose X-Forwarded-For names the client (REMOTE_ADDR otherwise).
AUTH_FAILURE_RATE = env_match("AUTH_FAILURE_RATE", "30/min", r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)",
                              "failures per period like 30/min (N/s, N/min, N/hour, N/day)")
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [], lambda address: bool(re.fullmatch(r"[0-9A-Fa-f.:]+", address)),
                           "IP addresses of the proxies in front (comma-separated)")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tenants",
    "rbac",
    "executions",
    "webhooks",
    # The admin login's lockout after repeated failures (per user and address); staff unlock it
    # by deleting the access attempt in the admin.
    "axes",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    # Outside the rest, so that every answer is logged and counted, a 413 too.
    "config.logs.RequestLogMiddleware",
    "config.metrics.MetricsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The admin's (config/middleware.py: skipped for the API).
    "config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    # After authentication (a staff user's writes are remembered); not used without replicas.
    "config.replicas.ReplicaMiddleware",
    "config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOCKOUT_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_TRUSTED_IPS = TRUSTED_PROXIES or None

# Behind a TLS proxy (HTTPS=1): the scheme from X-Forwarded-Proto, a redirect to https (but for
# the health checks, which a load balancer asks over plain HTTP), HSTS and secure cookies. Without
# it the service answers plain HTTP (on loopback, under `make run`).
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Always (Django's defaults, written out): nosniff, same-origin referrers, no framing.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The API accepts paths with and without a trailing slash itself; no redirects.
APPEND_SLASH = False

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
            ],
        },
    },
]

DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so that
    # concurrent writers wait (busy timeout) instead of failing on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),  # DATABASE_URL's query (?timeout=5) wins
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # DATABASE_POOLER=pgbouncer: connected through PgBouncer in transaction pooling, where a
    # server connection serves another client between transactions, so nothing may outlive one:
    # no prepared statements (psycopg's prepare_threshold None) and no server-side cursors.
    POOLER = env_choice("DATABASE_POOLER", "none", ("none", "pgbouncer"))

    def connected_as_pooled(database: dict, pooler: str) -> dict:
        # Otherwise parameters bound by the server let psycopg prepare a statement run more than
        # twice on a connection: the hot reads then skip PostgreSQL's planning, most of their
        # database time.
        database["OPTIONS"] = {
            "server_side_binding": pooler == "none",
            "prepare_threshold": 2 if pooler == "none" else None,
            **database.get("OPTIONS", {}),  # the URL's query (?sslmode=require) wins
        }
        database["DISABLE_SERVER_SIDE_CURSORS"] = pooler == "pgbouncer"
        return database

    connected_as_pooled(DATABASES["default"], POOLER)

# DATABASE_REPLICA_URL: streaming replicas of the primary, comma-separated, that take the GETs of
# the API and the admin's lists (config/replicas.py), with read-your-writes for a client that
# wrote in the last REPLICA_STICKY_SECONDS, and skipped while more than REPLICA_MAX_LAG_SECONDS
# behind. DATABASE_REPLICA_POOLER says how they are connected, as DATABASE_POOLER does for the
# primary (and by default the same): a replica reached directly keeps prepared statements, which
# doubled the replica's read throughput in benchmarks/scaling.py.
REPLICA_URLS = [url.strip() for url in env_str("DATABASE_REPLICA_URL", "").split(",") if url.strip()]
if REPLICA_URLS and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL (replicas are PostgreSQL's)")
if REPLICA_URLS:
    REPLICA_POOLER = env_choice("DATABASE_REPLICA_POOLER", POOLER, ("none", "pgbouncer"))
for number, url in enumerate(REPLICA_URLS, 1):
    replica = database_url("DATABASE_REPLICA_URL", url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise invalid("DATABASE_REPLICA_URL", "comma-separated postgres:// URLs", url)
    # A replica that does not answer costs a read 2 seconds at most, then it is skipped.
    replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read the test database through it: the replicas are the primary's copies.
    DATABASES[f"replica{number}"] = {**connected_as_pooled(replica, REPLICA_POOLER), "TEST": {"MIRROR": "default"}}
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 5)
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 2, minimum=0)
# A replica up to the lag bound behind, checked once a second, has every write older than
# bound + 1 s: past that, the sticky window would end before the replica shows a client's write.
if REPLICA_URLS and REPLICA_MAX_LAG_SECONDS + 1 > REPLICA_STICKY_SECONDS:
    raise ImproperlyConfigured(
        f"REPLICA_MAX_LAG_SECONDS ({REPLICA_MAX_LAG_SECONDS}) must be at least 1 under REPLICA_STICKY_SECONDS "
        f"({REPLICA_STICKY_SECONDS}): a client could otherwise read a replica that has not yet its own write")
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"] if REPLICA_URLS else []

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The request rate limit must hold across worker processes: its counters live in Redis when
# REDIS_URL is set (several machines), else in an SQLite file under CACHE_DIR shared by the
# processes of one machine (rbac/counters.py). The counters and the replicas' memory of recent
# writers talk to Redis through config/redis_client.py; Django's cache below is for libraries.
REDIS_URL = env_match("REDIS_URL", "", r"((rediss?|unix)://.+)?", "a redis://, rediss:// or unix:// URL")
CACHE_DIR = env_dir("CACHE_DIR", VAR_DIR / "cache")
if REDIS_URL:
    # Short time-outs, as config/redis_client.py's: a Redis that does not answer costs a request
    # half a second at most.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for ever by browsers) once collectstatic has written them: make serve
    # collects with STATIC_MANIFEST=1; tests and a first `make run` serve the apps' own files.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if env_bool("STATIC_MANIFEST", False) else "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collected files (tests, a first `make run`) WhiteNoise serves from the apps' folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Our middleware answers 413 from Content-Length before anything reads the body.
DATA_UPLOAD_MAX_MEMORY_SIZE = None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rbac.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rbac.permissions.CanRead"],
    "DEFAULT_THROTTLE_CLASSES": ["rbac.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.JsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.StrictJsonParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.renderers.JsonOnlyNegotiation",
    "EXCEPTION_HANDLER": "config.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.ApiSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Execution tracking API",
    "DESCRIPTION": "",  # filled in by config.schema
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ExecutionStatus": "executions.models.Execution.Status",
        "StepStatus": "executions.models.ExecutionStep.Status",
        "LogLevel": "executions.models.ExecutionLog.Level",
        "EventType": "executions.models.ExecutionEvent.Type",
        "LinkMethod": [("GET", "GET"), ("POST", "POST")],
        "DeliveryStatus": "webhooks.models.DeliveryStatus",
        "DeliveryType": "webhooks.models.EVENT_TYPES",
    },
    "SERVE_AUTHENTICATION": [],
    "PREPROCESSING_HOOKS": ["config.schema.only_public_paths"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.describe_problems",
    ],
}

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
# json: one object per line for a log pipeline; console: readable lines (make run's).
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "console"))
# stdout for the servers; manage.py sets LOG_STREAM=stderr, so that a command's own output stays clean.
LOGGING = logging_config(level=LOG_LEVEL, form=LOG_FORMAT,
                         stream=env_choice("LOG_STREAM", "stdout", ("stdout", "stderr")))

# /metrics (config/metrics.py): off unless METRICS_ENABLED; with METRICS_TOKEN, only for
# `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# var/ holds the SQLite database, the file cache and collected static files.
VAR_DIR.mkdir(exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)
