"""The served OpenAPI schema describes what the server really answers: every success answer has a
body schema, and the bodies of a walk through every operation (successes and errors) validate
against it with openapi-core, so that bodies.py and the schema cannot drift apart."""

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.response.exceptions import DataValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from rbac.services import role_create
from tests.factories import API, ApiClient, assert_problem, make_key

OPERATIONS = {
    "get_api_root", "list_executions", "start_execution", "get_execution", "update_execution", "retry_execution",
    "cancel_execution", "list_execution_events", "list_steps", "add_step", "get_step", "update_step",
    "list_logs", "append_logs", "list_rules", "create_rule", "get_rule", "update_rule", "delete_rule",
    "list_rule_executions", "get_rule_execution", "list_failures", "bulk_retry_executions", "bulk_cancel_executions",
    "list_webhooks", "create_webhook", "get_webhook", "update_webhook", "delete_webhook", "rotate_webhook_secret",
    "ping_webhook", "list_webhook_deliveries", "get_webhook_delivery", "redeliver_webhook_delivery",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_success_answer_but_204_documents_a_json_body(schema):
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("2") and code != "204":
                body = response.get("content", {}).get("application/json", {}).get("schema")
                assert body is not None, f"{method.upper()} {path} {code} documents no body"
                assert "$ref" in body, f"{method.upper()} {path} {code}: the body is not a named component"


def test_operations_have_readable_ids_and_each_path_id_one_name(schema):
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert sorted(ids) == sorted(OPERATIONS)
    for path, _, operation in _operations(schema):
        names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert names <= {"execution_id", "rule_id", "step_key", "webhook_id", "delivery_id"}, path
        if "/rules/" in path:
            assert "rule_id" in names, path
        if "/executions/" in path and not path.endswith(("/bulk-retry", "/bulk-cancel")):
            assert "execution_id" in names, path


# The walk


@dataclass
class _Request:
    """The request of a test-client answer, in the shape openapi-core reads."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str = "application/json"
    body: bytes | None = None


@dataclass
class _Response:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers = field(default_factory=Headers)


class ValidatingClient(ApiClient):
    """Validates every answer against the schema; keeps the (operation id, status) pairs seen."""

    def __init__(self, key, openapi: OpenAPI, seen: set, schema: dict | None = None, **defaults):
        super().__init__(key, **defaults)
        self.openapi, self.seen, self.schema = openapi, seen, schema

    def request(self, **request):
        response = super().request(**request)
        wsgi = response.wsgi_request
        # Routes take an optional trailing slash; the schema writes paths without one.
        path = wsgi.path.rstrip("/")
        openapi_request = _Request(
            host_url="http://testserver", path=path, method=wsgi.method.lower(),
            parameters=RequestParameters(query=ImmutableMultiDict(list(wsgi.GET.lists())),
                                         header=Headers(list(wsgi.headers.items()))),
        )
        openapi_response = _Response(response.status_code, response.content,
                                     response.get("Content-Type", ""), Headers(list(response.headers.items())))
        self.openapi.validate_response(openapi_request, openapi_response)
        operation = APICallPathFinder(self.openapi.spec).find(openapi_request.method, f"http://testserver{path}")
        self.seen.add((operation.operation["operationId"], response.status_code))
        documented = self._body_schema(operation.operation["operationId"], response)
        if documented is not None and "fields" not in wsgi.GET:  # fields= answers only those asked
            # Field by field, nested objects too: nothing undocumented, nothing required missing.
            _same_fields(self.schema, response.json(), documented, operation.operation["operationId"])
        return response

    def _body_schema(self, operation_id: str, response) -> dict | None:
        if self.schema is None or not response.content:
            return None
        for operations in self.schema["paths"].values():
            for operation in operations.values():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    answer = operation["responses"].get(str(response.status_code), {})
                    media = response["Content-Type"].split(";")[0]
                    return answer.get("content", {}).get(media, {}).get("schema")
        return None


@pytest.fixture
def openapi(schema):
    # Problems are JSON too; openapi-core decodes only application/json by itself.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(schema, config=config)


def test_a_walk_through_every_operation_answers_what_the_schema_documents(
    openapi, schema, tenant, other_tenant, member, settings
):
    seen: set = set()
    api = ValidatingClient(member.key, openapi, seen, schema)
    viewer = ValidatingClient(make_key(tenant=tenant, role="viewer", username="victor").key, openapi, seen, schema)
    anonymous = ValidatingClient(None, openapi, seen, schema)
    role_create(name="nothing", permissions=[])
    nobody = ValidatingClient(make_key(tenant=tenant, role="nothing", username="nemo").key, openapi, seen, schema)
    missing = uuid.uuid4()

    # The root
    assert api.get(API).status_code == 200
    assert_problem(anonymous.get(API), 401)
    assert_problem(api.get(API, {"colour": "red"}), 400)

    # Rules
    rule = api.post("rules", {"name": "Notify", "trigger": "order.created", "actions": [{"type": "email"}]})
    assert rule.status_code == 201
    rule_id = rule.json()["data"]["id"]
    assert_problem(api.post("rules", {"name": "No trigger"}), 400)
    assert_problem(anonymous.post("rules", {"name": "x", "trigger": "y"}), 401)
    assert_problem(viewer.post("rules", {"name": "x", "trigger": "y"}), 403)
    assert api.get("rules", {"trigger": "order.created", "page_size": 1}).status_code == 200
    assert_problem(api.get("rules", {"colour": "red"}), 400)
    assert api.get(f"rules/{rule_id}").status_code == 200
    assert_problem(api.get(f"rules/{missing}"), 404)
    assert_problem(api.get("rules/not-a-uuid"), 400)
    assert_problem(nobody.get(f"rules/{rule_id}"), 403)
    assert api.patch(f"rules/{rule_id}", {"description": "Mails the customer"}).status_code == 200
    assert_problem(api.patch(f"rules/{rule_id}", {"timeout_seconds": 0}), 400)
    spare = api.post("rules", {"name": "Spare", "trigger": "spare"}).json()["data"]["id"]
    assert api.delete(f"rules/{spare}").status_code == 204
    assert_problem(api.delete(f"rules/{spare}"), 404)

    # Executions
    start = {"automation_rule_id": rule_id, "trigger_data": {"order": 42}, "external_ref": "order-42"}
    created = api.post("executions", start, HTTP_IDEMPOTENCY_KEY="order-42")
    assert created.status_code == 201
    execution_id = created.json()["data"]["execution_id"]
    assert api.post("executions", start, HTTP_IDEMPOTENCY_KEY="order-42").status_code == 200
    assert_problem(api.post("executions", {**start, "trigger_data": {}}, HTTP_IDEMPOTENCY_KEY="order-42"), 409)
    assert_problem(api.post("executions", {"automation_rule_id": rule_id}), 400)
    settings.MAX_BODY_BYTES = 64
    assert_problem(api.post("executions", {**start, "trigger_data": {"pad": "x" * 100}}), 413)
    settings.MAX_BODY_BYTES = 8 * 1024 * 1024
    assert_problem(api.delete(f"rules/{rule_id}"), 409)
    for _ in range(2):
        api.post("executions", {"automation_rule_id": rule_id, "trigger_data": {}})
    first = api.get("executions", {"page_size": 2, "status": "pending,running"})
    assert first.status_code == 200 and first.json()["pagination"]["next"]
    assert api.get(first.json()["pagination"]["next"]).status_code == 200
    assert_problem(api.get("executions", {"status": "lost"}), 400)
    read = api.get(f"executions/{execution_id}", {"expand": "rule"})
    assert read.status_code == 200
    assert api.get(f"executions/{execution_id}", {"expand": "rule"}, HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    assert_problem(api.get(f"executions/{missing}"), 404)
    assert_problem(api.get(f"executions/{execution_id}", HTTP_X_TENANT_ID=str(other_tenant.pk)), 403)

    report = {"status": "running", "actions_total": 2, "actions_successful": 1}
    assert api.patch(f"executions/{execution_id}", report).status_code == 200
    assert_problem(api.patch(f"executions/{execution_id}", {"actions_successful": 3}), 400)
    assert_problem(api.patch(f"executions/{execution_id}", {"status": "pending"}), 409)

    # Steps and log lines
    step = {"key": "send-mail", "name": "Send the mail", "type": "email", "status": "running"}
    assert api.post(f"executions/{execution_id}/steps", step).status_code == 201
    assert_problem(api.post(f"executions/{execution_id}/steps", step), 409)
    assert_problem(api.post(f"executions/{execution_id}/steps", {"key": "bad key"}), 400)
    assert api.get(f"executions/{execution_id}/steps").status_code == 200
    assert_problem(api.get(f"executions/{missing}/steps"), 404)
    assert api.get(f"executions/{execution_id}/steps/send-mail").status_code == 200
    assert_problem(api.get(f"executions/{execution_id}/steps/no-such-step"), 404)
    done = {"status": "completed", "output": {"message_id": "m-1"}}
    assert api.patch(f"executions/{execution_id}/steps/send-mail", done).status_code == 200
    assert_problem(api.patch(f"executions/{execution_id}/steps/send-mail", {"status": "running"}), 409)
    lines = {"entries": [{"message": f"line {n}", "level": "info", "metadata": {"n": n}} for n in range(3)]}
    assert api.post(f"executions/{execution_id}/logs", lines).status_code == 201
    assert_problem(api.post(f"executions/{execution_id}/logs", {"entries": []}), 400)
    page = api.get(f"executions/{execution_id}/logs", {"page_size": 2})
    assert page.status_code == 200 and page.json()["pagination"]["next"]
    assert api.get(f"executions/{execution_id}/logs", {"after": 1, "level": "info"}).status_code == 200
    assert_problem(api.get(f"executions/{missing}/logs"), 404)

    # Final moves, events, retries and cancels
    failed = {"status": "failed", "error_message": "SMTP 451", "failed_action_index": 1}
    assert api.patch(f"executions/{execution_id}", failed).status_code == 200
    assert_problem(api.post(f"executions/{execution_id}/steps", {"key": "late"}), 409)
    assert api.get(f"executions/{execution_id}/events").status_code == 200
    assert_problem(api.get(f"executions/{missing}/events"), 404)
    assert_problem(viewer.post(f"executions/{execution_id}/retry"), 403)
    retried = api.post(f"executions/{execution_id}/retry", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert retried.status_code == 201
    assert api.post(f"executions/{execution_id}/retry", HTTP_IDEMPOTENCY_KEY="retry-1").status_code == 200
    assert_problem(api.post(f"executions/{execution_id}/retry", HTTP_IDEMPOTENCY_KEY="retry-2"), 409)
    attempt = retried.json()["data"]["execution_id"]
    assert api.post(f"executions/{attempt}/cancel", {"reason": "Customer withdrew"}).status_code == 200
    assert_problem(api.post(f"executions/{attempt}/cancel"), 409)
    assert_problem(api.post(f"executions/{missing}/cancel"), 404)

    # Failure groups and bulk actions
    assert api.get("failures").json()["data"][0]["count"] == 1
    assert_problem(api.get("failures", {"since": "soon"}), 400)
    assert api.post("executions/bulk-retry", {"filter": {"status": "failed"}, "dry_run": True}).status_code == 200
    assert_problem(viewer.post("executions/bulk-retry", {"filter": {"status": "failed"}}), 403)
    assert api.post("executions/bulk-cancel", {"filter": {"status": "waiting"}, "reason": "moved"}).status_code == 200
    assert_problem(api.post("executions/bulk-cancel", {"filter": {}}), 400)

    # A rule's executions
    assert api.get(f"rules/{rule_id}/executions", {"status": "failed"}).status_code == 200
    assert_problem(api.get(f"rules/{missing}/executions"), 404)
    assert api.get(f"rules/{rule_id}/executions/{execution_id}").status_code == 200
    assert_problem(api.get(f"rules/{spare}/executions/{execution_id}"), 404)

    # Webhooks
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # nothing is sent: no worker runs here
    hook = api.post("webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["execution.failed"]})
    assert hook.status_code == 201
    hook_id = hook.json()["data"]["id"]
    assert_problem(api.post("webhooks", {"url": "ftp://example.com/", "events": ["*"]}), 400)
    assert api.get("webhooks", {"page_size": 1}).status_code == 200
    assert_problem(viewer.get("webhooks"), 403)
    assert api.get(f"webhooks/{hook_id}").status_code == 200
    assert_problem(api.get(f"webhooks/{missing}"), 404)
    assert api.patch(f"webhooks/{hook_id}", {"events": ["*"], "description": "all"}).status_code == 200
    assert_problem(api.patch(f"webhooks/{hook_id}", {"events": ["execution.exploded"]}), 400)
    assert api.post(f"webhooks/{hook_id}/rotate-secret").status_code == 200
    assert_problem(api.post(f"webhooks/{missing}/rotate-secret"), 404)
    ping = api.post(f"webhooks/{hook_id}/ping")
    assert ping.status_code == 202
    delivery_id = ping.json()["data"]["id"]
    assert_problem(api.post(f"webhooks/{missing}/ping"), 404)
    assert api.get(f"webhooks/{hook_id}/deliveries", {"status": "pending", "type": "webhook.ping"}).status_code == 200
    assert_problem(api.get(f"webhooks/{hook_id}/deliveries", {"status": "lost"}), 400)
    assert api.get(f"webhooks/{hook_id}/deliveries/{delivery_id}").status_code == 200
    assert_problem(api.get(f"webhooks/{hook_id}/deliveries/{missing}"), 404)
    assert api.post(f"webhooks/{hook_id}/deliveries/{delivery_id}/redeliver").status_code == 202
    assert_problem(api.post(f"webhooks/{hook_id}/deliveries/{missing}/redeliver"), 404)
    assert api.delete(f"webhooks/{hook_id}").status_code == 204
    assert_problem(api.delete(f"webhooks/{hook_id}"), 404)

    # Over the rate
    settings.THROTTLE_RATE = "1/day"
    busy = ValidatingClient(make_key(tenant=tenant, role="viewer", username="busy").key, openapi, seen, schema)
    assert busy.get(f"executions/{execution_id}").status_code == 200
    assert_problem(busy.get(f"executions/{execution_id}"), 429)

    assert {operation for operation, _ in seen} == OPERATIONS
    assert {200, 201, 204, 304, 400, 401, 403, 404, 409, 413, 429} <= {status for _, status in seen}
    for operation in OPERATIONS:  # every operation was seen succeeding and failing
        assert {status for op, status in seen if op == operation} & {200, 201, 202, 204}, operation
        assert {status for op, status in seen if op == operation} & {400, 403, 404, 409, 413, 429}, operation


def test_a_body_that_drifts_from_the_schema_fails_validation(openapi, api, tenant, rule):
    """The validation above can fail: a body missing a documented field is refused."""
    response = Client().get(f"{API}/rules/{rule.pk}", HTTP_X_API_KEY=api.defaults["HTTP_X_API_KEY"])
    body = response.json()
    del body["data"]["version"]
    request = _Request(host_url="http://testserver", path=f"{API}/rules/{rule.pk}", method="get",
                       parameters=RequestParameters())
    drifted = _Response(200, json.dumps(body).encode(), "application/json")
    with pytest.raises(DataValidationError):
        openapi.validate_response(request, drifted)


# Field by field: the bodies the database builds (executions/api/documents.py) hold exactly the
# fields their schema components list, for executions in every status and shape.


def _component(schema: dict, node: dict) -> dict:
    while "$ref" in node or "anyOf" in node:
        node = node["anyOf"][0] if "anyOf" in node else schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _same_fields(schema: dict, body, node: dict, path: str) -> None:
    node = _component(schema, node)
    if body is None:
        return
    if node.get("type") == "array":
        for index, item in enumerate(body):
            _same_fields(schema, item, node["items"], f"{path}.{index}")
        return
    if node.get("type") != "object" or "properties" not in node:
        return
    properties, required = node["properties"], set(node.get("required", ()))
    assert required <= set(body), f"{path}: missing {sorted(required - set(body))}"
    if node.get("additionalProperties") is not True:  # an action keeps whatever keys it is given
        assert set(body) <= set(properties), f"{path}: undocumented {sorted(set(body) - set(properties))}"
    for name, value in body.items():
        if isinstance(value, dict | list) and "additionalProperties" not in _component(schema, properties[name]):
            _same_fields(schema, value, properties[name], f"{path}.{name}")


@pytest.mark.parametrize("status", ["pending", "running", "waiting", "completed", "failed", "cancelled", "timeout",
                                    "skipped"])
def test_every_execution_body_holds_exactly_the_documented_fields(schema, api, tenant, rule, settings, status):
    from executions import services
    from tests.factories import add_logs, add_steps, make_execution

    settings.EXECUTION_LOG_LIMIT = 3
    empty = make_execution(tenant=tenant, rule=rule, status=status)
    full = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(full, 3)
    add_logs(full, 5)  # more than the limit: truncated
    changes = {"status": status} if status not in ("running", "pending", "skipped") else {}
    if status == "failed":
        changes.update(error_message="SMTP 451", failed_action_index=0)
    if changes:
        services.execution_report(tenant_id=tenant.pk, execution_id=full.pk, actor="system", changes=changes)

    paths = schema["paths"]
    detail = paths["/api/v1/automation/executions/{execution_id}"]["get"]["responses"]["200"]
    listed = paths["/api/v1/automation/executions"]["get"]["responses"]["200"]
    events = paths["/api/v1/automation/executions/{execution_id}/events"]["get"]["responses"]["200"]
    logs = paths["/api/v1/automation/executions/{execution_id}/logs"]["get"]["responses"]["200"]
    for execution in (empty, full):
        for query in ({}, {"expand": "rule"}):
            body = api.get(f"executions/{execution.pk}", query).json()
            _same_fields(schema, body, detail["content"]["application/json"]["schema"], "detail")
        _same_fields(schema, api.get(f"executions/{execution.pk}/events").json(),
                     events["content"]["application/json"]["schema"], "events")
        _same_fields(schema, api.get(f"executions/{execution.pk}/logs").json(),
                     logs["content"]["application/json"]["schema"], "logs")
    assert api.get(f"executions/{full.pk}").json()["data"]["logs_truncated"] is True
    _same_fields(schema, api.get("executions").json(), listed["content"]["application/json"]["schema"], "list")


def test_every_example_in_the_schema_holds_exactly_the_fields_of_what_it_shows(schema):
    """The examples (executions/api/examples.py) are written by hand: they may not drift either."""
    shown = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            media = [*operation.get("requestBody", {}).get("content", {}).values(),
                     *(content for answer in operation["responses"].values()
                       for content in answer.get("content", {}).values())]
            for content in media:
                for name, example in content.get("examples", {}).items():
                    _same_fields(schema, example["value"], content["schema"], f"{method} {path} {name}")
                    shown += 1
    assert shown > 40
