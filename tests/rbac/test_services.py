"""rbac's services: typed refusals whose messages name no command-line flag, and revocation that
says whether it changed anything."""

import pytest
from django.contrib.auth import get_user_model

from config.fields import MAX_INT
from rbac.exceptions import Conflict, Invalid, NotFound, RoleHeld
from rbac.models import RoleAssignment
from rbac.services import (
    MAX_EXPIRES_IN_DAYS,
    api_key_create,
    api_key_revoke,
    role_assign,
    role_create,
    role_get,
    staff_grant,
)

pytestmark = pytest.mark.django_db


def test_revoking_a_key_says_it_changed_it_and_revoking_it_again_says_nothing_changed(member):
    first, changed = api_key_revoke(prefix=member.api_key.prefix)
    again, changed_again = api_key_revoke(prefix=member.api_key.prefix)

    assert (changed, changed_again) == (True, False)
    assert first.pk == again.pk == member.api_key.pk
    assert again.revoked_at == first.revoked_at is not None


def test_revoking_an_unknown_prefix_is_not_found(db):
    with pytest.raises(NotFound, match="No API key with prefix 'Zz9Zz9Zz'"):
        api_key_revoke(prefix="Zz9Zz9Zz")


def test_another_role_held_is_refused_with_the_roles_and_no_flag(tenant):
    user = get_user_model().objects.create(username="dora")
    role_assign(user=user, tenant=tenant, role=role_get(name="viewer"))

    with pytest.raises(RoleHeld) as refused:
        role_assign(user=user, tenant=tenant, role=role_get(name="admin"))

    error = refused.value
    assert (error.username, error.tenant, error.held, error.wanted) == ("dora", "acme", "viewer", "admin")
    assert error.detail.startswith("dora already holds the role 'viewer' in acme;")
    assert "--" not in error.detail
    assert RoleAssignment.objects.get(user=user).role.name == "viewer"


def test_replacing_the_role_on_purpose_changes_it(tenant):
    user = get_user_model().objects.create(username="dora")
    role_assign(user=user, tenant=tenant, role=role_get(name="viewer"))
    assert role_assign(user=user, tenant=tenant, role=role_get(name="admin"), replace=True).role.name == "admin"


@pytest.mark.parametrize("limits, field", [
    ({"expires_in_days": 0}, "expires_in_days"),
    ({"expires_in_days": MAX_EXPIRES_IN_DAYS + 1}, "expires_in_days"),
    ({"usage_limit": 0}, "usage_limit"),
    ({"usage_limit": MAX_INT + 1}, "usage_limit"),
])
def test_a_keys_limits_out_of_bounds_are_invalid_naming_the_argument_not_a_flag(tenant, limits, field):
    with pytest.raises(Invalid) as refused:
        api_key_create(username="dora", tenant=tenant, role=role_get(name="viewer"), **limits)
    assert refused.value.field == field
    assert "--" not in refused.value.detail


def test_role_refusals_are_typed(db):
    with pytest.raises(NotFound):
        role_get(name="nobody")
    with pytest.raises(Invalid):
        role_create(name="auditor", permissions=["automation:fly"])
    role_create(name="auditor", permissions=["automation:read"])
    with pytest.raises(Conflict):
        role_create(name="auditor", permissions=[])


def test_an_unknown_staff_group_is_not_found(tenant):
    with pytest.raises(NotFound, match="No staff group named 'Pilots'"):
        staff_grant(username="dora", tenant=tenant, role=role_get(name="viewer"), groups=["Pilots"])
