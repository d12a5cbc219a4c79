"""The Content-Security-Policy of the HTML pages (config/middleware.py) leaves them working, in a
real browser: the docs page renders the API's operations, and the admin's execution page its
timeline and log lines, with no violation reported."""

import pytest
from playwright.sync_api import expect

from executions import services
from rbac.models import Role
from rbac.services import role_get
from tests.admin.conftest import make_staff
from tests.admin.test_browser import log_in
from tests.factories import make_execution, make_rule, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def test_the_docs_page_renders_the_operations_under_its_policy(live_server, browser_page, artifacts):
    violations = _violations(browser_page)
    answer = browser_page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    expect(browser_page.get_by_text("List executions").first).to_be_visible()
    browser_page.screenshot(path=str(artifacts / "docs-under-csp.png"))
    assert violations == []


def test_the_execution_page_renders_its_timeline_under_the_policy(live_server, browser_page, artifacts):
    for name in Role.BUILTIN:
        role_get(name=name)
    acme = make_tenant(name="Acme", slug="acme")
    execution = make_execution(tenant=acme, rule=make_rule(tenant=acme), status="running")
    services.step_create(tenant_id=acme.pk, execution_id=execution.pk, key="email", name="Send email",
                         status="completed")
    services.logs_append(tenant_id=acme.pk, execution_id=execution.pk,
                         entries=[{"message": "email sent", "step_key": "email"}])
    make_staff("ada", tenant=acme)
    violations = _violations(browser_page)
    log_in(browser_page, live_server, "ada")
    browser_page.goto(f"{live_server.url}/admin/executions/execution/{execution.pk}/change/")
    expect(browser_page.get_by_text("Send email").first).to_be_visible()
    expect(browser_page.get_by_text("email sent").first).to_be_visible()
    assert violations == []
