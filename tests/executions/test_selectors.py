"""executions/selectors.py: every read scoped to one tenant, in the order its callers show."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from executions import selectors, services
from executions.exceptions import NotFound
from executions.models import AutomationRule, Execution
from tests.factories import add_logs, add_steps, make_execution, make_rule

pytestmark = pytest.mark.django_db


def ids(rows) -> list:
    return [row.pk for row in rows]


def stamp_created(model, rows, created_ats) -> None:
    for row, created_at in zip(rows, created_ats, strict=True):
        model.objects.filter(pk=row.pk).update(created_at=created_at)


# Scoping


def test_the_querysets_hold_only_the_tenants_rows(tenant, other_tenant, filled_execution):
    foreign = make_execution(tenant=other_tenant, status="running")
    add_steps(foreign, 1)
    add_logs(foreign, 1)

    for read in (selectors.rule_queryset, selectors.execution_queryset, selectors.step_queryset,
                 selectors.log_queryset, selectors.event_queryset):
        own, theirs = read(tenant_id=tenant.pk), read(tenant_id=other_tenant.pk)
        assert own.exists() and theirs.exists(), read.__name__
        assert not set(own.values_list("pk", flat=True)) & set(theirs.values_list("pk", flat=True)), read.__name__
        assert {tenant.pk} == set(own.values_list("tenant_id", flat=True)), read.__name__


def test_rule_get_finds_the_tenants_rule_and_not_another_tenants(tenant, other_tenant, rule):
    assert selectors.rule_get(tenant_id=tenant.pk, rule_id=rule.pk) == rule
    with pytest.raises(NotFound):
        selectors.rule_get(tenant_id=other_tenant.pk, rule_id=rule.pk)


def test_step_get_finds_the_tenants_step_and_not_another_tenants(tenant, other_tenant, filled_execution):
    step = selectors.step_get(tenant_id=tenant.pk, execution_id=filled_execution.pk, key="step-1")
    assert (step.key, step.position) == ("step-1", 1)
    with pytest.raises(NotFound):
        selectors.step_get(tenant_id=other_tenant.pk, execution_id=filled_execution.pk, key="step-1")
    with pytest.raises(NotFound):
        selectors.step_get(tenant_id=tenant.pk, execution_id=filled_execution.pk, key="missing")


# Lists: newest first, ties by id (the keyset cursor's order)


def test_rule_list_is_newest_first_with_ties_by_id_and_only_the_tenants(tenant, other_tenant):
    first, second, third = (make_rule(tenant=tenant, name=f"Rule {n}") for n in range(3))
    make_rule(tenant=other_tenant)
    now = timezone.now()
    # The first made is the newest; the other two share a creation time.
    stamp_created(AutomationRule, (first, second, third), (now, now - timedelta(hours=1), now - timedelta(hours=1)))

    tied = sorted((second.pk, third.pk), reverse=True)
    assert ids(selectors.rule_list(tenant_id=tenant.pk)) == [first.pk, *tied]


def test_execution_list_is_newest_first_with_ties_by_id_and_only_the_tenants(tenant, other_tenant, rule):
    first, second, third = (make_execution(tenant=tenant, rule=rule) for _ in range(3))
    make_execution(tenant=other_tenant)
    now = timezone.now()
    stamp_created(Execution, (first, second, third), (now, now - timedelta(hours=1), now - timedelta(hours=1)))

    tied = sorted((second.pk, third.pk), reverse=True)
    assert ids(selectors.execution_list(tenant_id=tenant.pk)) == [first.pk, *tied]


# One execution's steps, log lines and events


def test_execution_steps_are_in_position_order_up_to_the_limit(tenant, other_tenant, filled_execution):
    for key in ("later-0", "later-1"):
        services.step_create(tenant_id=tenant.pk, execution_id=filled_execution.pk, key=key)
    read = dict(execution_id=filled_execution.pk)

    steps = selectors.execution_steps(tenant_id=tenant.pk, **read)
    assert [(s.key, s.position) for s in steps] == [("step-0", 0), ("step-1", 1), ("later-0", 2), ("later-1", 3)]
    assert [s.key for s in selectors.execution_steps(tenant_id=tenant.pk, limit=2, **read)] == ["step-0", "step-1"]
    assert selectors.execution_steps(tenant_id=other_tenant.pk, **read) == []


def test_execution_last_logs_are_the_newest_first_up_to_the_limit(tenant, other_tenant, filled_execution):
    add_logs(filled_execution, 2)  # sequences 4 and 5
    read = dict(execution_id=filled_execution.pk)

    assert [line.sequence for line in selectors.execution_last_logs(tenant_id=tenant.pk, limit=3, **read)] == [5, 4, 3]
    assert selectors.execution_last_logs(tenant_id=other_tenant.pk, limit=3, **read) == []


def test_execution_last_events_are_the_newest_first_up_to_the_limit(tenant, other_tenant, execution):
    services.execution_cancel(tenant_id=tenant.pk, execution_id=execution.pk, actor="system", reason="r")
    read = dict(execution_id=execution.pk)

    events = selectors.execution_last_events(tenant_id=tenant.pk, limit=2, **read)
    assert [(e.previous_status, e.status) for e in events] == [("running", "cancelled"), ("pending", "running")]
    assert len(selectors.execution_last_events(tenant_id=tenant.pk, limit=10, **read)) == 3  # created too
    assert selectors.execution_last_events(tenant_id=other_tenant.pk, limit=10, **read) == []


# Existence and staff look-ups


def test_execution_must_exist_passes_for_the_tenants_execution(tenant, execution):
    assert selectors.execution_must_exist(tenant_id=tenant.pk, execution_id=execution.pk) is None


def test_execution_must_exist_raises_not_found_for_a_missing_one(tenant):
    with pytest.raises(NotFound):
        selectors.execution_must_exist(tenant_id=tenant.pk, execution_id=uuid.uuid4())


def test_execution_must_exist_raises_not_found_for_another_tenants(other_tenant, execution):
    with pytest.raises(NotFound):
        selectors.execution_must_exist(tenant_id=other_tenant.pk, execution_id=execution.pk)


def test_execution_find_finds_in_any_tenant_with_rule_and_tenant_in_one_query(other_tenant, django_assert_num_queries):
    foreign = make_execution(tenant=other_tenant, status="running")

    with django_assert_num_queries(1):  # the execution joined to its rule and tenant
        found = selectors.execution_find(execution_id=foreign.pk)
        shown = (found.pk, found.rule.name, found.tenant.slug, found.next_attempt_ref)

    assert shown == (foreign.pk, "Notify on order", "globex", None)


def test_execution_find_returns_none_for_a_missing_id(tenant):
    assert selectors.execution_find(execution_id=uuid.uuid4()) is None


# Link state


def test_with_link_state_annotates_the_rules_state_and_the_next_attempt(tenant, rule):
    failed = make_execution(tenant=tenant, rule=rule, status="failed")
    attempt, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=failed.pk, actor="system")
    services.rule_update(tenant_id=tenant.pk, rule_id=rule.pk, changes={"is_enabled": False})

    rows = {row.pk: row for row in selectors.with_link_state(selectors.execution_queryset(tenant_id=tenant.pk))}

    assert (rows[failed.pk].rule_is_enabled, rows[failed.pk].next_attempt_ref) == (False, attempt.pk)
    assert (rows[attempt.pk].rule_is_enabled, rows[attempt.pk].next_attempt_ref) == (False, None)


def test_with_link_state_shows_an_enabled_rule(tenant, execution):
    row = selectors.with_link_state(selectors.execution_queryset(tenant_id=tenant.pk)).get(pk=execution.pk)
    assert (row.rule_is_enabled, row.next_attempt_ref) == (True, None)
