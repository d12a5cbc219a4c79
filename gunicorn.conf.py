"""gunicorn's settings for `make serve`: the service in production, on one machine.

Every value can be changed from the environment; the README's "Operating it" lists them."""

import multiprocessing
import os
import shutil
from pathlib import Path

from config.logs import logging_config

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# 2 × cores + 1: a worker waits on the database about as long as it computes.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# A request that takes longer is a defect or a stuck database: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before the workers stop.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# The longest request line gunicorn takes (its maximum, as nginx's default buffers): a longer one is
# answered by gunicorn itself, a 400 page before the app sees it. 0 takes any length.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
# Each worker is replaced after about this many requests (the jitter keeps them from all
# restarting at once): a slow leak never grows for long.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# The proxy in front (X-Forwarded-Proto; HTTPS=1): the addresses it connects from.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The heartbeat files of workers in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# No access log: the service writes one JSON line per request itself (config/logs.py), with the
# tenant and the key's prefix. gunicorn's own lines go through the same formatter.
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
                                form=os.environ.get("LOG_FORMAT", "json").lower())

# Metrics of several workers: each writes its figures to files in one folder, which /metrics adds
# up (config/metrics.py). Set before the workers import prometheus_client.
METRICS_DIR = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(__file__).parent / "var" / "metrics")
if os.environ.get("METRICS_ENABLED", "").lower() in ("1", "true", "yes", "on"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)


def on_starting(server):
    """A fresh metrics folder for each start: files of workers gone would count again."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
        METRICS_DIR.mkdir(parents=True)


def child_exit(server, worker):
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
