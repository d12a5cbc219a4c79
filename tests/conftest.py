"""The shared cast: `tenant` with its `member` (an admin key), `other_tenant` with its
`outsider`, and keys for each built-in role."""

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def tenant(db):
    return factories.make_tenant(name="Acme", slug="acme")


@pytest.fixture
def other_tenant(db):
    return factories.make_tenant(name="Globex", slug="globex")


@pytest.fixture
def member(tenant):
    """A key of `tenant` whose user is admin there (read, write, execute)."""
    return factories.make_key(tenant=tenant, role="admin", username="alice")


@pytest.fixture
def outsider(other_tenant):
    """A key of `other_tenant`, admin there."""
    return factories.make_key(tenant=other_tenant, role="admin", username="charlie")


@pytest.fixture
def viewer(tenant):
    return factories.make_key(tenant=tenant, role="viewer", username="victor")


@pytest.fixture
def writer(tenant):
    return factories.make_key(tenant=tenant, role="writer", username="walter")


@pytest.fixture
def operator(tenant):
    return factories.make_key(tenant=tenant, role="operator", username="olga")


@pytest.fixture
def api(member):
    """A client that sends `member`'s key and JSON."""
    return factories.ApiClient(member.key)


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture
def rule(tenant):
    return factories.make_rule(tenant=tenant)


@pytest.fixture
def execution(tenant, rule):
    """A running execution of `rule`, with no steps or log lines yet."""
    return factories.make_execution(tenant=tenant, rule=rule, status="running")


@pytest.fixture
def filled_execution(tenant, rule):
    """A running execution of `rule` with 2 steps and 3 log lines."""
    execution = factories.make_execution(tenant=tenant, rule=rule, status="running")
    factories.add_steps(execution, 2)
    factories.add_logs(execution, 3)
    return execution


@pytest.fixture
def var_dir(settings, tmp_path):
    """The var/ folder (demo credentials, caches) in a temporary folder."""
    settings.VAR_DIR = tmp_path
    return tmp_path
