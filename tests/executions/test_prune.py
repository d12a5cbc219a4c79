"""prune_executions and executions.retention: what goes (old final executions with what they
own), what stays (young, unfinished, other tenants', retry chains not wholly old and final), in
batches of any size, counted the same by a dry run, stopped cleanly by Ctrl-C."""

import io
import json
import os
import signal
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from executions import retention, services
from executions.exceptions import NotFound
from executions.models import Execution, ExecutionEvent, ExecutionLog, ExecutionStep
from tests.factories import add_logs, add_steps, make_execution, make_rule

pytestmark = pytest.mark.django_db

OLD, YOUNG = 40, 5  # days ago; the tests prune --older-than 30
# "deliveries", "delivery_attempts": webhooks registers its rows (webhooks/apps.py).
SUMMARY_KEYS = {"executions", "steps", "log_lines", "events", "deliveries", "delivery_attempts", "seconds"}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def prune(*args, stderr=None) -> dict:
    """prune_executions --json ARGS as an operator runs it; its summary."""
    out = io.StringIO()
    call_command("prune_executions", "--json", *args, stdout=out, stderr=stderr or io.StringIO())
    return json.loads(out.getvalue())


def age(execution: Execution, days: int) -> Execution:
    # created_at is auto_now_add: only an update sets it in the past.
    Execution.objects.filter(pk=execution.pk).update(created_at=timezone.now() - timedelta(days=days))
    return execution


def make_run(tenant, rule, status: str, days: int, steps: int = 2, lines: int = 3) -> Execution:
    """An execution with steps and log lines (written while it ran), then moved to `status`,
    created `days` ago."""
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(execution, steps)
    add_logs(execution, lines)
    if status != "running":
        execution = services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                               changes={"status": status})
    return age(execution, days)


def retry(execution: Execution, status: str, days: int) -> Execution:
    attempt, _ = services.execution_retry(tenant_id=execution.tenant_id, execution_id=execution.pk, actor="system")
    if status != "pending":
        for step in ("running", status) if status != "running" else ("running",):
            services.execution_report(tenant_id=execution.tenant_id, execution_id=attempt.pk, actor="system",
                                      changes={"status": step})
    return age(attempt, days)


def owned_counts(ids) -> dict[str, int]:
    ids = list(ids)
    return {
        "executions": Execution.objects.filter(pk__in=ids).count(),
        "steps": ExecutionStep.objects.filter(execution_id__in=ids).count(),
        "log_lines": ExecutionLog.objects.filter(execution_id__in=ids).count(),
        "events": ExecutionEvent.objects.filter(execution_id__in=ids).count(),
    }


def counts(summary: dict) -> dict[str, int]:
    return {name: summary[name] for name in ("executions", "steps", "log_lines", "events")}


@pytest.fixture
def world(tenant, other_tenant):
    """Old and young, final and unfinished executions of two tenants: which are old and final."""
    runs = {}
    for owner in (tenant, other_tenant):
        rule = make_rule(tenant=owner)
        for status in ("completed", "failed", "cancelled", "running"):
            for days in (OLD, YOUNG):
                runs[(owner.slug, status, days)] = make_run(owner, rule, status, days)
        runs[(owner.slug, "waiting", OLD)] = age(make_execution(tenant=owner, rule=rule, status="waiting"), OLD)
        runs[(owner.slug, "pending", OLD)] = age(make_execution(tenant=owner, rule=rule), OLD)
    return runs


def old_final(world, slug=None) -> set:
    return {execution.pk for (owner, status, days), execution in world.items()
            if days == OLD and status in ("completed", "failed", "cancelled") and slug in (None, owner)}


def test_prune_deletes_exactly_the_old_final_executions_with_their_steps_lines_and_events(world):
    going, everything = old_final(world), {execution.pk for execution in world.values()}
    expected = owned_counts(going)
    staying = owned_counts(everything - going)
    assert expected == {"executions": 6, "steps": 12, "log_lines": 18, "events": 18}

    summary = prune("--older-than", "30")

    assert counts(summary) == expected
    assert set(Execution.objects.values_list("pk", flat=True)) == everything - going
    assert owned_counts(going) == dict.fromkeys(expected, 0)
    assert owned_counts(everything - going) == staying


def test_a_dry_run_reports_the_same_counts_and_deletes_nothing(world):
    before = owned_counts(execution.pk for execution in world.values())

    dry = prune("--older-than", "30", "--dry-run")

    assert dry["dry_run"] is True
    assert owned_counts(execution.pk for execution in world.values()) == before
    assert counts(dry) == counts(prune("--older-than", "30"))


def test_tenant_leaves_the_other_tenant_alone(world, other_tenant):
    acme_going = old_final(world, "acme")
    globex = {execution.pk for (owner, _, _), execution in world.items() if owner == "globex"}
    globex_before = owned_counts(globex)

    summary = prune("--older-than", "30", "--tenant", "acme")

    assert summary["executions"] == len(acme_going) == 3
    assert not Execution.objects.filter(pk__in=acme_going).exists()
    assert owned_counts(globex) == globex_before
    # By id as well as by slug.
    assert prune("--older-than", "30", "--tenant", str(other_tenant.pk))["executions"] == 3


@pytest.mark.parametrize("batch_size", ["1", "2", "1000"])
def test_every_batch_size_deletes_the_same(world, batch_size):
    going = old_final(world)
    expected = owned_counts(going)

    summary = prune("--older-than", "30", "--batch-size", batch_size)

    assert counts(summary) == expected
    assert set(Execution.objects.values_list("pk", flat=True)) == {e.pk for e in world.values()} - going


# Retry chains: whole or not at all


@pytest.fixture
def rule(tenant):
    return make_rule(tenant=tenant)


@pytest.mark.parametrize("young_status", ["running", "completed"])
def test_an_old_execution_whose_retry_is_young_is_kept_with_its_retry(tenant, rule, young_status):
    original = make_run(tenant, rule, "failed", OLD)
    attempt = retry(original, young_status, YOUNG)
    lone = make_run(tenant, rule, "completed", OLD)

    assert prune("--older-than", "30")["executions"] == 1

    assert set(Execution.objects.values_list("pk", flat=True)) == {original.pk, attempt.pk}
    assert Execution.objects.get(pk=attempt.pk).retry_of_id == original.pk
    assert not Execution.objects.filter(pk=lone.pk).exists()


@pytest.mark.parametrize("batch_size", ["1", "2", "1000"])
def test_a_chain_stays_whole_while_its_last_attempt_is_young_or_unfinished(tenant, rule, batch_size):
    first = make_run(tenant, rule, "failed", OLD + 2)
    second = retry(first, "failed", OLD + 1)
    third = retry(second, "running", OLD)  # old, but not final

    assert counts(prune("--older-than", "30", "--batch-size", batch_size, "--dry-run"))["executions"] == 0
    assert prune("--older-than", "30", "--batch-size", batch_size)["executions"] == 0
    assert Execution.objects.filter(pk__in=[first.pk, second.pk, third.pk]).count() == 3


@pytest.mark.parametrize("batch_size", ["1", "2", "1000"])
def test_a_chain_wholly_old_and_final_goes_whole_and_the_dry_run_counts_it_once(tenant, rule, batch_size):
    first = make_run(tenant, rule, "failed", OLD + 2)
    second = retry(first, "timeout", OLD + 1)
    third = retry(second, "completed", OLD)
    between = make_run(tenant, rule, "completed", OLD + 1)
    chain = {first.pk, second.pk, third.pk, between.pk}
    expected = owned_counts(chain)

    dry = prune("--older-than", "30", "--batch-size", batch_size, "--dry-run")
    summary = prune("--older-than", "30", "--batch-size", batch_size)

    assert counts(dry) == counts(summary) == expected
    assert expected["executions"] == 4
    assert not Execution.objects.exists()


def test_an_attempt_whose_original_stays_stays(tenant, rule):
    """A retry whose original is younger than the cutoff (clocks, imports) is kept with it."""
    original = make_run(tenant, rule, "failed", YOUNG)
    attempt = retry(original, "completed", OLD)

    assert prune("--older-than", "30")["executions"] == 0
    assert Execution.objects.filter(pk__in=[original.pk, attempt.pk]).count() == 2


# The command's surface


def test_json_prints_the_counts_and_seconds(world):
    summary = prune("--older-than", "30")
    assert set(summary) == SUMMARY_KEYS
    assert all(isinstance(summary[name], int) for name in SUMMARY_KEYS - {"seconds"})
    assert isinstance(summary["seconds"], float) and summary["seconds"] >= 0
    assert set(prune("--older-than", "30", "--dry-run")) == SUMMARY_KEYS | {"dry_run"}


def test_without_json_it_prints_one_sentence_and_no_progress_off_a_terminal(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("prune_executions", "--older-than", "30", stdout=out, stderr=err)
    assert out.getvalue().startswith("Deleted 6 executions with 0 delivery attempts, 0 deliveries, 12 steps, "
                                     "18 log lines and 18 events in ")
    assert out.getvalue().count("\n") <= 1
    assert err.getvalue() == ""

    out = io.StringIO()
    call_command("prune_executions", "--older-than", "30", "--dry-run", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Would delete 0 executions")
    assert "nothing was deleted" in out.getvalue()


def test_on_a_terminal_a_progress_line_is_rewritten_per_batch(world):
    terminal = Terminal()
    summary = prune("--older-than", "30", "--batch-size", "2", stderr=terminal)
    progress = terminal.getvalue()
    assert summary["executions"] == 6
    assert "\n" not in progress
    assert progress.count("\r[") >= 3  # one per batch
    assert "6 executions, 18 log lines" in progress and "lines/s" in progress


@pytest.mark.parametrize("args", [
    [],
    ["--older-than", "0"],
    ["--older-than", "-3"],
    ["--older-than", "ten"],
    ["--older-than", "99999999999"],
    ["--older-than", "30", "--batch-size", "0"],
    ["--older-than", "30", "--batch-size", "many"],
    ["--older-than", "30", "--batch-size", str(retention.MAX_BATCH_SIZE + 1)],
    ["--older-than", "30", "--tenant", "initech"],
    ["--older-than", "30", "--tenant", "0190a8f0-0000-7000-8000-000000000000"],
])
def test_bad_arguments_are_one_line_errors(tenant, args):
    with pytest.raises(CommandError) as raised:
        call_command("prune_executions", *args, stdout=io.StringIO(), stderr=io.StringIO())
    message = str(raised.value)
    assert message and "\n" not in message and "usage" not in message.lower()


# Ctrl-C


def test_ctrl_c_stops_after_the_batch_in_flight_and_prints_the_summary_so_far(world, monkeypatch):
    deletes = retention._delete

    def delete_then_ctrl_c(ids, *, dry_run):
        done = deletes(ids, dry_run=dry_run)
        os.kill(os.getpid(), signal.SIGINT)  # arrives mid-batch: the batch still finishes
        return done

    monkeypatch.setattr(retention, "_delete", delete_then_ctrl_c)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("prune_executions", "--older-than", "30", "--batch-size", "1", "--json", stdout=out,
                     stderr=io.StringIO())

    assert exited.value.code == 130
    summary = json.loads(out.getvalue())
    assert summary["interrupted"] is True
    assert counts(summary) == {"executions": 1, "steps": 2, "log_lines": 3, "events": 3}
    assert Execution.objects.filter(pk__in=old_final(world)).count() == 5


def test_an_interrupt_inside_a_batch_rolls_it_back_whole(world, monkeypatch):
    raw_delete, calls = retention._raw_delete, []

    def interrupted_at_the_second_batch(rows):
        calls.append(rows.model)
        if rows.model is Execution and calls.count(Execution) == 2:
            raise KeyboardInterrupt  # after its steps, lines and events went, before the execution
        return raw_delete(rows)

    monkeypatch.setattr(retention, "_raw_delete", interrupted_at_the_second_batch)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("prune_executions", "--older-than", "30", "--batch-size", "1", stdout=out,
                     stderr=io.StringIO())

    assert exited.value.code == 130
    assert out.getvalue().startswith("Interrupted between batches. Deleted 1 execution with")
    remaining = old_final(world) & set(Execution.objects.values_list("pk", flat=True))
    assert len(remaining) == 5
    # Every execution left has all it owned: none was deleted by half.
    assert owned_counts(remaining) == {"executions": 5, "steps": 10, "log_lines": 15, "events": 15}


# Rows other apps keep per execution


def test_rows_registered_by_another_app_go_first_and_are_counted(world, monkeypatch):
    # Without webhooks' own registration, which the stand-in below takes the place of.
    monkeypatch.setattr(retention, "OWNED", [owned for owned in retention.OWNED
                                                 if owned.name not in ("deliveries", "delivery_attempts")])
    order = []
    raw_delete = retention._raw_delete
    monkeypatch.setattr(retention, "_raw_delete", lambda rows: order.append(rows.model) or raw_delete(rows))
    # Stands in for webhooks' deliveries: rows that must go before the events they hang off.
    retention.owned_register("deliveries", lambda ids: ExecutionEvent.objects.filter(
        execution_id__in=ids, type=ExecutionEvent.Type.CREATED))

    summary = prune("--older-than", "30")

    assert summary["deliveries"] == 6 and summary["events"] == 12
    assert order[:5] == [ExecutionEvent, ExecutionStep, ExecutionLog, ExecutionEvent, Execution]


# Beside the API (PostgreSQL: row locks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL row locks; SQLite serialises every writer, so nothing is ever skipped")
def test_an_execution_the_api_holds_locked_is_skipped_and_a_retry_after_the_prune_finds_it_gone(tenant, rule):
    held = make_run(tenant, rule, "failed", OLD)
    free = make_run(tenant, rule, "failed", OLD)
    locked, release = threading.Event(), threading.Event()

    def hold_as_a_retry_does():
        try:
            with transaction.atomic():
                Execution.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_as_a_retry_does)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert prune("--older-than", "30")["executions"] == 1  # did not wait for the lock
    finally:
        release.set()
        holder.join(timeout=30)

    assert set(Execution.objects.values_list("pk", flat=True)) == {held.pk}
    with pytest.raises(NotFound):
        services.execution_retry(tenant_id=tenant.pk, execution_id=free.pk, actor="system")
