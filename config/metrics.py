"""Prometheus metrics at /metrics, off unless METRICS_ENABLED.

Under gunicorn the figures live in PROMETHEUS_MULTIPROC_DIR, one file per worker, and /metrics
adds them up (prometheus-client's multiprocess mode; gunicorn.conf.py sets the folder up and marks
a dead worker's gauges). Every label value is bounded: route templates, methods, statuses,
reasons — never a raw path or an id."""

import hmac
import os
import time
from pathlib import Path

# prometheus-client picks its multiprocess mode when first imported; a folder named but missing
# (a management command run with the servers' environment) would fail every write to it.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from config.routes import route_of

REQUESTS = Counter("http_requests_total", "Requests answered, by route template, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("http_request_duration_seconds", "Time to answer a request, by route template.",
                    ["route", "method"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EXECUTIONS_STARTED = Counter("executions_started_total", "Executions started.")
EXECUTIONS_FINISHED = Counter("executions_finished_total", "Executions that reached a final status, by status.",
                              ["status"])
AUTH_FAILURES = Counter("auth_failures_total", "Requests refused by authentication, by reason.", ["reason"])
THROTTLED = Counter("throttled_requests_total", "Requests refused by the rate limit (429).")
RATE_STORE_ERRORS = Counter("rate_limit_store_errors_total",
                            "Times the shared rate-limit store (Redis) could not be reached; the limit failed open.")
DATABASE_ERRORS = Counter("database_errors_total", "Requests answered 503 because the database could not be reached.")
REPLICA_ROUTES = Counter("replica_routing_total",
                         "Reads routed (config/replicas.py): to a replica, or to the primary because the client "
                         "wrote recently (sticky), no replica was fit (no_replica) or the replica failed mid-request "
                         "(retried); cache_error counts writes that could not be remembered.", ["route"])
REPLICA_LAG = Gauge("replica_lag_seconds", "Each replica's lag behind the primary at its last check (+Inf: "
                    "unreachable, not a replica, or not yet seen current).", ["replica"], multiprocess_mode="livemax")


class MetricsMiddleware:
    """Counts and times every request by its route template."""

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        return response


def _registry():
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return DEFAULT_REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


def metrics_view(request):
    """The figures, in Prometheus's text format; 401 without the bearer token when one is set."""
    if not settings.METRICS_ENABLED:
        raise Http404("Metrics are off; set METRICS_ENABLED=1.")
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
