"""Who sees what in the admin: superusers every tenant; a staff user only the tenants where they
hold a role, where another tenant's object is exactly as missing as one that does not exist."""

import uuid

import pytest
from django.contrib.messages import get_messages

from executions.models import Execution
from rbac.models import ApiKey, RoleAssignment
from tests.admin.conftest import client_of, make_staff
from tests.factories import make_execution, make_rule

ADMIN = "/admin"


@pytest.fixture
def acme_run(tenant):
    return make_execution(tenant=tenant, rule=make_rule(tenant=tenant, name="Acme invoices"), status="failed")


@pytest.fixture
def globex_run(other_tenant):
    return make_execution(tenant=other_tenant, rule=make_rule(tenant=other_tenant, name="Globex payroll"),
                          status="failed")


def answer(client, url, method="get"):
    """Status, redirect target and messages of one request (the messages shown, and so used up,
    by following the redirect)."""
    response = getattr(client, method)(url)
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    if response.has_header("Location"):
        client.get(response["Location"])
    return response.status_code, response.get("Location"), notes


def test_superuser_sees_the_executions_of_every_tenant(root_client, acme_run, globex_run):
    response = root_client.get(f"{ADMIN}/executions/execution/")

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {acme_run, globex_run}


def test_staff_see_only_the_executions_of_their_tenants(acme_client, acme_run, globex_run):
    response = acme_client.get(f"{ADMIN}/executions/execution/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [acme_run]
    assert str(globex_run.pk) not in response.content.decode()


def test_staff_of_the_other_tenant_see_only_theirs(globex_client, acme_run, globex_run):
    response = globex_client.get(f"{ADMIN}/executions/execution/")

    assert list(response.context["cl"].result_list) == [globex_run]


def test_filter_sidebars_list_only_the_tenants_and_rules_the_staff_user_sees(acme_client, acme_run, globex_run):
    page = acme_client.get(f"{ADMIN}/executions/execution/").content.decode()

    assert "Acme invoices" in page and "Acme" in page
    assert "Globex" not in page
    assert "Globex payroll" not in page


@pytest.mark.parametrize("path", [
    "executions/execution/{execution}/change/",
    "executions/execution/{execution}/history/",
    "executions/automationrule/{rule}/change/",
    "executions/automationrule/{rule}/delete/",
    "tenants/tenant/{tenant}/change/",
])
def test_another_tenants_object_by_url_is_answered_like_a_missing_one(acme_client, globex_run, path):
    ids = {"execution": globex_run.pk, "rule": globex_run.rule_id, "tenant": globex_run.tenant_id}
    theirs = next(str(value) for name, value in ids.items() if f"{{{name}}}" in path)
    missing = str(uuid.uuid4())

    status, location, notes = answer(acme_client, f"{ADMIN}/{path.format(**ids)}")
    missing_answer = answer(acme_client, f"{ADMIN}/{path.format(execution=missing, rule=missing, tenant=missing)}")

    assert (status, location) == missing_answer[:2] == (302, f"{ADMIN}/")
    assert [note.replace(theirs, "ID") for note in notes] == [note.replace(missing, "ID") for note in missing_answer[2]]
    assert "doesn’t exist" in notes[0]


def test_another_tenants_key_and_role_assignment_by_url_are_missing(acme_client, acme_staff, outsider):
    assignment = RoleAssignment.objects.get(user__username="charlie")
    for url in (f"{ADMIN}/rbac/apikey/{outsider.api_key.pk}/change/",
                f"{ADMIN}/rbac/roleassignment/{assignment.pk}/change/"):
        status, location, notes = answer(acme_client, url)
        assert (status, location) == (302, f"{ADMIN}/")
        assert "doesn’t exist" in notes[0]


def test_retrying_another_tenants_execution_by_url_is_answered_like_a_missing_one(acme_client, globex_run):
    status, location, notes = answer(acme_client, f"{ADMIN}/executions/execution/{globex_run.pk}/retry/", "post")
    missing = answer(acme_client, f"{ADMIN}/executions/execution/{uuid.uuid4()}/retry/", "post")

    assert (status, location) == missing[:2] == (302, f"{ADMIN}/")
    assert "doesn’t exist" in notes[0]
    assert not Execution.objects.filter(retry_of=globex_run).exists()


def test_a_bulk_action_on_another_tenants_executions_is_answered_like_one_on_missing_ones(acme_client, globex_run):
    def retry(execution_id):
        response = acme_client.post(f"{ADMIN}/executions/execution/", {
            "action": "retry_selected", "_selected_action": [str(execution_id)],
        }, follow=True)
        return [str(m) for m in response.context["messages"]]

    assert retry(globex_run.pk) == retry(uuid.uuid4()) == ["Retried 0 executions."]
    assert not Execution.objects.filter(retry_of=globex_run).exists()


def test_the_key_and_assignment_lists_show_only_the_staff_users_tenants(acme_client, member, outsider):
    keys = acme_client.get(f"{ADMIN}/rbac/apikey/")
    assignments = acme_client.get(f"{ADMIN}/rbac/roleassignment/")
    tenants = acme_client.get(f"{ADMIN}/tenants/tenant/")

    assert list(keys.context["cl"].result_list) == [member.api_key]
    assert {a.tenant.slug for a in assignments.context["cl"].result_list} == {"acme"}
    assert [t.slug for t in tenants.context["cl"].result_list] == ["acme"]


def test_a_staff_user_with_no_role_sees_no_tenant_at_all(db, acme_run, globex_run, member):
    client = client_of(make_staff("nobody"))

    assert list(client.get(f"{ADMIN}/executions/execution/").context["cl"].result_list) == []
    assert list(client.get(f"{ADMIN}/rbac/apikey/").context["cl"].result_list) == []
    assert list(client.get(f"{ADMIN}/tenants/tenant/").context["cl"].result_list) == []


def test_djangos_model_permissions_still_apply(tenant, acme_run):
    client = client_of(make_staff("reader", tenant=tenant, permissions=["executions.view_execution"]))

    assert client.get(f"{ADMIN}/executions/execution/").status_code == 200
    assert client.get(f"{ADMIN}/executions/automationrule/").status_code == 403
    assert client.get(f"{ADMIN}/rbac/apikey/").status_code == 403


def test_the_superuser_sees_every_key(root_client, member, outsider):
    response = root_client.get(f"{ADMIN}/rbac/apikey/")

    assert set(response.context["cl"].result_list) == set(ApiKey.objects.all())


def test_an_invalid_tenant_or_rule_filter_shows_nothing_rather_than_failing(root_client, acme_run):
    for query in ("tenant=nope", "rule=nope", f"rule={uuid.uuid4()}", f"tenant={uuid.uuid4()}"):
        response = root_client.get(f"{ADMIN}/executions/execution/?{query}")
        assert response.status_code == 200, query
        assert list(response.context["cl"].result_list) == [], query


def test_staff_cannot_filter_their_way_into_another_tenant(acme_client, acme_run, globex_run):
    by_tenant = acme_client.get(f"{ADMIN}/executions/execution/?tenant={globex_run.tenant_id}")
    by_rule = acme_client.get(f"{ADMIN}/executions/execution/?rule={globex_run.rule_id}")

    assert list(by_tenant.context["cl"].result_list) == []
    assert list(by_rule.context["cl"].result_list) == []


def test_the_other_tenants_staff_key_is_made_for_their_tenant_only(acme_client, other_tenant):
    response = acme_client.get(f"{ADMIN}/rbac/apikey/add/")

    choices = [label for _, label in response.context["adminform"].form.fields["tenant"].choices]
    assert "Acme (acme)" in choices and not any("Globex" in label for label in choices)
