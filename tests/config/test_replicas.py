"""config/replicas.py's rules, each alone: which requests may read from a replica, which queries
the router sends there, and how writers are remembered. The whole, with a real streaming replica,
PgBouncer, Redis and two servers, is tests/scaling/test_several_servers.py."""

import socket
import time

import pytest
import redis
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve

from config import metrics
from config.replicas import RecentWriters, ReplicaRouter, _may_read_from_replica, _reading, writer_of
from executions.models import Execution
from rbac.models import ApiKey
from tenants.models import Tenant
from webhooks.models import Delivery

LOCAL_REDIS = "redis://127.0.0.1:6379/15"


def request(method: str, path: str, **headers):
    made = RequestFactory().generic(method, path, **headers)
    made.resolver_match = resolve(path)
    return made


@pytest.mark.parametrize(("method", "path", "may"), [
    ("GET", "/api/v1/automation/executions", True),
    ("HEAD", "/api/v1/automation/rules", True),
    ("POST", "/api/v1/automation/executions", False),
    ("PATCH", "/api/v1/automation/executions/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", False),
    ("GET", "/admin/executions/execution/", True),  # a list
    ("GET", "/admin/executions/execution/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/change/", False),  # a form
    ("GET", "/admin/", False),
    ("POST", "/admin/executions/execution/", False),  # an action on the list
])
def test_only_the_apis_gets_and_the_admins_lists_may_read_from_a_replica(method, path, may):
    assert _may_read_from_replica(request(method, path)) is may


@pytest.fixture
def routed():
    token = _reading.set("replica1")
    yield ReplicaRouter()
    _reading.reset(token)


def test_the_router_sends_reads_of_executions_and_webhooks_to_the_requests_replica(routed):
    assert routed.db_for_read(Execution) == "replica1"
    assert routed.db_for_read(Delivery) == "replica1"
    # What authenticates a request comes from the primary: a new key or tenant works at once.
    assert routed.db_for_read(ApiKey) == "default"
    assert routed.db_for_read(Tenant) == "default"
    assert routed.db_for_write(Execution) == "default"
    assert routed.allow_migrate("replica1", "executions") is False


def test_without_a_routed_request_every_read_goes_to_the_primary():
    assert ReplicaRouter().db_for_read(Execution) == "default"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_go_to_the_primary(routed):
    with transaction.atomic():
        assert routed.db_for_read(Execution) == "default"
    assert routed.db_for_read(Execution) == "replica1"


def test_a_writer_is_its_key_digest_never_the_key():
    key = "ak_abcd1234_secretsecretsecret"
    writer = writer_of(request("GET", "/api/v1/automation/executions", HTTP_X_API_KEY=key))
    assert writer.startswith("key:") and "secret" not in writer and "abcd1234" not in writer
    assert writer_of(request("GET", "/api/v1/automation/executions")) is None


def test_without_redis_a_process_remembers_its_writers_for_the_sticky_window(settings):
    settings.REDIS_URL, settings.REPLICA_STICKY_SECONDS = "", 1
    writers = RecentWriters()
    writers.remember("key:a")
    assert writers.recent("key:a") and not writers.recent("key:b")
    time.sleep(1.05)
    assert not writers.recent("key:a")


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no redis-server answers on 127.0.0.1:6379")
def test_with_redis_a_write_seen_by_one_server_is_known_to_every_other(settings):
    settings.REDIS_URL, settings.REPLICA_STICKY_SECONDS = LOCAL_REDIS, 5
    one, other = RecentWriters(), RecentWriters()  # two servers' processes
    writer = f"key:{time.time_ns()}"
    assert not other.recent(writer)
    one.remember(writer)
    assert other.recent(writer)
    assert 0 < redis.Redis.from_url(LOCAL_REDIS).ttl(f"replica-sticky:{writer}") <= 5


def test_with_redis_away_reads_go_to_the_primary_and_the_lost_write_is_counted(settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    writers = RecentWriters()
    before = metrics.REPLICA_ROUTES.labels("cache_error")._value.get()
    writers.remember("key:a")
    assert metrics.REPLICA_ROUTES.labels("cache_error")._value.get() - before == 1
    assert writers.recent("key:never-wrote")  # not knowing: the primary
