"""Key rows kept by each worker (rbac/key_cache.py): no key query while a row is kept, and a
change of the key, its user or role seen at once on this machine, and within
API_KEY_CACHE_SECONDS elsewhere."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rbac import authentication
from rbac import key_cache as key_cache_module
from rbac.key_cache import key_cache
from rbac.models import ApiKey, Role, RoleAssignment
from rbac.services import api_key_revoke
from tests.factories import ApiClient, assert_problem, make_execution, make_key

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def kept_for_a_minute(settings):
    settings.API_KEY_CACHE_SECONDS = 60


def _key_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum("rbac_apikey" in query["sql"] for query in queries)


def test_a_kept_key_makes_no_key_query(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert _key_queries(client, path)[0] == 200
    assert _key_queries(client, path) == (200, 0)


def test_a_wrong_secret_is_refused_also_while_the_key_is_kept(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    path = f"executions/{make_execution(tenant=tenant).pk}"
    assert ApiClient(issued.key).get(path).status_code == 200
    assert_problem(ApiClient(issued.key[:-4] + "xxxx").get(path), 401)


@pytest.mark.parametrize("change", ["revoke", "deactivate", "role", "unassign"])
def test_a_change_made_here_takes_effect_at_once(tenant, change):
    issued = make_key(tenant=tenant, role="writer", username="walter")
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert client.get(path).status_code == 200
    if change == "revoke":
        api_key_revoke(prefix=issued.api_key.prefix)
        expected = 401
    elif change == "deactivate":
        user = get_user_model().objects.get(pk=issued.api_key.user_id)
        user.is_active = False
        user.save()
        expected = 401
    elif change == "role":
        role = Role.objects.get(name="writer")
        role.permissions = ["automation:write"]
        role.save()
        expected = 403
    else:
        RoleAssignment.objects.get(user_id=issued.api_key.user_id, tenant=tenant).delete()
        expected = 403
    assert_problem(client.get(path), expected)


def test_a_change_made_without_this_process_knowing_takes_effect_when_the_row_is_old(tenant, monkeypatch):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert client.get(path).status_code == 200
    # As another machine would: no signal here, no marker on this machine.
    ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())
    assert client.get(path).status_code == 200  # kept, for at most API_KEY_CACHE_SECONDS

    real = key_cache_module.time.monotonic
    monkeypatch.setattr(key_cache_module.time, "monotonic", lambda: real() + 61)
    assert_problem(client.get(path), 401)


def test_a_kept_key_still_expires_on_time(tenant, monkeypatch):
    issued = make_key(tenant=tenant, role="viewer", username="victor", expires_in_days=1)
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert client.get(path).status_code == 200
    tomorrow = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(authentication.timezone, "now", lambda: tomorrow)
    assert_problem(client.get(path), 401)


def test_a_limited_key_is_counted_on_every_use_while_kept(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=2)
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 401]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_revocation_by_another_process_takes_effect_at_once_on_this_machine(tenant):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the other process must see this test's committed rows")
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    client, path = ApiClient(issued.key), f"executions/{make_execution(tenant=tenant).pk}"
    assert client.get(path).status_code == 200
    assert key_cache.get(issued.api_key.prefix) is not None

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    subprocess.run([sys.executable, "manage.py", "revoke_api_key", issued.api_key.prefix], cwd=ROOT, check=True,
                   capture_output=True, env={**os.environ, "DATABASE_URL": url})

    assert_problem(client.get(path), 401)
