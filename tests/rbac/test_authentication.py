"""Authentication by x-api-key: last_used_at written at most once a minute, and the usage limit
held by the database under concurrent requests."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from rbac.models import ApiKey
from tests.factories import ApiClient, make_execution, make_key, make_tenant


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_last_used_at_is_written_on_first_use(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    assert issued.api_key.last_used_at is None
    before = timezone.now()
    ApiClient(issued.key).get(f"executions/{make_execution(tenant=tenant).pk}")
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at >= before


def test_last_used_at_is_written_at_most_once_a_minute(tenant, settings):
    settings.API_KEY_CACHE_SECONDS = 0  # each request reads the key (its cached row: test_key_cache.py)
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    client = ApiClient(issued.key)
    path = f"executions/{make_execution(tenant=tenant).pk}"

    first = _queries(client, path)
    issued.api_key.refresh_from_db()
    stamped = issued.api_key.last_used_at
    second = _queries(client, path)
    issued.api_key.refresh_from_db()
    assert second == first - 1  # no UPDATE of last_used_at within the minute
    assert issued.api_key.last_used_at == stamped

    # A minute later it is written again.
    ApiKey.objects.filter(pk=issued.api_key.pk).update(last_used_at=stamped - timedelta(seconds=61))
    assert _queries(client, path) == first
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at > stamped


def test_a_refused_key_does_not_touch_last_used_at(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())
    assert ApiClient(issued.key).get(f"executions/{make_execution(tenant=tenant).pk}").status_code == 401
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is None


def test_the_usage_count_stops_at_the_limit(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=2)
    client = ApiClient(issued.key)
    path = f"executions/{make_execution(tenant=tenant).pk}"
    assert [client.get(path).status_code for _ in range(4)] == [200, 200, 401, 401]
    issued.api_key.refresh_from_db()
    assert issued.api_key.usage_count == 2


def test_a_request_dispatched_again_counts_one_use_and_one_hit(tenant, settings):
    """What config/replicas.py does when a replica fails under a GET: the same request again."""
    settings.THROTTLE_RATE = "2/min"
    issued = make_key(tenant=tenant, role="viewer", username="retried", usage_limit=2)
    path = f"/api/v1/automation/executions/{make_execution(tenant=tenant).pk}"
    once = RequestFactory().get(path, HTTP_X_API_KEY=issued.key)
    view = resolve(path)
    answers = [view.func(once, *view.args, **view.kwargs) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[-1]["RateLimit-Remaining"] == "1"
    issued.api_key.refresh_from_db()
    assert issued.api_key.usage_count == 1
    # A second request is a second use and hit; a third is over both limits.
    again = ApiClient(issued.key)
    assert [again.get(path.removeprefix("/api/v1/automation/")).status_code for _ in range(2)] == [200, 401]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: SQLite serialises every writer, so the race cannot happen")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_on_the_last_allowed_use_give_one_200_and_one_401():
    tenant = make_tenant(name="Race", slug="race")
    execution = make_execution(tenant=tenant)
    for round_number in range(5):
        issued = make_key(tenant=tenant, role="viewer", username=f"racer{round_number}", usage_limit=3)
        warm = ApiClient(issued.key)
        assert [warm.get(f"executions/{execution.pk}").status_code for _ in range(2)] == [200, 200]

        barrier = threading.Barrier(2)
        statuses = []

        def request(key=issued.key, barrier=barrier, statuses=statuses):
            try:
                client = ApiClient(key)
                barrier.wait(timeout=10)
                statuses.append(client.get(f"executions/{execution.pk}").status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=request) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [200, 401], (round_number, statuses)
        assert ApiKey.objects.get(pk=issued.api_key.pk).usage_count == 3
