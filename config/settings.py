"""Settings, read from the environment (one file for every environment)."""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int, minimum: int = 1) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
API_KEY_PEPPER = os.environ.get("API_KEY_PEPPER", "")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-secret-key-do-not-use-in-production"
    API_KEY_PEPPER = API_KEY_PEPPER or "insecure-development-api-key-pepper"
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
if not API_KEY_PEPPER:
    raise ImproperlyConfigured("API_KEY_PEPPER is required when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute links (`_links`) outside a request, e.g. in management commands.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Seconds a worker keeps a key's row (0: never); see rbac/key_cache.py.
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 2, minimum=0)
EXECUTION_LOG_LIMIT = env_int("EXECUTION_LOG_LIMIT", 200)
MAX_BODY_BYTES = env_int("MAX_BODY_BYTES", 8 * 1024 * 1024)
THROTTLE_RATE = os.environ.get("THROTTLE_RATE", "6000/min")
# Checked here so that a bad value stops the start, not every request (rbac/throttling.py reads it).
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", THROTTLE_RATE):
    raise ImproperlyConfigured(f"THROTTLE_RATE must look like 6000/min (N/s, N/min, N/hour, N/day), "
                               f"not {THROTTLE_RATE!r}")

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
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The admin's (config/middleware.py: skipped for the API).
    "config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    "config.middleware.MessageMiddleware",
    "config.middleware.XFrameOptionsMiddleware",
]

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
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
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
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server let psycopg prepare a statement run more than twice on a
    # connection: the hot reads then skip PostgreSQL's planning, most of their database time.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The request rate limit must hold across worker processes: its counters live in Redis when
# REDIS_URL is set (several machines), else in an SQLite file under CACHE_DIR shared by the
# processes of one machine (rbac/throttling.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR") or VAR_DIR / "cache")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
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
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
    },
    "SERVE_AUTHENTICATION": [],
    "PREPROCESSING_HOOKS": ["config.schema.only_public_paths"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.describe_problems",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# var/ holds the SQLite database, the file cache and collected static files.
VAR_DIR.mkdir(exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)
