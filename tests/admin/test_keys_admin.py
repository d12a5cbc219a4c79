"""API keys in the admin: made for a user, tenant and role, the secret shown once on the page that
answers the save and never again; revoked with an action; the digest never shown."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.utils import timezone

from rbac.models import ApiKey, RoleAssignment
from rbac.services import role_assign, role_get
from tests.factories import ApiClient, make_key

KEYS = "/admin/rbac/apikey/"
KEY = re.compile(r"ak_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user(username="bob")


def key_form(user, tenant, role="admin", **overrides) -> dict:
    data = {"username": user.get_username(), "tenant": str(tenant.pk), "role": str(role_get(name=role).pk),
            "name": "CI", "expires_in_days": "", "usage_limit": ""}
    data.update(overrides)
    return data


def test_a_key_made_in_the_admin_shows_its_secret_once_and_works(root_client, tenant, bob):
    response = root_client.post(f"{KEYS}add/", key_form(bob, tenant, expires_in_days="30", usage_limit="100"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = KEY.search(page).group(0)
    api_key = ApiKey.objects.get()
    assert key.startswith(f"ak_{api_key.prefix}_")
    assert "shown this once, and never again" in page
    assert (api_key.user, api_key.tenant, api_key.usage_limit, api_key.name) == (bob, tenant, 100, "CI")
    assert api_key.expires_at is not None
    assert RoleAssignment.objects.get(user=bob, tenant=tenant).role.name == "admin"
    assert ApiClient(key).get("executions").status_code == 200


def test_the_secret_is_never_shown_again_nor_kept_in_the_session_or_a_message(root_client, tenant, bob):
    response = root_client.post(f"{KEYS}add/", key_form(bob, tenant))
    key = KEY.search(response.content.decode()).group(0)
    secret = key.split("_", 2)[2]
    api_key = ApiKey.objects.get()

    assert list(get_messages(response.wsgi_request)) == []
    assert secret not in str(dict(root_client.session.items()))
    assert all(secret not in cookie.value for cookie in root_client.cookies.values())
    for url in (KEYS, f"{KEYS}{api_key.pk}/change/", f"{KEYS}add/", "/admin/", f"{KEYS}{api_key.pk}/history/"):
        assert secret not in root_client.get(url).content.decode(), url


def test_the_digest_is_never_shown(root_client, member):
    digest = member.api_key.digest

    for url in (KEYS, f"{KEYS}{member.api_key.pk}/change/", f"{KEYS}add/"):
        page = root_client.get(url).content.decode()
        assert digest not in page and "digest" not in page.lower(), url


def test_the_key_list_shows_prefix_owner_tenant_role_expiry_usage_and_last_use(root_client, tenant, member):
    ApiClient(member.key).get("executions")

    response = root_client.get(KEYS)
    page = response.content.decode()
    row = response.context["cl"].result_list[0]

    assert f"ak_{member.api_key.prefix}" in page
    assert "alice" in page and "Acme" in page and ">admin<" in page
    assert row.role_name == "admin"
    for header in ("Prefix", "State", "User", "Tenant", "Role", "Expires", "Usage", "Last used"):
        assert header.lower() in page.lower(), header
    assert "Acme (acme)" in page and "<h1>API keys</h1>" in page
    assert ApiKey.objects.get().last_used_at is not None


def test_a_key_without_a_usage_limit_shows_its_uses_as_not_counted(root_client, tenant, member):
    limited = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=10)
    for key in (member.key, limited.key):
        ApiClient(key).get("executions")

    rows = {row.prefix: row for row in root_client.get(KEYS).context["cl"].result_list}
    admin_site = root_client.get(KEYS).context["cl"].model_admin
    assert admin_site.usage(rows[member.api_key.prefix]) == "not counted"  # never a wrong 0
    assert admin_site.usage(rows[limited.api_key.prefix]) == "1 of 10"


def test_a_different_role_already_held_is_refused_unless_replaced_on_purpose(root_client, tenant, bob):
    role_assign(user=bob, tenant=tenant, role=role_get(name="viewer"))

    refused = root_client.post(f"{KEYS}add/", key_form(bob, tenant, role="admin"))

    assert refused.status_code == 200
    assert "already holds the role 'viewer'" in refused.context["adminform"].form.errors["replace_role"][0]
    assert not ApiKey.objects.exists()

    replaced = root_client.post(f"{KEYS}add/", key_form(bob, tenant, role="admin", replace_role="on"))

    assert replaced.status_code == 200 and KEY.search(replaced.content.decode())
    assert RoleAssignment.objects.get(user=bob, tenant=tenant).role.name == "admin"


def test_the_same_role_again_needs_no_replacing(root_client, tenant, bob):
    role_assign(user=bob, tenant=tenant, role=role_get(name="writer"))

    response = root_client.post(f"{KEYS}add/", key_form(bob, tenant, role="writer"))

    assert response.status_code == 200 and ApiKey.objects.count() == 1


@pytest.mark.parametrize("field, value", [("expires_in_days", "0"), ("usage_limit", "0"), ("usage_limit", "-3")])
def test_expiry_and_usage_limit_must_be_positive(root_client, tenant, bob, field, value):
    response = root_client.post(f"{KEYS}add/", key_form(bob, tenant, **{field: value}))

    assert field in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_revoking_in_bulk_goes_through_the_service_and_the_key_stops_working(root_client, tenant, member):
    spare = make_key(tenant=tenant, username="alice")
    assert ApiClient(member.key).get("executions").status_code == 200

    response = root_client.post(KEYS, {"action": "revoke_selected",
                                       "_selected_action": [member.api_key.pk, spare.api_key.pk]})
    again = root_client.post(KEYS, {"action": "revoke_selected", "_selected_action": [member.api_key.pk]})

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Revoked 2 API keys."]
    assert "Revoked 0 API keys. Skipped 1: already revoked." in [str(m) for m in get_messages(again.wsgi_request)]
    assert ApiClient(member.key).get("executions").status_code == 401


def test_keys_are_read_only_once_made_and_never_deleted(root_client, member):
    change = f"{KEYS}{member.api_key.pk}/change/"

    assert 'name="_save"' not in root_client.get(change).content.decode()
    assert root_client.post(change, {"name": "renamed"}).status_code == 403
    assert root_client.get(f"{KEYS}{member.api_key.pk}/delete/").status_code == 403
    assert ApiKey.objects.get().name == ""


def test_a_key_for_a_user_not_yet_known_makes_the_user_as_create_api_key_does(root_client, tenant):
    response = root_client.post(f"{KEYS}add/", {"username": "engine-7", "tenant": str(tenant.pk),
                                                "role": str(role_get(name="writer").pk)})

    assert response.status_code == 200 and KEY.search(response.content.decode())
    assert ApiKey.objects.get().user.username == "engine-7"
    assert RoleAssignment.objects.get(user__username="engine-7").role.name == "writer"


def test_a_username_django_would_refuse_is_refused(root_client, tenant):
    response = root_client.post(f"{KEYS}add/", {"username": "no spaces!", "tenant": str(tenant.pk),
                                                "role": str(role_get(name="writer").pk)})

    assert "username" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_the_add_form_has_one_save_button(root_client):
    page = root_client.get(f"{KEYS}add/").content.decode()

    assert 'name="_save"' in page
    assert 'name="_addanother"' not in page and 'name="_continue"' not in page


def test_staff_make_keys_only_in_their_tenants(acme_client, other_tenant, bob):
    response = acme_client.post(f"{KEYS}add/", key_form(bob, other_tenant))

    assert "tenant" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_search_finds_a_key_by_its_prefix_in_either_spelling(root_client, member, outsider):
    for term in (member.api_key.prefix, f"ak_{member.api_key.prefix}", member.key):
        assert list(root_client.get(KEYS, {"q": term}).context["cl"].result_list) == [member.api_key], term


@pytest.mark.parametrize("state, listed", [("active", {"alice"}), ("expired", {"old"}), ("used up", {"spent"}),
                                           ("revoked", set())])
def test_the_state_filter_lists_the_keys_in_that_state_as_the_state_column_shows_it(root_client, tenant, member,
                                                                                      state, listed):
    expired = make_key(tenant=tenant, role="viewer", username="old")
    ApiKey.objects.filter(pk=expired.api_key.pk).update(expires_at=timezone.now())
    used_up = make_key(tenant=tenant, role="viewer", username="spent", usage_limit=1)
    ApiKey.objects.filter(pk=used_up.api_key.pk).update(usage_count=1)

    response = root_client.get(KEYS, {"state": state})

    shown = response.context["cl"].result_list
    assert {key.user.get_username() for key in shown} == listed
    assert {key.state() for key in shown} <= {state}
