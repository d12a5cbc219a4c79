"""A short soak and a short chaos run (benchmarks/soak/) against gunicorn on a PostgreSQL database of
their own: every acknowledged write is found exactly once afterwards. `make soak` runs the long ones
(and the chaos run's restart of PostgreSQL, which needs a cluster of its own)."""

import os
import urllib.parse

import pytest
from django.db import connection

from benchmarks.soak.chaos import KILL, TERMINATE, Fault
from benchmarks.soak.run import report, run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="serves many concurrent engines through gunicorn's workers and kills PostgreSQL "
                              "backends; SQLite has one writer at a time and no backends to kill"),
]


def _server() -> str:
    """The test database's PostgreSQL server: each run makes a database of its own there."""
    return urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path="").geturl()


def test_a_short_soak_loses_nothing_and_answers_no_5xx():
    # Memory is printed, not judged: 20 s after a 3 s warm-up measures the warm-up, not a leak.
    result = run(20, engines=4, readers=1, workers=2, warm_up=3, server_url=_server(), memory_limit=None, say=print)
    print(report(result))
    assert result.ok, report(result)
    executions, found = result.findings.counts["executions"]
    assert executions > 10 and found == executions
    assert result.findings.counts["log lines"][0] == result.findings.counts["log lines"][1] > 0
    assert result.latency["POST /executions/{id}/logs"]["non_2xx"] == 0


def test_a_short_chaos_run_loses_nothing_and_answers_again_within_seconds():
    faults = [Fault(KILL, 4), Fault(TERMINATE, 11)]
    result = run(18, chaos=True, faults=faults, engines=4, readers=1, workers=2, warm_up=3, server_url=_server(),
                 memory_limit=None, say=print)
    print(report(result))
    assert result.ok, report(result)  # nothing lost or doubled, no half batch, no 500
    assert all(fault.started for fault in faults)
    assert "killed; gunicorn started" in faults[0].detail
    assert "backends of" in faults[1].detail and not faults[1].detail.startswith("0 ")
    for fault in faults:
        assert fault.recovered_after is not None and fault.recovered_after < 5, (fault.kind, fault.recovered_after)
    assert result.findings.counts["executions"][1] == result.findings.counts["executions"][0] > 10
