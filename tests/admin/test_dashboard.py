"""The admin index's dashboard: counts by status over the last 24 hours per visible tenant, and
the ten newest failures."""

from datetime import timedelta

from django.utils import timezone

from executions.models import Execution
from tests.admin.conftest import client_of, make_staff
from tests.factories import make_execution, make_rule


def test_the_dashboard_counts_the_last_24_hours_by_tenant_and_status(root_client, tenant, other_tenant):
    rule = make_rule(tenant=tenant)
    for status in ("failed", "failed", "completed"):
        make_execution(tenant=tenant, rule=rule, status=status)
    old = make_execution(tenant=tenant, rule=rule, status="failed")
    Execution.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    make_execution(tenant=other_tenant, status="running")

    dashboard = root_client.get("/admin/").context["dashboard"]

    counts = {t.name: dict(t.counts) for t in dashboard.tenants}
    assert counts["Acme"]["failed"] == 2 and counts["Acme"]["completed"] == 1
    assert counts["Globex"]["running"] == 1
    assert [t.total for t in dashboard.tenants] == [3, 1]


def test_the_dashboard_counts_waiting_runs_in_a_column_of_their_own_linked_to_the_filtered_list(root_client, tenant):
    rule = make_rule(tenant=tenant)
    for status in ("waiting", "waiting", "running"):
        make_execution(tenant=tenant, rule=rule, status=status)

    response = root_client.get("/admin/")
    page = response.content.decode()

    dashboard = response.context["dashboard"]
    assert "waiting" in dashboard.statuses
    [acme] = dashboard.tenants
    assert dict(acme.counts) == {**dict.fromkeys(Execution.Status.values, 0), "waiting": 2, "running": 1}
    assert [status for status, _ in acme.counts] == list(dashboard.statuses)
    assert '<th scope="col" class="count">waiting</th>' in page
    assert f"?tenant={tenant.pk}&amp;status__exact=waiting\">2</a>" in page


def test_the_dashboard_lists_the_ten_newest_failures(root_client, tenant):
    rule = make_rule(tenant=tenant)
    failures = [make_execution(tenant=tenant, rule=rule, status="failed") for _ in range(12)]
    make_execution(tenant=tenant, rule=rule, status="completed")

    response = root_client.get("/admin/")
    page = response.content.decode()

    assert response.context["dashboard"].failures == failures[::-1][:10]
    assert f"/admin/executions/execution/{failures[-1].pk}/change/" in page
    assert f"/admin/executions/execution/{failures[0].pk}/change/" not in page


def test_staff_see_only_their_tenants_on_the_dashboard(acme_client, tenant, other_tenant):
    make_execution(tenant=tenant, status="failed")
    theirs = make_execution(tenant=other_tenant, status="failed")

    dashboard = acme_client.get("/admin/").context["dashboard"]

    assert [t.name for t in dashboard.tenants] == ["Acme"]
    assert theirs not in dashboard.failures


def test_staff_who_may_not_view_executions_get_no_dashboard(tenant):
    make_execution(tenant=tenant, status="failed")
    client = client_of(make_staff("keeper", tenant=tenant, permissions=["rbac.view_apikey"]))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "Executions in the last 24 hours" not in response.content.decode()
