"""The throttle under real concurrency: worker processes share its counters, as gunicorn workers
on one machine do. It uses no database and runs everywhere."""

import multiprocessing
import time
from uuid import uuid4

import pytest

from tests.rbac.throttle_worker import throttle_worker


@pytest.mark.parametrize("limit", [150, 20_000])
def test_throttle_rate_holds_across_worker_processes(tmp_path, limit):
    """Two processes share the counters, as gunicorn workers on one machine do; together they may
    not pass more requests than the rate allows: exactly up to a limit of 100 per process batch,
    else within one batch (1 % of the limit) per process."""
    # A fixed window of an hour: keep clear of its end, where the count starts again.
    left = 3600 - time.time() % 3600
    if left < 60:
        time.sleep(left + 1)
    spawn = multiprocessing.get_context("spawn")
    barrier, answers = spawn.Barrier(2), spawn.Queue()
    prefix = uuid4().hex[:8]
    workers = [
        spawn.Process(target=throttle_worker, args=(str(tmp_path), f"{limit}/hour", prefix, limit, barrier, answers))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    allowed = [answers.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    # Each process alone would pass all of its `limit` requests; together no more than the limit
    # and its tolerance pass.
    batch = max(1, limit // 100)
    tolerance = 0 if batch == 1 else 2 * batch
    assert limit <= sum(allowed) <= limit + tolerance, allowed
