"""Tenant isolation and permissions over every endpoint and method of the contract (the *later*
webhooks aside): another tenant's key finds nothing (404, the body of a missing id) and lists
nothing; a role without the permission is 403; no key is 401."""

import re
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from executions import services
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep
from rbac.models import RoleAssignment
from tests.factories import API, ApiClient, add_logs, assert_problem, make_execution, make_key, make_rule

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ROLE_PERMISSIONS = {
    "viewer": {"read"},
    "writer": {"read", "write"},
    "operator": {"read", "execute"},
    "admin": {"read", "write", "execute"},
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {execution}, {failed}, {rule}, {spare_rule} for the tenant's objects
    permission: str
    body: dict | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def call(self, client, world) -> object:
        path = self.path.format(**vars(world))
        body = self.body
        if body is not None:
            body = {k: (v.format(**vars(world)) if isinstance(v, str) else v) for k, v in body.items()}
        if self.method == "GET":
            return client.get(path)
        if self.method == "DELETE":
            return client.delete(path)
        return getattr(client, self.method.lower())(path, body)


OBJECT_ENDPOINTS = [
    Endpoint("GET", "executions/{execution}", "read"),
    Endpoint("PATCH", "executions/{execution}", "write", {"status": "running", "actions_successful": 1}),
    Endpoint("GET", "executions/{execution}/logs", "read"),
    Endpoint("POST", "executions/{execution}/logs", "write", {"entries": [{"message": "intruder"}]}),
    Endpoint("GET", "executions/{execution}/steps", "read"),
    Endpoint("POST", "executions/{execution}/steps", "write", {"key": "intruder"}),
    Endpoint("GET", "executions/{execution}/steps/fetch", "read"),
    Endpoint("PATCH", "executions/{execution}/steps/fetch", "write", {"status": "running"}),
    Endpoint("POST", "executions/{failed}/retry", "execute"),
    Endpoint("POST", "executions/{execution}/cancel", "execute", {"reason": "intruder"}),
    Endpoint("GET", "executions/{execution}/events", "read"),
    Endpoint("GET", "rules/{rule}", "read"),
    Endpoint("PATCH", "rules/{rule}", "write", {"name": "Renamed", "timeout_seconds": 5}),
    Endpoint("DELETE", "rules/{spare_rule}", "write"),
    Endpoint("GET", "rules/{rule}/executions", "read"),
    Endpoint("GET", "rules/{rule}/executions/{execution}", "read"),
]
COLLECTION_ENDPOINTS = [
    Endpoint("GET", "", "read"),  # the API's root
    Endpoint("GET", "executions", "read"),
    Endpoint("POST", "executions", "write", {"automation_rule_id": "{rule}", "trigger_data": {"a": 1}}),
    Endpoint("GET", "rules", "read"),
    Endpoint("POST", "rules", "write", {"name": "New", "trigger": "order.paid", "actions": []}),
    Endpoint("GET", "failures", "read"),
    # Selected by filter: another tenant's key selects only in its own tenant.
    Endpoint("POST", "executions/bulk-retry", "execute", {"filter": {"external_ref": "order-2"}}),
    Endpoint("POST", "executions/bulk-cancel", "execute", {"filter": {"external_ref": "order-1"}, "reason": "x"}),
]
ENDPOINTS = OBJECT_ENDPOINTS + COLLECTION_ENDPOINTS
WRITES = [e for e in ENDPOINTS if e.method != "GET"]


def test_the_matrix_covers_every_route_of_the_api():
    from django.urls import get_resolver

    routes = get_resolver().url_patterns
    api = next(p for p in routes if getattr(p, "app_name", None) == "executions")
    named = {p.name for p in api.url_patterns}
    covered = {
        "api-root", "execution-list", "execution-detail", "execution-retry", "execution-cancel", "execution-events",
        "step-list", "step-detail", "log-list", "rule-list", "rule-detail", "rule-execution-list",
        "rule-execution-detail", "execution-bulk-retry", "execution-bulk-cancel", "failure-list",
    }
    assert named == covered  # a new route must join ENDPOINTS


@pytest.fixture
def world(tenant, rule) -> SimpleNamespace:
    """The tenant's objects: a pending execution with a step and a log line, a failed one that
    can be retried, its rule, and a rule with no executions that can be deleted."""
    execution = make_execution(tenant=tenant, rule=rule, external_ref="order-1", triggered_by="shop")
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="fetch")
    add_logs(execution, 1)
    failed = make_execution(tenant=tenant, rule=rule, status="failed", external_ref="order-2")
    spare_rule = make_rule(tenant=tenant, name="Unused", trigger="order.refunded")
    return SimpleNamespace(execution=execution.pk, failed=failed.pk, rule=rule.pk, spare_rule=spare_rule.pk)


def snapshot() -> dict:
    """Everything a request could change, in every tenant."""
    return {
        "rules": sorted(AutomationRule.objects.values_list("id", "name", "version", "is_enabled", "updated_at")),
        "executions": sorted(Execution.objects.values_list("id", "status", "actions_successful", "updated_at")),
        "steps": sorted(ExecutionStep.objects.values_list("execution_id", "key", "status", "updated_at")),
        "logs": ExecutionLog.objects.count(),
        "events": ExecutionEvent.objects.count(),
    }


def client_of(issued) -> ApiClient:
    return ApiClient(issued.key)


# No key, or a bad one: 401


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_no_key_is_401_on_every_endpoint(world, endpoint):
    before = snapshot()

    response = endpoint.call(ApiClient(None), world)

    assert_problem(response, 401)
    assert response["WWW-Authenticate"]
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_an_unknown_key_is_401_on_every_endpoint(world, member, endpoint):
    forged = member.key[:-4] + ("AAAA" if not member.key.endswith("AAAA") else "BBBB")
    before = snapshot()

    assert_problem(endpoint.call(ApiClient(forged), world), 401)
    assert snapshot() == before


def test_no_key_is_401_also_on_paths_that_name_nothing(anonymous_client):
    for path in (f"executions/{uuid.uuid4()}", "executions/not-a-uuid", f"rules/{uuid.uuid4()}/executions"):
        assert_problem(anonymous_client.get(f"{API}/{path}"), 401)


# Another tenant's key: 404 for objects, nothing in lists, nothing changed


def _with_fresh_ids(path: str) -> tuple[str, dict[str, str]]:
    """`path` with every id replaced by a new one, and the replacements made."""
    fresh = {}

    def replace(match):
        fresh[match.group(0)] = str(uuid.uuid4())
        return fresh[match.group(0)]

    return UUID.sub(replace, path), fresh


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=str)
def test_another_tenants_key_gets_404_for_every_object_like_a_missing_id(world, outsider, endpoint):
    client = client_of(outsider)
    before = snapshot()

    found = endpoint.call(client, world)

    body = assert_problem(found, 404)
    assert snapshot() == before
    real_path = endpoint.path.format(**vars(world))
    missing_path, fresh = _with_fresh_ids(real_path)
    missing = assert_problem(Endpoint(endpoint.method, missing_path, endpoint.permission, endpoint.body)
                             .call(client, world), 404)
    for real, replacement in fresh.items():
        body["detail"] = body["detail"].replace(real, replacement)
    body.pop("request_id")
    missing.pop("request_id")
    assert body == missing


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=str)
def test_the_tenants_own_key_reaches_every_object(world, member, endpoint):
    """The other side of the 404s above: the same requests succeed in the right tenant."""
    response = endpoint.call(client_of(member), world)

    assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])


def test_another_tenants_writes_change_nothing_in_the_tenant(world, member, outsider):
    client = client_of(outsider)
    mine = client_of(member)
    seen_before = {path: mine.get(path.format(**vars(world))).json() for path in (
        "executions/{execution}", "executions/{failed}", "rules/{rule}", "rules/{spare_rule}",
        "executions/{execution}/events", "executions/{failed}/events",
    )}

    for endpoint in WRITES:
        endpoint.call(client, world)

    for path, body in seen_before.items():
        assert mine.get(path.format(**vars(world))).json() == body, path


def test_another_tenants_lists_never_show_the_tenants_objects(world, tenant, rule, outsider, other_tenant):
    theirs_rule = make_rule(tenant=other_tenant, trigger="order.created")
    theirs = make_execution(tenant=other_tenant, rule=theirs_rule, status="failed", external_ref="order-1",
                            triggered_by="shop")
    client = client_of(outsider)

    def listed(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, response.content
        return [item.get("execution_id") or item.get("id") for item in response.json()["data"]]

    assert listed("executions") == [str(theirs.pk)]
    assert listed("executions?status=pending,failed") == [str(theirs.pk)]
    assert listed("executions?external_ref=order-1") == [str(theirs.pk)]
    assert listed("executions?triggered_by=shop") == [str(theirs.pk)]
    assert listed(f"executions?automation_rule_id={rule.pk}") == []
    assert listed("rules") == [str(theirs_rule.pk)]
    assert listed("rules?trigger=order.created") == [str(theirs_rule.pk)]
    assert listed("rules?trigger=order.refunded") == []
    assert listed(f"rules/{theirs_rule.pk}/executions") == [str(theirs.pk)]


def test_a_cursor_from_one_tenant_shows_another_nothing(world, tenant, rule, member, outsider):
    for _ in range(3):
        make_execution(tenant=tenant, rule=rule)
    next_page = client_of(member).get("executions?page_size=1").json()["pagination"]["next"]

    response = client_of(outsider).get(next_page)

    assert response.status_code == 200
    assert response.json()["data"] == []


def test_starting_an_execution_of_another_tenants_rule_is_400_like_a_missing_rule(world, rule, outsider):
    client = client_of(outsider)
    before = snapshot()

    foreign = assert_problem(client.post("executions", {"automation_rule_id": str(rule.pk), "trigger_data": {}}),
                             400)
    missing = assert_problem(client.post("executions", {"automation_rule_id": str(uuid.uuid4()),
                                                        "trigger_data": {}}), 400)

    assert "automation_rule_id" in foreign["errors"]
    assert {k: foreign[k] for k in ("type", "title", "detail", "errors")} == {
        k: missing[k] for k in ("type", "title", "detail", "errors")}
    assert snapshot() == before


def test_what_another_tenants_key_makes_stays_in_that_tenant(world, member, outsider, other_tenant):
    client = client_of(outsider)
    made_rule = client.post("rules", {"name": "Theirs", "trigger": "t"}).json()["data"]["id"]
    made = client.post("executions", {"automation_rule_id": made_rule, "trigger_data": {}}).json()["data"]

    assert made["tenant"] == str(other_tenant.pk)
    mine = client_of(member)
    assert made_rule not in [r["id"] for r in mine.get("rules").json()["data"]]
    assert made["execution_id"] not in [e["execution_id"] for e in mine.get("executions").json()["data"]]
    assert_problem(mine.get(f"rules/{made_rule}"), 404)
    assert_problem(mine.get(f"executions/{made['execution_id']}"), 404)


# Roles: 403 for a role without the permission, before anything is read or written


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ["viewer", "writer", "operator", "admin"])
def test_each_role_reaches_exactly_what_its_permissions_allow(world, tenant, role, endpoint):
    client = client_of(make_key(tenant=tenant, role=role, username=f"{role}-user"))
    before = snapshot()

    response = endpoint.call(client, world)

    if endpoint.permission in ROLE_PERMISSIONS[role]:
        assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])
        assert (snapshot() != before) == (endpoint.method != "GET")
    else:
        body = assert_problem(response, 403)
        assert f"automation:{endpoint.permission}" in body["detail"]
        assert snapshot() == before


@pytest.mark.parametrize(("role", "endpoint"), [
    ("viewer", Endpoint("PATCH", "executions/{missing}", "write", {"status": "bogus"})),
    ("viewer", Endpoint("POST", "rules", "write", {"name": 5})),
    ("viewer", Endpoint("POST", "executions/{missing}/logs", "write", {"entries": []})),
    ("operator", Endpoint("DELETE", "rules/{missing}", "write")),
    ("operator", Endpoint("POST", "executions", "write", {"colour": "red"})),
    ("writer", Endpoint("POST", "executions/{missing}/retry", "execute")),
    ("writer", Endpoint("POST", "executions/{missing}/cancel", "execute", {"reason": 5})),
], ids=lambda value: str(value))
def test_403_comes_before_404_and_before_a_bad_body(tenant, role, endpoint):
    client = client_of(make_key(tenant=tenant, role=role, username=f"{role}-user"))
    world = SimpleNamespace(missing=uuid.uuid4())

    assert_problem(endpoint.call(client, world), 403)


def test_a_user_with_no_role_in_the_keys_tenant_is_403_everywhere(world, tenant):
    issued = make_key(tenant=tenant, role="admin", username="ghost")
    RoleAssignment.objects.filter(user__username="ghost").delete()
    client = client_of(issued)

    for endpoint in ENDPOINTS:
        assert_problem(endpoint.call(client, world), 403)


def test_naming_another_tenant_in_x_tenant_id_is_403_whether_it_exists_or_not(world, member, other_tenant,
                                                                              tenant):
    client = client_of(member)

    existing = assert_problem(client.get("executions", HTTP_X_TENANT_ID=str(other_tenant.pk)), 403)
    absent = assert_problem(client.get("executions", HTTP_X_TENANT_ID=str(uuid.uuid4())), 403)

    assert {k: v for k, v in existing.items() if k != "request_id"} == {
        k: v for k, v in absent.items() if k != "request_id"}
    assert client.get("executions", HTTP_X_TENANT_ID=str(tenant.pk)).status_code == 200
    assert client.get("executions", HTTP_X_TENANT_ID=str(tenant.pk).upper()).status_code == 200
