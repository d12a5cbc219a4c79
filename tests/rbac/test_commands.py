"""create_role, create_api_key and revoke_api_key."""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import CommandError
from django.utils import timezone

from rbac.keys import key_split, secret_digest
from rbac.models import ApiKey, Role, RoleAssignment
from tests.factories import ApiClient, assert_problem, make_execution, run

pytestmark = pytest.mark.django_db


def new_key(*args) -> dict:
    return json.loads(run("create_api_key", *args, "--json"))


def everything_stored() -> str:
    """Every row of every table, as JSON."""
    return "".join(serializers.serialize("json", model._default_manager.all()) for model in apps.get_models())


# create_role


def test_create_role_makes_a_custom_role_with_its_permissions():
    run("create_role", "auditor", "--permission", "automation:read", "--permission", "automation:execute")
    role = Role.objects.get(name="auditor")
    assert sorted(role.permissions) == ["automation:execute", "automation:read"]
    assert not role.is_builtin


def test_create_role_json_describes_the_role():
    body = json.loads(run("create_role", "reader", "--permission", "automation:read", "--json"))
    assert body == {"id": Role.objects.get(name="reader").pk, "name": "reader", "permissions": ["automation:read"]}


def test_create_role_without_permissions_makes_a_role_that_grants_nothing(tenant):
    run("create_role", "nobody")
    key = new_key("--user", "nina", "--tenant", "acme", "--role", "nobody")["key"]
    execution = make_execution(tenant=tenant)
    assert_problem(ApiClient(key).get(f"executions/{execution.pk}"), 403)


def test_create_role_refuses_an_unknown_permission_and_makes_nothing():
    with pytest.raises(CommandError, match="automation:root"):
        run("create_role", "boss", "--permission", "automation:root")
    assert not Role.objects.filter(name="boss").exists()


@pytest.mark.parametrize("name", ["viewer", "", " ", "x" * 101])
def test_create_role_refuses_a_taken_blank_or_overlong_name(name):
    count = Role.objects.count()
    with pytest.raises(CommandError):
        run("create_role", name)
    assert Role.objects.count() == count


# create_api_key


def test_create_api_key_makes_the_user_gives_it_the_role_and_prints_a_working_key(tenant):
    printed = run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer")
    key = printed.splitlines()[0]
    prefix, _ = key_split(key)
    api_key = ApiKey.objects.get(prefix=prefix)
    assert api_key.user.username == "dora" and api_key.tenant == tenant
    assert RoleAssignment.objects.get(user__username="dora", tenant=tenant).role.name == "viewer"
    execution = make_execution(tenant=tenant)
    response = ApiClient(key).get(f"executions/{execution.pk}")
    assert response.status_code == 200
    assert response.json()["data"]["execution_id"] == str(execution.pk)


def test_create_api_key_json_gives_key_prefix_tenant_user_and_role(tenant):
    body = new_key("--user", "dora", "--tenant", "acme", "--role", "writer")
    api_key = ApiKey.objects.get()
    assert body == {"key": body["key"], "prefix": api_key.prefix, "tenant": str(tenant.pk), "user": "dora",
                    "role": "writer"}
    assert body["key"].startswith(f"ak_{api_key.prefix}_")


def test_create_api_key_names_the_tenant_by_id_too(tenant):
    body = new_key("--user", "dora", "--tenant", str(tenant.pk).upper(), "--role", "viewer")
    assert body["tenant"] == str(tenant.pk)


def test_create_api_key_never_stores_the_secret_and_never_shows_it_again(tenant):
    body = new_key("--user", "dora", "--tenant", "acme", "--role", "viewer")
    prefix, secret = key_split(body["key"])
    assert ApiKey.objects.get(prefix=prefix).digest == secret_digest(secret)
    assert secret not in everything_stored()
    # Nothing prints it again: revoking names the key by its prefix only.
    assert secret not in run("revoke_api_key", prefix, "--json")


def test_create_api_key_gives_a_second_key_to_a_user_with_that_role(tenant):
    first = new_key("--user", "dora", "--tenant", "acme", "--role", "viewer")
    second = new_key("--user", "dora", "--tenant", "acme", "--role", "viewer")
    assert first["prefix"] != second["prefix"]
    assert get_user_model().objects.filter(username="dora").count() == 1
    assert ApiKey.objects.filter(user__username="dora").count() == 2


def test_create_api_key_refuses_another_role_than_the_user_holds(tenant):
    new_key("--user", "dora", "--tenant", "acme", "--role", "viewer")
    with pytest.raises(CommandError) as refused:
        run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "admin")
    # The service's refusal in the command's words: its flag.
    assert str(refused.value) == ("dora already holds the role 'viewer' in acme; pass --replace-role to change it "
                                  "(for all of the user's keys there).")
    assert ApiKey.objects.count() == 1
    assert RoleAssignment.objects.get(user__username="dora").role.name == "viewer"


def test_create_api_key_replace_role_changes_the_role_of_all_the_users_keys_there(tenant):
    old = new_key("--user", "dora", "--tenant", "acme", "--role", "admin")["key"]
    new_key("--user", "dora", "--tenant", "acme", "--role", "viewer", "--replace-role")
    assert RoleAssignment.objects.get(user__username="dora", tenant=tenant).role.name == "viewer"
    # The old key now acts with the new role: it may read, but no longer cancel.
    execution = make_execution(tenant=tenant)
    client = ApiClient(old)
    assert client.get(f"executions/{execution.pk}").status_code == 200
    assert_problem(client.post(f"executions/{execution.pk}/cancel", {}), 403)


def test_create_api_key_role_is_per_tenant(tenant, other_tenant):
    new_key("--user", "dora", "--tenant", "acme", "--role", "viewer")
    new_key("--user", "dora", "--tenant", "globex", "--role", "admin")
    roles = dict(RoleAssignment.objects.filter(user__username="dora").values_list("tenant__slug", "role__name"))
    assert roles == {"acme": "viewer", "globex": "admin"}


def test_create_api_key_expires_in_days(tenant):
    body = new_key("--user", "dora", "--tenant", "acme", "--role", "viewer", "--expires-in", "30")
    expires_at = ApiKey.objects.get(prefix=body["prefix"]).expires_at
    assert abs(expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_create_api_key_usage_limit_lets_that_many_requests_through(tenant):
    execution = make_execution(tenant=tenant)
    client = ApiClient(new_key("--user", "dora", "--tenant", "acme", "--role", "viewer", "--usage-limit", "2")["key"])
    assert client.get(f"executions/{execution.pk}").status_code == 200
    assert client.get(f"executions/{execution.pk}").status_code == 200
    assert_problem(client.get(f"executions/{execution.pk}"), 401)


@pytest.mark.parametrize("option", ["--expires-in", "--usage-limit"])
@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", "2147483648"])
def test_create_api_key_refuses_a_limit_that_is_not_a_positive_integer(tenant, option, value):
    with pytest.raises(CommandError, match=option):
        run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer", option, value)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("tenant_name", ["nope", "01890a5dac96774bbcceb302099a8057",
                                         "01890a5d-ac96-774b-bcce-b302099a8057"])
def test_create_api_key_refuses_a_tenant_that_does_not_exist(tenant, tenant_name):
    with pytest.raises(CommandError, match="No tenant"):
        run("create_api_key", "--user", "dora", "--tenant", tenant_name, "--role", "viewer")
    assert not get_user_model().objects.filter(username="dora").exists()


def test_create_api_key_refuses_an_unknown_role_naming_the_known_ones(tenant):
    with pytest.raises(CommandError, match="viewer"):
        run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "superhero")
    assert not get_user_model().objects.filter(username="dora").exists()


@pytest.mark.parametrize("username", ["", "has space", "x" * 151])
def test_create_api_key_refuses_a_username_django_would_not_accept(tenant, username):
    with pytest.raises(CommandError):
        run("create_api_key", "--user", username, "--tenant", "acme", "--role", "viewer")
    assert not ApiKey.objects.exists()


# revoke_api_key


def test_revoke_api_key_revokes_the_key_named_by_its_prefix(tenant, member):
    execution = make_execution(tenant=tenant)
    client = ApiClient(member.key)
    assert client.get(f"executions/{execution.pk}").status_code == 200
    printed = run("revoke_api_key", member.api_key.prefix)
    assert member.api_key.prefix in printed
    member.api_key.refresh_from_db()
    assert member.api_key.revoked_at is not None
    assert_problem(client.get(f"executions/{execution.pk}"), 401)


@pytest.mark.parametrize("spelling", ["ak_{prefix}", "{key}"])
def test_revoke_api_key_also_takes_the_ak_form_or_the_whole_key(member, spelling):
    run("revoke_api_key", spelling.format(prefix=member.api_key.prefix, key=member.key))
    member.api_key.refresh_from_db()
    assert member.api_key.is_revoked


def test_revoke_api_key_json_says_when_and_whether_it_was_already_revoked(member):
    first = json.loads(run("revoke_api_key", member.api_key.prefix, "--json"))
    second = json.loads(run("revoke_api_key", member.api_key.prefix, "--json"))
    assert first["prefix"] == member.api_key.prefix and first["already_revoked"] is False
    assert second["already_revoked"] is True
    assert second["revoked_at"] == first["revoked_at"] and first["revoked_at"].endswith("Z")


def test_revoke_api_key_says_when_a_key_was_already_revoked_and_nothing_changed(member):
    run("revoke_api_key", member.api_key.prefix)
    member.api_key.refresh_from_db()
    printed = run("revoke_api_key", member.api_key.prefix)
    assert printed.startswith(f"Key {member.api_key.prefix} was already revoked at ")
    assert printed.rstrip().endswith("nothing changed.")
    assert ApiKey.objects.get(pk=member.api_key.pk).revoked_at == member.api_key.revoked_at


def test_revoke_api_key_revokes_only_that_key(tenant, member, viewer):
    run("revoke_api_key", member.api_key.prefix)
    viewer.api_key.refresh_from_db()
    assert not viewer.api_key.is_revoked


@pytest.mark.parametrize("prefix", ["abcdEFGH", "short", "ak_", "abcd-EFG"])
def test_revoke_api_key_refuses_an_unknown_or_malformed_prefix(member, prefix):
    with pytest.raises(CommandError):
        run("revoke_api_key", prefix)
    member.api_key.refresh_from_db()
    assert not member.api_key.is_revoked
