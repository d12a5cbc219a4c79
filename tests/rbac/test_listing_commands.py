"""list_api_keys and list_tenants: what an operator reads at a terminal (never a secret)."""

import json

import pytest
from django.core.management import CommandError
from django.utils import timezone

from rbac.models import ApiKey
from rbac.services import api_key_revoke
from tests.factories import ApiClient, make_key, run


def test_list_api_keys_shows_each_keys_owner_role_state_and_use_and_never_a_secret(tenant, other_tenant, member,
                                                                                 outsider):
    limited = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=5)
    ApiClient(limited.key).get("executions")
    api_key_revoke(prefix=outsider.api_key.prefix)

    keys = {row["prefix"]: row for row in json.loads(run("list_api_keys", "--json"))["keys"]}

    assert keys[member.api_key.prefix] | {"last_used_at": None} == {
        "prefix": member.api_key.prefix, "name": "", "user": "alice", "tenant": "acme", "role": "admin",
        "state": "active", "last_used_at": None, "uses": None, "usage_limit": None}
    assert (keys[limited.api_key.prefix]["uses"], keys[limited.api_key.prefix]["role"]) == (1, "viewer")
    assert keys[limited.api_key.prefix]["last_used_at"].endswith("Z")
    assert keys[outsider.api_key.prefix]["state"] == "revoked"
    prose = run("list_api_keys")
    assert f"ak_{member.api_key.prefix}" in prose and "not counted" in prose and "1 of 5" in prose
    for issued in (member, limited, outsider):
        assert issued.key not in prose and issued.api_key.digest not in prose


def test_list_api_keys_keeps_one_tenants_keys(tenant, other_tenant, member, outsider):
    keys = json.loads(run("list_api_keys", "--tenant", "globex", "--json"))["keys"]
    assert [row["prefix"] for row in keys] == [outsider.api_key.prefix]
    with pytest.raises(CommandError, match="No tenant"):
        run("list_api_keys", "--tenant", "nope")


def test_a_key_past_its_expiry_or_its_limit_says_so(tenant):
    expired = make_key(tenant=tenant, role="viewer", username="old", expires_in_days=1)
    ApiKey.objects.filter(pk=expired.api_key.pk).update(expires_at=timezone.now())
    used_up = make_key(tenant=tenant, role="viewer", username="spent", usage_limit=1)
    ApiKey.objects.filter(pk=used_up.api_key.pk).update(usage_count=1)
    states = {row["user"]: row["state"] for row in json.loads(run("list_api_keys", "--json"))["keys"]}
    assert states == {"old": "expired", "spent": "used up"}


def test_list_tenants_lists_them_by_slug(tenant, other_tenant):
    rows = json.loads(run("list_tenants", "--json"))["tenants"]
    assert [(row["slug"], row["name"], row["id"]) for row in rows] == [
        ("acme", "Acme", str(tenant.pk)), ("globex", "Globex", str(other_tenant.pk))]
    assert run("list_tenants").splitlines()[0].startswith(f"{tenant.pk}  acme")
