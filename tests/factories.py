"""Plain factory functions for the tests."""

import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from executions import services
from executions.models import AutomationRule, Execution
from rbac.services import IssuedKey, api_key_create, role_get
from tenants.models import Tenant

API = "/api/v1/automation"


def make_tenant(*, name: str = "Acme", slug: str | None = None) -> Tenant:
    return Tenant.objects.create(name=name, slug=slug or name.lower())


def make_key(*, tenant: Tenant, role: str = "admin", username: str = "alice", **options) -> IssuedKey:
    return api_key_create(username=username, tenant=tenant, role=role_get(name=role), **options)


def make_rule(*, tenant: Tenant, **overrides) -> AutomationRule:
    fields = {"name": "Notify on order", "trigger": "order.created",
              "actions": [{"type": "email"}, {"type": "http"}, {"type": "slack"}], "timeout_seconds": 3600}
    fields.update(overrides)
    return services.rule_create(tenant_id=tenant.pk, **fields)


def make_execution(*, tenant: Tenant, rule: AutomationRule | None = None, status: str = "pending",
                   actor: str = "system", **overrides) -> Execution:
    """An execution moved through the lifecycle, by services, to `status`."""
    rule = rule or make_rule(tenant=tenant)
    fields = {"trigger_data": {"order_id": 42}}
    fields.update(overrides)
    execution, _ = services.execution_start(tenant_id=tenant.pk, actor=actor, automation_rule_id=rule.pk, **fields)
    path = {
        "pending": [], "running": ["running"], "waiting": ["running", "waiting"],
        "completed": ["running", "completed"],
        "failed": ["running", "failed"], "timeout": ["running", "timeout"], "cancelled": ["cancelled"],
        "skipped": ["skipped"],
    }[status]
    for step in path:
        execution = services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor=actor,
                                              changes={"status": step})
    return execution


def add_steps(execution: Execution, count: int) -> None:
    for index in range(count):
        services.step_create(tenant_id=execution.tenant_id, execution_id=execution.pk, key=f"step-{index}",
                             name=f"Step {index}", type="http", status="completed" if index % 2 else "pending")


def add_logs(execution: Execution, count: int, batch: int = 1000) -> None:
    base = timezone.now()
    for start in range(0, count, batch):
        entries = [{"message": f"line {n}", "level": "info", "timestamp": base + timedelta(milliseconds=n)}
                   for n in range(start, min(count, start + batch))]
        services.logs_append(tenant_id=execution.tenant_id, execution_id=execution.pk, entries=entries)


class ApiClient(Client):
    """Django's test client with an API key, JSON bodies, and paths relative to the API root."""

    def __init__(self, key: str | None, **defaults):
        headers = {"HTTP_X_API_KEY": key} if key else {}
        super().__init__(**headers, **defaults)

    @staticmethod
    def _path(path: str) -> str:
        return path if path.startswith(("/", "http")) else f"{API}/{path}"

    def get(self, path, data=None, **extra):
        return super().get(self._path(path), data, **extra)

    def post(self, path, data=None, **extra):
        body = "" if data is None else (data if isinstance(data, (str, bytes)) else json.dumps(data))
        return super().post(self._path(path), body, content_type=extra.pop("content_type", "application/json"),
                            **extra)

    def patch(self, path, data=None, **extra):
        body = "" if data is None else (data if isinstance(data, (str, bytes)) else json.dumps(data))
        return super().patch(self._path(path), body, content_type=extra.pop("content_type", "application/json"),
                             **extra)

    def delete(self, path, data=None, **extra):
        return super().delete(self._path(path), **extra)


def assert_problem(response, status: int) -> dict:
    """Asserts an RFC 9457 problem of `status` and returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "request_id"} <= set(body)
    assert body["status"] == status
    assert body["request_id"] == response["X-Request-ID"]
    assert body["type"].startswith("urn:problem-type:execution-tracking:")
    return body


# Reading over the API, as a client does; each asserts the 2xx it expects.


def start(api, rule, **fields) -> dict:
    """POSTs an execution of `rule` and returns its body."""
    body = {"automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 1}, **fields}
    response = api.post("executions", body)
    assert response.status_code == 201, response.content
    return response.json()["data"]


def detail(api, execution_id, **query) -> dict:
    """GET of one execution (with `query`, such as expand="rule")."""
    response = api.get(f"executions/{execution_id}", query)
    assert response.status_code == 200, response.content[:300]
    return response.json()["data"]


def events(api, execution_id) -> list[dict]:
    response = api.get(f"executions/{execution_id}/events")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def run(*args) -> str:
    """A management command as an operator runs it (call_command); what it printed on stdout."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()
