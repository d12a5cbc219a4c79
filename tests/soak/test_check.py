"""The soak's checker (benchmarks/soak/check.py): given a record of acknowledged writes and a
database, it passes when they agree and reports each kind of loss, doubling and half-write."""

import uuid

import pytest

from benchmarks.soak import check as checker
from benchmarks.soak.record import ACKNOWLEDGED, IN_DOUBT, Batch, Call, ExecutionRecord, Record
from executions import services
from executions.models import ExecutionEvent, ExecutionLog
from tests.factories import make_execution

pytestmark = pytest.mark.django_db


def _append(execution_id, tenant_id, batch: Batch, lines: int | None = None) -> Batch:
    """Stores `lines` (default all) of the batch's lines, marked as a soak engine marks them."""
    entries = [{"message": f"line {n}", "metadata": {"batch": batch.batch_id, "line": n, "of": batch.size}}
               for n in range(batch.size if lines is None else lines)]
    _, batch.first, batch.last = services.logs_append(tenant_id=tenant_id, execution_id=execution_id, entries=entries)
    return batch


def _engine_run(tenant, rule, record: Record, *, batches=(3, 1)) -> ExecutionRecord:
    """An execution as an engine runs it (start with a key, running, two steps, log batches,
    completed), every write acknowledged in the record."""
    key = uuid.uuid4().hex
    execution = make_execution(tenant=tenant, rule=rule, status="running", idempotency_key=key, external_ref=key)
    entry = ExecutionRecord(key=key, execution_id=str(execution.pk), statuses=["pending", "running"])
    for index in range(2):
        services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key=f"s{index}", name="Step",
                             type="http", status="completed")
        entry.steps.append(f"s{index}")
    for size in batches:
        entry.batches.append(_append(execution.pk, tenant.pk, Batch(uuid.uuid4().hex, size, ACKNOWLEDGED)))
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="key:soak",
                              changes={"status": "completed"})
    entry.statuses.append("completed")
    record.executions.append(entry)
    return entry


@pytest.fixture
def record(tenant, rule):
    record = Record(tenant_id=str(tenant.pk))
    for _ in range(2):
        _engine_run(tenant, rule, record)
    record.calls.append(Call("POST /executions", 0.0, 0.01, 201))
    return record


def _check(record):
    from django.db import connection

    return checker.check(record, connection)


def test_a_database_that_holds_every_acknowledged_write_passes(record):
    found = _check(record)
    assert found.ok, found.summary()
    assert found.counts == {"executions": (2, 2), "steps": (4, 4), "log batches": (4, 4), "log lines": (8, 8),
                            "status changes (events)": (6, 6)}


def test_a_missing_log_line_is_reported(record):
    batch = record.executions[0].batches[0]
    ExecutionLog.objects.filter(execution_id=record.executions[0].execution_id, sequence=batch.first + 1).delete()
    found = _check(record)
    assert found.problems[checker.LOST_LINES] == [
        f"batch {batch.batch_id} of {record.executions[0].execution_id}: 1 of its 3 acknowledged lines missing "
        f"(acknowledged)"]
    assert found.problems[checker.SEQUENCE_GAP]  # 1, 3, 4: the gap is seen without the record too
    assert found.counts["log lines"] == (8, 7)


def test_a_duplicate_execution_is_reported(record, tenant, rule):
    first = record.executions[0]
    # What a broken idempotency would leave: a second execution of the same engine run.
    twin = make_execution(tenant=tenant, rule=rule, external_ref=first.key)
    found = _check(record)
    assert found.problems[checker.DUPLICATE_EXECUTION] == [
        f"key {first.key} made 2 executions: {', '.join(sorted([first.execution_id, str(twin.pk)]))}"]
    assert found.counts["executions"] == (2, 1)


def test_a_half_written_batch_is_reported_even_when_it_was_never_acknowledged(record):
    execution = record.executions[1]
    # Sent, answer lost, and only 2 of its 5 lines stored: a batch must be all or nothing.
    half = _append(execution.execution_id, record.tenant_id, Batch(uuid.uuid4().hex, 5, IN_DOUBT), lines=2)
    execution.batches.append(half)
    found = _check(record)
    assert found.problems[checker.HALF_BATCH] == [f"batch {half.batch_id} of {execution.execution_id}: "
                                                  f"2 lines of a batch of 5"]
    assert not found.problems[checker.LOST_LINES] and not found.problems[checker.SEQUENCE_GAP]


def test_a_batch_stored_twice_is_reported(record):
    execution = record.executions[0]
    again = Batch(execution.batches[1].batch_id, 1)
    _append(execution.execution_id, record.tenant_id, again)  # a resend the engine should not have made
    found = _check(record)
    assert found.problems[checker.DUPLICATE_BATCH] == [f"batch {again.batch_id} of {execution.execution_id}: "
                                                       f"2 lines for a batch of 1"]


def test_an_acknowledged_step_or_execution_that_is_gone_is_reported(record, tenant):
    lost = ExecutionRecord(key="never-stored", execution_id=str(uuid.uuid4()), steps=["s0"])
    record.executions.append(lost)
    found = _check(record)
    assert found.problems[checker.LOST_EXECUTION] == [f"{lost.execution_id} (key never-stored) is not in the database"]
    assert found.problems[checker.LOST_STEP] == [f"step s0 of {lost.execution_id} stored 0 times"]


def test_a_status_change_without_its_event_is_reported(record):
    execution = record.executions[0]
    ExecutionEvent.objects.filter(execution_id=execution.execution_id, status="running").delete()
    found = _check(record)
    assert len(found.problems[checker.EVENTS]) == 2  # the chain is broken, and an acknowledged move is missing


def test_a_500_always_fails_and_a_503_only_outside_chaos(record):
    record.calls += [Call("POST /executions/{id}/logs", 1.0, 0.1, 503), Call("PATCH /executions/{id}", 1.0, 0.1, 500)]
    found = _check(record)
    assert found.problems[checker.SERVER_ERROR] == ["1 × 500 on PATCH /executions/{id}",
                                                    "1 × 503 on POST /executions/{id}/logs"]
    record.chaos = True
    found = _check(record)
    assert found.problems[checker.SERVER_ERROR] == ["1 × 500 on PATCH /executions/{id}"]
    assert "1 × 503 on POST /executions/{id}/logs (allowed under chaos: the database was away)" in found.notes
