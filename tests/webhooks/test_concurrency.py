"""Two workers at once, on PostgreSQL, while changes commit: each committed event reaches each
matching subscription exactly once (counted at the receiver)."""

import json
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from tests.factories import make_execution, make_rule
from webhooks import services
from webhooks.worker import Worker


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL's FOR UPDATE SKIP LOCKED between connections; SQLite has one writer, "
                           "so two workers could not race")
def test_two_workers_deliver_each_event_exactly_once_per_subscription(tenant, receiver):
    everything = services.subscription_create(tenant_id=tenant.pk, url=receiver.at("/all", 200), events=["*"])
    services.subscription_create(tenant_id=tenant.pk, url=receiver.at("/done", 200),
                                 events=["execution.completed"])
    rule = make_rule(tenant=tenant)
    workers = [Worker(timeout=5, concurrency=4) for _ in range(2)]
    barrier = threading.Barrier(3)
    errors = []

    def work(worker):
        try:
            barrier.wait(timeout=30)
            worker.run_forever(interval=0.02)
        except BaseException as error:  # noqa: B036 - reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    count = 40
    for index in range(count):  # committed while the workers run: 40 created + 20 x (running, completed)
        make_execution(tenant=tenant, rule=rule, status="completed" if index % 2 else "pending")
    expected_all, expected_done = count + 2 * (count // 2), count // 2
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(receiver.of("/all")), len(receiver.of("/done"))) != (
            expected_all, expected_done):
        time.sleep(0.05)
    time.sleep(0.5)  # a double would arrive now
    for worker in workers:
        worker.stop()
    for thread in threads:
        thread.join(timeout=30)
    for worker in workers:
        worker.close()
    assert not errors, errors
    for path, expected in (("/all", expected_all), ("/done", expected_done)):
        ids = Counter(json.loads(r.body)["id"] for r in receiver.of(path))
        assert len(ids) == expected and set(ids.values()) == {1}, path
    assert sum(worker.tally.succeeded for worker in workers) == expected_all + expected_done
    assert all(worker.tally.sent for worker in workers)  # both took part
    assert everything.deliveries.filter(status="succeeded").count() == expected_all
