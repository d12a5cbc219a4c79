"""The admin's Failures page: the failure groups of the staff user's tenants in a window, each
linked to its executions (the list filtered by fingerprint), and a group's retry after a dry run
that shows its counts; staff retry as staff:<username> and only with automation:execute."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from executions import services
from executions.models import Execution, ExecutionEvent
from tests.admin.conftest import client_of, make_staff
from tests.factories import make_execution, make_rule

FAILURES = "/admin/executions/execution/failures/"
RETRY = "/admin/executions/execution/failures/retry/"
LIST = "/admin/executions/execution/"


def fail(tenant, rule, message: str, *, ago: timedelta | None = None, status: str = "failed") -> Execution:
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    execution = services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                          changes={"status": status, "error_message": message})
    if ago is not None:
        Execution.objects.filter(pk=execution.pk).update(created_at=timezone.now() - ago)
    return execution


def groups_of(response) -> dict[str, object]:
    """The page's groups by fingerprint (their rows' groups)."""
    assert response.status_code == 200
    return {row.group.error_fingerprint: row for row in response.context["rows"]}


def retry_query(row) -> str:
    return row.retry_url.split("?", 1)[1]


def plan_data(response) -> dict[str, str]:
    """The hidden fields of the dry run's confirmation form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', response.content.decode()))


def state() -> tuple:
    """What a retry would change: the executions and the events."""
    return (sorted(Execution.objects.values_list("pk", "status", "next_attempt__pk")),
            ExecutionEvent.objects.count())


@pytest.fixture
def smtp(tenant):
    """Acme's SMTP failures of one rule: three in the last day (one of them retried already), one
    four days ago; and another error of the same rule."""
    rule = make_rule(tenant=tenant, name="Order confirmation")
    recent = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in (42, 97, 101)]
    services.execution_retry(tenant_id=tenant.pk, execution_id=recent[0].pk, actor="system")
    old = fail(tenant, rule, "SMTP 451 for order 7", ago=timedelta(days=4))
    other = fail(tenant, rule, "CRM answered 502", status="timeout")
    return {"rule": rule, "recent": recent, "old": old, "other": other, "fingerprint": recent[0].error_fingerprint}


@pytest.fixture
def globex_failure(other_tenant):
    return fail(other_tenant, make_rule(tenant=other_tenant, name="Globex payroll"), "Bank 503 for run 12")


@pytest.fixture
def viewer_client(tenant):
    return client_of(make_staff("vera", tenant=tenant, role="viewer"))


def test_staff_see_their_tenants_groups_most_first_with_counts_and_not_another_tenants(
        acme_client, smtp, globex_failure):
    response = acme_client.get(FAILURES)

    rows = response.context["rows"]
    assert [(row.group.message, row.group.count, row.group.retryable) for row in rows] == [
        ("SMTP <n> for order <n>", 3, 2), ("CRM answered <n>", 1, 1)]
    assert [row.tenant for row in rows] == ["Acme (acme)"] * 2
    page = response.content.decode()
    assert "SMTP &lt;n&gt; for order &lt;n&gt;" in page
    assert globex_failure.error_fingerprint not in page and "Bank" not in page


def test_a_superuser_sees_every_tenants_groups_each_named_with_its_tenant(root_client, smtp, globex_failure):
    rows = groups_of(root_client.get(FAILURES))

    assert rows[globex_failure.error_fingerprint].tenant == "Globex (globex)"
    assert rows[smtp["fingerprint"]].tenant == "Acme (acme)"


def test_the_window_is_24_hours_by_default_or_7_days(acme_client, smtp):
    day = groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]].group
    week = groups_of(acme_client.get(FAILURES, {"window": "7d"}))[smtp["fingerprint"]].group
    unknown = groups_of(acme_client.get(FAILURES, {"window": "1y"}))[smtp["fingerprint"]].group

    assert (day.count, week.count, unknown.count) == (3, 4, 3)
    assert acme_client.get(FAILURES, {"window": "7d"}).context["window_label"] == "7 days"


def test_a_groups_link_lists_its_executions_with_the_fingerprint_filter_shown(acme_client, smtp):
    row = groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]]

    response = acme_client.get(row.executions_url)

    assert response.status_code == 200
    # The list is the group's whole history (as the API's link), the older one too.
    listed = {execution.pk for execution in response.context["cl"].result_list}
    assert listed == {e.pk for e in smtp["recent"]} | {smtp["old"].pk}
    sidebar = re.search(r'<details[^>]*id="fingerprint-filter".*?</details>', response.content.decode(), re.S)[0]
    assert f"{smtp['fingerprint']} · SMTP &lt;n&gt; for order &lt;n&gt;" in sidebar
    assert 'class="selected"' in sidebar and FAILURES in sidebar


def test_the_list_without_a_fingerprint_offers_the_filter_and_a_malformed_one_lists_nothing(acme_client, smtp):
    plain = acme_client.get(LIST).content.decode()
    assert 'id="fingerprint-filter"' in plain and FAILURES in plain

    response = acme_client.get(LIST, {"error_fingerprint": "not-a-fingerprint"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_another_tenants_fingerprint_lists_nothing(acme_client, globex_failure):
    response = acme_client.get(LIST, {"error_fingerprint": globex_failure.error_fingerprint})

    assert list(response.context["cl"].result_list) == []
    assert "Bank" not in response.content.decode()


def test_the_dry_run_shows_its_counts_and_changes_nothing(acme_client, smtp):
    row = groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]]
    before = state()

    response = acme_client.get(row.retry_url)

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.dry_run, result.acted, result.skipped, result.more) == (True, 2, {}, False)
    page = response.content.decode()
    assert 'value="Yes, retry 2 executions"' in page and "Order confirmation" in page
    assert "SMTP &lt;n&gt; for order &lt;n&gt;" in page
    assert state() == before


def test_confirming_retries_exactly_the_groups_retryable_ones_as_the_staff_user(acme_client, smtp):
    row = groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]]
    plan = acme_client.get(row.retry_url)

    response = acme_client.post(RETRY, plan_data(plan))

    assert response.status_code == 302 and response.url == f"{FAILURES}?window=24h"
    retried = ExecutionEvent.objects.filter(type=ExecutionEvent.Type.RETRIED, actor="staff:ada")
    assert {event.execution_id for event in retried} == {e.pk for e in smtp["recent"][1:]}
    # Not the one retried before, the one older than the window, nor another group's.
    assert not ExecutionEvent.objects.filter(type=ExecutionEvent.Type.RETRIED, execution__in=[
        smtp["old"], smtp["other"]]).exists()
    assert ExecutionEvent.objects.filter(type=ExecutionEvent.Type.RETRIED).count() == 3  # with the fixture's
    attempts = Execution.objects.filter(retry_of__in=smtp["recent"][1:])
    assert sorted(attempts.values_list("status", "attempt")) == [("pending", 2), ("pending", 2)]
    messages = [str(m) for m in acme_client.get(FAILURES).context["messages"]]
    assert messages == ["Retried 2 executions."]
    assert groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]].group.retryable == 0


def test_a_failure_arriving_after_the_dry_run_is_not_retried_unseen(acme_client, smtp):
    row = groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]]
    data = plan_data(acme_client.get(row.retry_url))
    late = fail(smtp["rule"].tenant, smtp["rule"], "SMTP 451 for order 500")
    assert late.error_fingerprint == smtp["fingerprint"]

    acme_client.post(RETRY, data)

    assert not Execution.objects.filter(retry_of=late).exists()
    assert Execution.objects.filter(retry_of__in=smtp["recent"][1:]).count() == 2


def test_a_viewer_gets_no_button_and_403_on_the_retry(viewer_client, acme_client, smtp):
    rows = groups_of(viewer_client.get(FAILURES))
    assert rows[smtp["fingerprint"]].retry_url is None
    assert "retry-group" not in viewer_client.get(FAILURES).content.decode()
    # The query an executing user's button carries, sent by the viewer.
    query = retry_query(groups_of(acme_client.get(FAILURES))[smtp["fingerprint"]])
    data = plan_data(acme_client.get(f"{RETRY}?{query}"))
    before = state()

    assert viewer_client.get(f"{RETRY}?{query}").status_code == 403
    assert viewer_client.post(RETRY, data).status_code == 403
    assert state() == before


def test_another_tenants_group_cannot_be_retried(acme_client, root_client, globex_failure):
    row = groups_of(root_client.get(FAILURES))[globex_failure.error_fingerprint]
    data = plan_data(root_client.get(row.retry_url))
    before = state()

    # As missing as a group that does not exist: back to the list, with a message.
    for response in (acme_client.get(row.retry_url), acme_client.post(RETRY, data)):
        assert response.status_code == 302 and response.url.startswith(FAILURES)
    assert state() == before
    assert not Execution.objects.filter(retry_of=globex_failure).exists()


def test_a_malformed_or_too_wide_group_goes_back_to_the_list(acme_client, smtp):
    now = timezone.now()
    for data in ({"tenant": smtp["rule"].tenant_id, "fingerprint": "nope", "since": now - timedelta(hours=1),
                  "until": now},
                 {"tenant": smtp["rule"].tenant_id, "fingerprint": smtp["fingerprint"],
                  "since": now - timedelta(days=40), "until": now}):
        response = acme_client.post(RETRY, {key: str(value) for key, value in data.items()})
        assert response.status_code == 302 and response.url.startswith(FAILURES)
    assert not Execution.objects.filter(retry_of__isnull=False).exclude(retry_of=smtp["recent"][0]).exists()


def test_a_group_whose_executions_were_all_retried_offers_no_button(acme_client, tenant):
    rule = make_rule(tenant=tenant)
    failed = fail(tenant, rule, "Timeout after 30s")
    services.execution_retry(tenant_id=tenant.pk, execution_id=failed.pk, actor="system")

    assert groups_of(acme_client.get(FAILURES))[failed.error_fingerprint].retry_url is None


def test_the_page_is_reached_from_the_dashboard_the_index_and_the_sidebar(acme_client, smtp):
    index = acme_client.get("/admin/").content.decode()
    assert 'id="dashboard-failures-link"' in index
    assert f'<a href="{FAILURES}"' in index and 'class="model-failures' in index

    page = acme_client.get(FAILURES).content.decode()
    assert 'id="nav-sidebar"' in page and 'aria-current="page">Failures</a>' in page


def test_an_executions_page_links_its_failure_group(acme_client, smtp):
    page = acme_client.get(f"{LIST}{smtp['recent'][1].pk}/change/").content.decode()

    assert f"error_fingerprint={smtp['fingerprint']}" in page


def test_staff_without_the_executions_view_permission_get_403(tenant, smtp):
    client = client_of(make_staff("nina", tenant=tenant, permissions=("rbac.view_apikey",)))

    assert client.get(FAILURES).status_code == 403


def queries_of(client, url: str) -> int:
    client.get(url)  # warms Django's per-process caches (content types) out of the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_groups(tenant, count: int) -> None:
    rule = make_rule(tenant=tenant)
    for n in range(count):
        fail(tenant, rule, f"Error kind {'abcdefghijklmnopqrstuvwxyz'[n]} for order {n}")


def test_the_page_of_tenant_scoped_staff_takes_the_same_queries_for_few_and_many_groups(acme_client, tenant):
    add_groups(tenant, 1)
    few = queries_of(acme_client, FAILURES)
    add_groups(tenant, 12)

    many = queries_of(acme_client, FAILURES)

    # session, user, user and group permissions, the staff scope, the groups (with rule and tenant),
    # their sample messages
    assert few == many == 7
    assert len(acme_client.get(FAILURES).context["rows"]) == 13


def test_the_page_of_a_superuser_takes_the_same_queries_for_few_and_many_groups(root_client, tenant, other_tenant):
    add_groups(tenant, 1)
    few = queries_of(root_client, FAILURES)
    add_groups(other_tenant, 12)

    # session, user, the groups of every tenant, their sample messages
    assert few == queries_of(root_client, FAILURES) == 4


def test_the_dry_run_takes_a_fixed_number_of_queries(acme_client, tenant):
    rule = make_rule(tenant=tenant)
    failed = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(2)]
    fingerprint = failed[0].error_fingerprint
    few = queries_of(acme_client, groups_of(acme_client.get(FAILURES))[fingerprint].retry_url)
    failed += [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(2, 20)]
    url = groups_of(acme_client.get(FAILURES))[fingerprint].retry_url  # a window that takes them in

    # session, user, user and group permissions, the staff scope, the count, the executions taken
    # (with their link state), the newest for the page's facts
    assert few == queries_of(acme_client, url) == 8
    assert acme_client.get(url).context["result"].acted == 20
