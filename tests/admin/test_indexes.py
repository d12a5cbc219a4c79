"""The indexes the admin's lists and searches stand on (migration executions 0002)."""

import pytest
from django.db import connection

from executions.models import AutomationRule, Execution

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="trigram indexes and these plans are PostgreSQL's (pg_trgm)")


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def test_the_admins_indexes_across_tenants_exist(db):
    assert {"exec_created_all", "exec_status_all", "exec_started", "exec_idem_all", "exec_extref_all"} <= index_names(
        "executions_execution")


def plan_without_table_scans(queryset) -> str:
    """The plan PostgreSQL makes when told to avoid scanning the table, which it would otherwise
    prefer for the few rows of a test: it shows whether an index can serve the query at all."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.parametrize("queryset, index", [
    (lambda: Execution.objects.filter(error_message__icontains="bad gateway"), "exec_error_trgm"),
    (lambda: AutomationRule.objects.filter(name__icontains="notify"), "rule_name_trgm"),
    (lambda: Execution.objects.order_by("-created_at", "-id")[:50], "exec_created_all"),
    (lambda: Execution.objects.filter(status="failed").order_by("-created_at", "-id")[:50], "exec_status_all"),
    (lambda: Execution.objects.filter(idempotency_key="idem-1"), "exec_idem_all"),
    (lambda: Execution.objects.filter(external_ref="order-1"), "exec_extref_all"),
])
@pytest.mark.usefixtures("db")
@pytest.mark.postgres
@needs_postgresql
def test_the_admins_searches_and_lists_can_use_their_index(queryset, index):
    assert index in plan_without_table_scans(queryset())
