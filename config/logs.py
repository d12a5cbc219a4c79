"""Logs: one JSON object per line on stdout (LOG_FORMAT=json, the default), or readable lines
(LOG_FORMAT=console, what `make run` uses). The standard library's logging with
python-json-logger: every library that logs (Django, gunicorn, psycopg) lands in the same stream
without another logging framework, and `extra=` fields become top-level keys.

Lines of our own: `requests` (one per request, from RequestLogMiddleware) and `executions` (one
per status change, from the services). An error's stack stays in its one line (`exc_info`)."""

import logging
import time

from config.routes import route_of

REQUEST_LOG = logging.getLogger("requests")


def logging_config(*, level: str, form: str, stream: str = "stdout") -> dict:
    """The LOGGING setting. Servers log on stdout; management commands on stderr (manage.py says
    so), where their lines do not mix with what a command prints (its --json)."""
    formatter = (
        {"()": "pythonjsonlogger.json.JsonFormatter",
         "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
         "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
        if form == "json" else
        {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "datefmt": "%H:%M:%S"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": f"ext://sys.{stream}",
                                "formatter": "main"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers (a plain-text console under DEBUG, mail to admins) off: every
            # line goes through the one handler above, once.
            "django": {"handlers": [], "level": level, "propagate": True},
            # RequestLogMiddleware writes each request's line; Django's own would repeat 4xx/5xx ones
            # (its 5xx lines, with the stack, stay).
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
            "gunicorn.error": {"level": level, "propagate": True},
            "axes": {"level": "WARNING"},  # its start-up banner, in every process
        },
    }


class RequestLogMiddleware:
    """One line per request: its id, method, route template, path, status, time, tenant and the
    key's public prefix (never the key)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if REQUEST_LOG.isEnabledFor(logging.INFO):
            tenant = getattr(request, "key_tenant_id", None)
            REQUEST_LOG.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={
                    "request_id": getattr(request, "request_id", None),
                    "method": request.method,
                    "route": route_of(request),
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "tenant": str(tenant) if tenant else None,
                    "key_prefix": getattr(request, "valid_key_prefix", None),
                },
            )
        return response

