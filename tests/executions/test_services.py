"""executions/services.py, called directly as the admin, the commands and the views call it. The HTTP
behaviour is pinned by tests/contract/; these hold what a service promises to its callers."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from executions import services
from executions.exceptions import Conflict, IdempotencyConflict, IllegalTransition, Invalid, NotFound, RuleDisabled
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep
from tests.factories import add_logs, add_steps, make_execution, make_rule

pytestmark = pytest.mark.django_db

ACTOR = "staff:alice"


def updated_columns(queries, model) -> set[str]:
    """The columns named in the SET list of the one UPDATE of `model`'s table among `queries`."""
    table = connection.ops.quote_name(model._meta.db_table)
    updates = [q["sql"] for q in queries if q["sql"].startswith(f"UPDATE {table} SET ")]
    assert len(updates) == 1, updates
    set_list = updates[0].split(" SET ", 1)[1].rsplit(" WHERE ", 1)[0]
    return set(re.findall(r'"(\w+)" = ', set_list))


def start(tenant, rule, **fields) -> tuple[Execution, bool]:
    return services.execution_start(tenant_id=tenant.pk, actor=ACTOR, automation_rule_id=rule.pk, trigger_data={},
                                    **fields)


def report(execution, **changes) -> Execution:
    return services.execution_report(tenant_id=execution.tenant_id, execution_id=execution.pk, actor=ACTOR,
                                     changes=changes)


def events_of(execution) -> list[ExecutionEvent]:
    return list(ExecutionEvent.objects.filter(execution_id=execution.pk).order_by("id"))


# Rules: a write never rewrites columns another transaction owns.


@pytest.mark.parametrize("changes, version", [
    ({"name": "Renamed"}, 1),
    ({"trigger": "order.created", "is_enabled": False}, 1),  # the rule's own trigger: no change
    ({"trigger": "order.paid"}, 2),
    ({"actions": [{"type": "sms"}]}, 2),
    ({"timeout_seconds": 60}, 2),
])
def test_rule_update_bumps_the_version_only_for_a_changed_run_and_writes_only_what_it_sends(tenant, rule, changes,
                                                                                          version):
    with CaptureQueriesContext(connection) as queries:
        services.rule_update(tenant_id=tenant.pk, rule_id=rule.pk, changes=changes)

    assert updated_columns(queries, AutomationRule) == {*changes, "version", "updated_at"}
    stored = AutomationRule.objects.values(*changes, "version").get(pk=rule.pk)
    assert stored == {**changes, "version": version}


def test_rule_delete_refuses_a_rule_with_executions_and_deletes_one_without(tenant, rule, execution):
    unused = make_rule(tenant=tenant)
    with pytest.raises(Conflict):
        services.rule_delete(tenant_id=tenant.pk, rule_id=rule.pk)

    services.rule_delete(tenant_id=tenant.pk, rule_id=unused.pk)
    assert list(AutomationRule.objects.values_list("pk", flat=True)) == [rule.pk]


# Starting


def test_execution_start_repeated_with_key_and_fingerprint_returns_the_first_uncreated(tenant, rule):
    first, created = start(tenant, rule, idempotency_key="k-1", fingerprint="f" * 64)
    again, created_again = start(tenant, rule, idempotency_key="k-1", fingerprint="f" * 64)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Execution.objects.count() == 1


def test_execution_start_with_a_used_key_and_another_fingerprint_is_an_idempotency_conflict(tenant, rule):
    start(tenant, rule, idempotency_key="k", fingerprint="a" * 64)

    with pytest.raises(IdempotencyConflict):
        start(tenant, rule, idempotency_key="k", fingerprint="b" * 64)
    assert Execution.objects.count() == 1


def test_execution_start_of_a_disabled_rule_is_refused(tenant):
    rule = make_rule(tenant=tenant, is_enabled=False)
    with pytest.raises(RuleDisabled):
        start(tenant, rule)
    assert not Execution.objects.exists()


def test_execution_start_of_another_tenants_rule_is_invalid(tenant, other_tenant):
    foreign = make_rule(tenant=other_tenant)
    with pytest.raises(Invalid) as raised:
        start(tenant, foreign)
    assert set(raised.value.errors) == {"automation_rule_id"}
    assert not Execution.objects.exists()


# Reporting


@pytest.mark.parametrize("changes, written", [
    ({"actions_successful": 1}, {"actions_successful"}),
    ({"status": "failed", "error_message": "boom"}, {*services.MOVE_FIELDS, "error_message"}),
])
def test_execution_report_writes_only_the_columns_it_changes(execution, changes, written):
    with CaptureQueriesContext(connection) as queries:
        report(execution, **changes)

    assert updated_columns(queries, Execution) == {*written, "updated_at"}


def test_execution_report_move_records_one_event_with_both_statuses_and_the_actor(execution):
    before = len(events_of(execution))
    report(execution, status="waiting")

    events = events_of(execution)
    assert len(events) == before + 1
    assert (events[-1].type, events[-1].previous_status, events[-1].status, events[-1].actor) == (
        ExecutionEvent.Type.STATUS_CHANGED, "running", "waiting", ACTOR)


def test_execution_report_move_to_a_final_status_stamps_completion_and_duration(execution):
    report(execution, status="completed")

    done = Execution.objects.get(pk=execution.pk)
    assert done.status == "completed"
    assert done.completed_at is not None and done.completed_at >= done.started_at
    assert done.duration_ms == int((done.completed_at - done.started_at) / timedelta(milliseconds=1))


@pytest.mark.parametrize("status, target", [("running", "pending"), ("completed", "running"),
                                            ("failed", "failed")])
def test_execution_report_refused_move_raises_and_changes_nothing(tenant, rule, status, target):
    execution = make_execution(tenant=tenant, rule=rule, status=status)
    before = (Execution.objects.values().get(pk=execution.pk), len(events_of(execution)))

    with pytest.raises(IllegalTransition):
        report(execution, status=target, actions_successful=1)
    assert (Execution.objects.values().get(pk=execution.pk), len(events_of(execution))) == before


# Cancelling, retrying, expiring


def test_execution_cancel_records_the_reason(tenant, execution):
    cancelled = services.execution_cancel(tenant_id=tenant.pk, execution_id=execution.pk, actor=ACTOR,
                                          reason="Duplicate order")

    assert Execution.objects.values_list("status", "status_reason").get(pk=cancelled.pk) == (
        "cancelled", "Duplicate order")
    last = events_of(execution)[-1]
    assert (last.type, last.actor, last.data) == (ExecutionEvent.Type.CANCELLED, ACTOR, {"reason": "Duplicate order"})


def test_execution_cancel_of_a_final_execution_is_refused(tenant, rule):
    done = make_execution(tenant=tenant, rule=rule, status="completed")
    with pytest.raises(IllegalTransition):
        services.execution_cancel(tenant_id=tenant.pk, execution_id=done.pk, actor=ACTOR)
    assert Execution.objects.get(pk=done.pk).status == "completed"


def test_execution_retry_makes_a_linked_next_attempt(tenant, rule):
    failed = make_execution(tenant=tenant, rule=rule, status="failed", trigger_data={"order_id": 7})

    attempt, created = services.execution_retry(tenant_id=tenant.pk, execution_id=failed.pk, actor=ACTOR)

    assert created is True
    attempt.refresh_from_db()
    assert (attempt.retry_of_id, attempt.attempt, attempt.status, attempt.trigger_data) == (
        failed.pk, 2, "pending", {"order_id": 7})
    assert events_of(failed)[-1].data == {"next_attempt": str(attempt.pk)}


def test_execution_retry_repeated_with_its_key_returns_its_attempt_and_any_other_retry_is_a_conflict(tenant, rule):
    failed = make_execution(tenant=tenant, rule=rule, status="timeout")
    retry = dict(tenant_id=tenant.pk, execution_id=failed.pk, actor=ACTOR)
    first, _ = services.execution_retry(**retry, idempotency_key="r-1")

    assert services.execution_retry(**retry, idempotency_key="r-1") == (first, False)
    for other_key in (None, "r-2"):
        with pytest.raises(Conflict):
            services.execution_retry(**retry, idempotency_key=other_key)
    assert Execution.objects.filter(retry_of__isnull=False).count() == 1


def test_executions_expire_times_out_an_overdue_running_execution_and_leaves_a_fresh_one(tenant):
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    overdue = make_execution(tenant=tenant, rule=rule, status="running")
    fresh = make_execution(tenant=tenant, rule=rule, status="running")
    Execution.objects.filter(pk=overdue.pk).update(started_at=F("started_at") - timedelta(minutes=5))

    assert services.executions_expire() == [overdue.pk]

    assert Execution.objects.get(pk=fresh.pk).status == "running"
    timed_out = Execution.objects.get(pk=overdue.pk)
    assert (timed_out.status, timed_out.completed_at is not None) == ("timeout", True)
    assert (events_of(overdue)[-1].type, events_of(overdue)[-1].actor) == (ExecutionEvent.Type.TIMED_OUT, "system")


# Steps and log lines


def test_step_create_gives_gapless_positions_in_order_of_creation(tenant, execution):
    for key in ("fetch", "transform", "send"):
        services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key=key)

    steps = ExecutionStep.objects.filter(execution_id=execution.pk).order_by("position")
    assert [(s.key, s.position) for s in steps] == [("fetch", 0), ("transform", 1), ("send", 2)]


def test_steps_of_a_final_execution_can_be_neither_created_nor_updated(tenant, execution):
    add_steps(execution, 1)
    report(execution, status="failed")

    with pytest.raises(Conflict, match="final status"):
        services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="late")
    with pytest.raises(Conflict, match="final status"):
        services.step_update(tenant_id=tenant.pk, execution_id=execution.pk, key="step-0",
                             changes={"status": "running"})
    assert list(ExecutionStep.objects.filter(execution_id=execution.pk).values_list("key", "status")) == [
        ("step-0", "pending")]


def test_logs_append_gives_gapless_sequences_across_batches(tenant, execution):
    append = dict(tenant_id=tenant.pk, execution_id=execution.pk)

    assert services.logs_append(**append, entries=[{"message": "a"}, {"message": "b"}]) == (2, 1, 2)
    assert services.logs_append(**append, entries=[{"message": m} for m in "cde"]) == (3, 3, 5)

    lines = ExecutionLog.objects.filter(execution_id=execution.pk).order_by("sequence")
    assert [(line.sequence, line.message) for line in lines] == list(enumerate("abcde", start=1))


def test_logs_append_accepts_lines_for_a_final_execution(tenant, rule):
    # Unlike steps: an engine's last lines may arrive after its final report (the contract's
    # test_lines_may_be_appended_to_a_final_execution).
    done = make_execution(tenant=tenant, rule=rule, status="completed")
    add_logs(done, 2)

    assert services.logs_append(tenant_id=tenant.pk, execution_id=done.pk, entries=[{"message": "late"}]) == (1, 3, 3)


# Every service is scoped by tenant_id.

OTHER_TENANTS_ROW = {
    "rule_update": lambda t, e: services.rule_update(tenant_id=t, rule_id=e.rule_id, changes={"name": "x"}),
    "rule_delete": lambda t, e: services.rule_delete(tenant_id=t, rule_id=e.rule_id),
    "execution_report": lambda t, e: services.execution_report(tenant_id=t, execution_id=e.pk, actor=ACTOR,
                                                               changes={"status": "completed"}),
    "execution_cancel": lambda t, e: services.execution_cancel(tenant_id=t, execution_id=e.pk, actor=ACTOR),
    "execution_retry": lambda t, e: services.execution_retry(tenant_id=t, execution_id=e.pk, actor=ACTOR),
    "step_create": lambda t, e: services.step_create(tenant_id=t, execution_id=e.pk, key="new"),
    "step_update": lambda t, e: services.step_update(tenant_id=t, execution_id=e.pk, key="step-0",
                                                     changes={"status": "running"}),
    "logs_append": lambda t, e: services.logs_append(tenant_id=t, execution_id=e.pk, entries=[{"message": "m"}]),
}


@pytest.mark.parametrize("service", OTHER_TENANTS_ROW)
def test_a_service_called_for_another_tenant_finds_nothing_and_changes_nothing(other_tenant, filled_execution,
                                                                               service):
    def state():
        return (Execution.objects.values().get(pk=filled_execution.pk),
                AutomationRule.objects.values().get(pk=filled_execution.rule_id),
                list(ExecutionStep.objects.values()), ExecutionLog.objects.count(), ExecutionEvent.objects.count())

    before = state()
    with pytest.raises(NotFound):
        OTHER_TENANTS_ROW[service](other_tenant.pk, filled_execution)
    assert state() == before
