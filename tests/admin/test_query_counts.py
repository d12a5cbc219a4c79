"""The executions list, one execution's page and the dashboard use a fixed number of queries,
whatever the number of rows, steps and log lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import add_logs, add_steps, make_execution, make_rule

LIST = "/admin/executions/execution/"
# PostgreSQL's paginator first reads the table's estimated size (pg_class) for an unfiltered list.
ESTIMATE = 1 if connection.vendor == "postgresql" else 0


def queries_of(client, url: str) -> int:
    client.get(url)  # warms Django's per-process caches (content types) out of the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_executions(tenant, count: int) -> None:
    rules = [make_rule(tenant=tenant, name=f"Rule {n}") for n in range(3)]
    for n in range(count):
        make_execution(tenant=tenant, rule=rules[n % 3], status=("failed", "completed", "running")[n % 3])


def test_the_list_of_a_superuser_takes_the_same_queries_for_few_and_many_rows(root_client, tenant, other_tenant):
    add_executions(tenant, 2)
    few = queries_of(root_client, LIST)
    add_executions(other_tenant, 60)  # more than a page, across tenants and rules

    many = queries_of(root_client, LIST)

    # session, user, tenant filter, rule filter, trigger filter, (estimate), capped count, page rows
    # (with rule and tenant), the first and last start for the date hierarchy
    assert few == many == 8 + ESTIMATE


def test_the_list_of_tenant_scoped_staff_takes_the_same_queries_for_few_and_many_rows(acme_client, tenant):
    add_executions(tenant, 2)
    few = queries_of(acme_client, LIST)
    add_executions(tenant, 60)

    many = queries_of(acme_client, LIST)

    # session, user, user and group permissions, the staff scope, tenant filter, rule filter, trigger
    # filter, capped count, page rows, the first and last start for the date hierarchy
    assert few == many == 11


def test_a_filtered_and_searched_list_takes_a_fixed_number_of_queries(root_client, tenant):
    add_executions(tenant, 2)
    url = f"{LIST}?status__exact=failed&tenant={tenant.pk}&q=Rule"
    few = queries_of(root_client, url)
    add_executions(tenant, 60)

    # the superuser's list, without the estimate, plus the rules whose name matches the search
    assert few == queries_of(root_client, url) == 9


@pytest.mark.parametrize("client_name, expected", [
    # session, user, execution (with rule, tenant and both attempts), steps, log lines, events
    ("root_client", 6),
    # ... plus user and group permissions and the staff scope
    ("acme_client", 9),
])
def test_the_page_of_an_execution_takes_the_same_queries_for_few_and_many_steps_and_lines(
        request, tenant, client_name, expected):
    client = request.getfixturevalue(client_name)
    rule = make_rule(tenant=tenant)
    small = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(small, 1)
    add_logs(small, 1)
    big = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(big, 40)
    add_logs(big, 400)

    assert queries_of(client, f"{LIST}{small.pk}/change/") == queries_of(client, f"{LIST}{big.pk}/change/") == expected


def test_the_dashboard_takes_the_same_queries_for_few_and_many_executions(acme_client, tenant):
    add_executions(tenant, 2)
    few = queries_of(acme_client, "/admin/")
    add_executions(tenant, 30)

    # session, user, user and group permissions, the staff scope, counts by tenant and status, the
    # newest unresolved failures, their capped count, the recent actions
    assert few == queries_of(acme_client, "/admin/") == 9
