"""The Failures page in a real browser (Debian's chromium under Playwright, 1366x768): staff go
from the dashboard to their tenant's failure groups, open a group's executions, and retry its
retryable ones after the dry run's counts. Screenshots: failures.png and failures-retry.png."""

import pytest
from playwright.sync_api import expect

from executions import services
from executions.models import Execution, ExecutionEvent
from rbac.models import Role
from rbac.services import role_get
from tests.admin.conftest import VIEWPORT, make_staff
from tests.admin.test_browser import log_in, shot
from tests.factories import make_execution, make_rule, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fail(tenant, rule, message: str, status: str = "failed") -> Execution:
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    return services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                     changes={"status": status, "error_message": message})


@pytest.fixture
def incident():
    """Acme's SMTP provider failed five order confirmations (one already retried) and the CRM
    timed out once; Globex has a failure of its own. Ada is staff with the admin role in Acme."""
    for name in Role.BUILTIN:  # flushed by the transactional test before, made again
        role_get(name=name)
    acme, globex = make_tenant(name="Acme", slug="acme"), make_tenant(name="Globex", slug="globex")
    confirmation = make_rule(tenant=acme, name="Order confirmation")
    smtp = [fail(acme, confirmation, f"SMTP 451 4.7.1 try again later for order {n} <orders+{n}@acme.test>")
            for n in (1042, 1043, 1057, 1061, 1088)]
    services.execution_retry(tenant_id=acme.pk, execution_id=smtp[0].pk, actor="system")
    fail(acme, make_rule(tenant=acme, name="Sync CRM"), 'CRM "eu-2" answered 504 after 30000 ms', status="timeout")
    fail(globex, make_rule(tenant=globex, name="Globex payroll"), "Bank 503 for run 12")
    make_staff("ada", tenant=acme)
    return {"smtp": smtp}


def test_staff_see_their_failure_groups_open_one_and_retry_its_retryable_ones(
        live_server, browser_page, incident, artifacts):
    page, smtp = browser_page, incident["smtp"]
    log_in(page, live_server, "ada")
    page.locator("#dashboard-failures-link").click()

    expect(page.locator("h1")).to_have_text("Failures")
    groups = page.locator("#failure-groups tr.failure-group")
    expect(groups).to_have_count(2)
    expect(page.locator("#content-main")).not_to_contain_text("Globex")
    first = groups.first
    expect(first.locator("td.count").first).to_have_text("5")
    expect(first.locator("td.retryable")).to_have_text("4")
    expect(first.locator("td.message")).to_contain_text("SMTP <n> <n>.<n> try again later for order <n> <<email>>")
    expect(page.locator('#nav-sidebar a[aria-current="page"]')).to_have_text("Failures")
    # It fits the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    shot(page, artifacts, "failures")

    first.locator("a.group-executions").click()
    expect(page.locator("h1")).to_have_text("Executions")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    expect(page.locator("#fingerprint-filter li.selected")).to_contain_text(smtp[0].error_fingerprint)
    page.go_back()

    groups.first.locator("a.retry-group").click()
    expect(page.locator("h1")).to_have_text("Retry this failure group?")
    expect(page.locator("#retry-counts td.would-retry")).to_have_text("4")
    expect(page.locator("#confirm-retry")).to_have_value("Yes, retry 4 executions")
    assert not ExecutionEvent.objects.filter(actor="staff:ada").exists()  # the dry run changed nothing
    shot(page, artifacts, "failures-retry")

    page.locator("#confirm-retry").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Retried 4 executions.")
    expect(page.locator("#failure-groups tr.failure-group").first.locator("td.retryable")).to_have_text("0")
    expect(page.locator("#failure-groups a.retry-group")).to_have_count(1)  # the CRM group's only
    retried = ExecutionEvent.objects.filter(type=ExecutionEvent.Type.RETRIED, actor="staff:ada")
    assert {event.execution_id for event in retried} == {execution.pk for execution in smtp[1:]}
    assert Execution.objects.filter(retry_of__in=smtp[1:], status="pending").count() == 4
