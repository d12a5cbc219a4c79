"""Staff access as the README describes it: `grant_staff` makes a user staff with a role in a tenant
and the built-in group that role calls for; the user then sees that tenant's runs in the admin, and
only those, and acts on them only with the operators' group."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from rbac.models import RoleAssignment
from tests.admin.conftest import client_of
from tests.factories import make_execution

EXECUTIONS = "/admin/executions/execution/"


def grant(*args) -> dict:
    out = io.StringIO()
    call_command("grant_staff", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_built_in_staff_groups_exist_after_migrating(db):
    viewers = Group.objects.get(name="Execution viewers")
    operators = Group.objects.get(name="Execution operators")
    assert "view_execution" in set(viewers.permissions.values_list("codename", flat=True))
    assert "change_execution" not in set(viewers.permissions.values_list("codename", flat=True))
    assert "change_execution" in set(operators.permissions.values_list("codename", flat=True))


def test_grant_staff_makes_a_viewer_who_sees_only_their_tenants_runs(tenant, other_tenant):
    mine = make_execution(tenant=tenant)
    theirs = make_execution(tenant=other_tenant)

    answer = grant("vera", "--tenant", "acme", "--role", "viewer")

    assert answer == {"user": "vera", "tenant": str(tenant.pk), "role": "viewer",
                      "groups": ["Execution viewers"], "created": True}
    vera = get_user_model().objects.get(username="vera")
    assert vera.is_staff and not vera.has_usable_password()
    assert RoleAssignment.objects.get(user=vera).tenant == tenant
    page = client_of(vera).get(EXECUTIONS)
    assert page.status_code == 200
    listed = {row.pk for row in page.context["cl"].result_list}
    assert mine.pk in listed and theirs.pk not in listed
    assert client_of(vera).get(f"{EXECUTIONS}{mine.pk}/change/").status_code == 200


def test_an_operators_role_joins_the_operators_group(tenant):
    answer = grant("otto", "--tenant", "acme", "--role", "operator")
    assert answer["groups"] == ["Execution operators"]
    otto = get_user_model().objects.get(username="otto")
    assert otto.has_perm("executions.change_execution")


def test_grant_staff_takes_the_groups_it_is_given(tenant):
    assert grant("gil", "--tenant", "acme", "--role", "operator", "--group", "Execution viewers")["groups"] == [
        "Execution viewers"]


@pytest.mark.parametrize(("args", "message"), [
    (("ghost", "--tenant", "nope", "--role", "viewer"), "No tenant"),
    (("ghost", "--tenant", "acme", "--role", "emperor"), "No role"),
    (("ghost", "--tenant", "acme", "--role", "viewer", "--group", "Admins"), "invalid choice"),
])
def test_grant_staff_refuses_bad_input_in_one_line(tenant, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("grant_staff", *args, stdout=io.StringIO())


def test_grant_staff_refuses_another_role_than_the_user_holds_naming_its_flag(tenant):
    grant("gil", "--tenant", "acme", "--role", "viewer")
    with pytest.raises(CommandError, match="holds the role 'viewer' in acme; pass --replace-role to change it"):
        call_command("grant_staff", "gil", "--tenant", "acme", "--role", "operator", stdout=io.StringIO())
    assert grant("gil", "--tenant", "acme", "--role", "operator", "--replace-role")["role"] == "operator"
