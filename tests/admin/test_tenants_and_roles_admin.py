"""Tenants, roles and role assignments in the admin."""

import pytest
from django.contrib.auth import get_user_model

from rbac.models import Role, RoleAssignment
from rbac.services import role_assign, role_get
from tenants.models import Tenant

TENANTS = "/admin/tenants/tenant/"
ROLES = "/admin/rbac/role/"
ASSIGNMENTS = "/admin/rbac/roleassignment/"


def test_a_superuser_makes_a_tenant_with_a_slug_from_its_name(root_client):
    response = root_client.post(f"{TENANTS}add/", {"name": "Initech Labs", "slug": ""})

    assert response.status_code == 302
    assert Tenant.objects.get().slug == "initech-labs"


@pytest.mark.parametrize("slug", ["0190d5a4-5d2c-7b1e-8f3a-2b9c4d5e6f70", "0190d5a45d2c7b1e8f3a2b9c4d5e6f70"])
def test_a_slug_shaped_like_a_uuid_is_refused(root_client, slug):
    response = root_client.post(f"{TENANTS}add/", {"name": "Initech", "slug": slug})

    assert "shaped like a UUID" in response.context["adminform"].form.errors["slug"][0]
    assert not Tenant.objects.exists()


@pytest.mark.parametrize("name, slug, message", [
    ("Initech", "Initech_EU", "lowercase letters, digits and hyphens"),
    ("!!!", "", "makes no slug"),
])
def test_a_slug_the_service_would_refuse_is_refused_on_the_form(root_client, name, slug, message):
    response = root_client.post(f"{TENANTS}add/", {"name": name, "slug": slug})

    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors["slug"][0]
    assert not Tenant.objects.exists()


def test_a_slug_already_taken_is_refused(root_client, tenant):
    response = root_client.post(f"{TENANTS}add/", {"name": "Acme again", "slug": "acme"})

    assert response.context["adminform"].form.errors["slug"]
    assert Tenant.objects.count() == 1


def test_a_tenants_slug_does_not_change_and_tenants_are_never_deleted_here(root_client, tenant):
    root_client.post(f"{TENANTS}{tenant.pk}/change/", {"name": "Acme Corp", "slug": "other"})

    tenant.refresh_from_db()
    assert (tenant.name, tenant.slug) == ("Acme Corp", "acme")
    assert root_client.get(f"{TENANTS}{tenant.pk}/delete/").status_code == 403


def test_staff_who_are_not_superusers_make_no_tenant(acme_client):
    assert acme_client.get(f"{TENANTS}add/").status_code == 403


def test_the_tenant_page_links_its_executions_rules_keys_and_assignments(root_client, tenant):
    page = root_client.get(f"{TENANTS}{tenant.pk}/change/").content.decode()

    for path in ("executions/execution", "executions/automationrule", "rbac/apikey", "rbac/roleassignment"):
        assert f"/admin/{path}/?tenant={tenant.pk}" in page


def test_a_roles_permissions_are_checkboxes_of_the_known_permissions(root_client):
    page = root_client.get(f"{ROLES}add/").content.decode()

    for code in ("automation:read", "automation:write", "automation:execute"):
        assert f'type="checkbox" name="permissions" value="{code}"' in page


def test_a_role_is_made_with_the_permissions_ticked(root_client):
    response = root_client.post(f"{ROLES}add/", {"name": "auditor",
                                                 "permissions": ["automation:read", "automation:execute"]})

    assert response.status_code == 302
    assert Role.objects.get(name="auditor").permissions == ["automation:execute", "automation:read"]


def test_an_unknown_permission_is_refused(root_client):
    response = root_client.post(f"{ROLES}add/", {"name": "sneaky", "permissions": ["automation:everything"]})

    assert response.context["adminform"].form.errors["permissions"]
    assert not Role.objects.filter(name="sneaky").exists()


def test_built_in_roles_are_read_only(root_client):
    admin = role_get(name="admin")

    assert root_client.post(f"{ROLES}{admin.pk}/change/", {"name": "admin", "permissions": []}).status_code == 403
    assert root_client.get(f"{ROLES}{admin.pk}/delete/").status_code == 403
    assert Role.objects.get(pk=admin.pk).permissions == ["automation:read", "automation:write", "automation:execute"]


def test_only_superusers_change_roles_that_every_tenant_shares(acme_client):
    assert acme_client.get(f"{ROLES}add/").status_code == 403
    assert acme_client.get(ROLES).status_code == 200


def test_a_role_is_assigned_in_the_admin(root_client, tenant):
    bob = get_user_model().objects.create_user(username="bob")

    response = root_client.post(f"{ASSIGNMENTS}add/", {"user": str(bob.pk), "tenant": str(tenant.pk),
                                                       "role": str(role_get(name="viewer").pk)})

    assert response.status_code == 302
    assert RoleAssignment.objects.get(user=bob).role.name == "viewer"


def test_a_second_role_in_the_same_tenant_is_refused(root_client, tenant):
    bob = get_user_model().objects.create_user(username="bob")
    role_assign(user=bob, tenant=tenant, role=role_get(name="viewer"))

    response = root_client.post(f"{ASSIGNMENTS}add/", {"user": str(bob.pk), "tenant": str(tenant.pk),
                                                       "role": str(role_get(name="admin").pk)})

    assert response.status_code == 200
    assert "already holds a role in this tenant" in str(response.context["adminform"].form.errors)
    assert RoleAssignment.objects.get(user=bob).role.name == "viewer"


def test_changing_an_assignment_replaces_the_role(root_client, tenant):
    bob = get_user_model().objects.create_user(username="bob")
    assignment = role_assign(user=bob, tenant=tenant, role=role_get(name="viewer"))

    response = root_client.post(f"{ASSIGNMENTS}{assignment.pk}/change/", {"role": str(role_get(name="operator").pk)})

    assert response.status_code == 302
    assert RoleAssignment.objects.get(pk=assignment.pk).role.name == "operator"


def test_staff_assign_roles_only_in_their_tenants(acme_client, other_tenant):
    bob = get_user_model().objects.create_user(username="bob")

    response = acme_client.post(f"{ASSIGNMENTS}add/", {"user": str(bob.pk), "tenant": str(other_tenant.pk),
                                                       "role": str(role_get(name="admin").pk)})

    assert "tenant" in response.context["adminform"].form.errors
    assert not RoleAssignment.objects.filter(user=bob).exists()
