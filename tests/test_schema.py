import io

from django.core.management import call_command


def test_openapi_schema_is_valid_and_has_no_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"/api/v1/automation/executions/{execution_id}"' in out.getvalue()


def test_every_contract_endpoint_is_documented(db, client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    root = "/api/v1/automation"
    expected = {
        f"{root}/executions": {"get", "post"},
        f"{root}/executions/{{execution_id}}": {"get", "patch"},
        f"{root}/executions/{{execution_id}}/retry": {"post"},
        f"{root}/executions/{{execution_id}}/cancel": {"post"},
        f"{root}/executions/{{execution_id}}/events": {"get"},
        f"{root}/executions/{{execution_id}}/steps": {"get", "post"},
        f"{root}/executions/{{execution_id}}/steps/{{step_key}}": {"get", "patch"},
        f"{root}/executions/{{execution_id}}/logs": {"get", "post"},
        f"{root}/rules": {"get", "post"},
        f"{root}/rules/{{rule_id}}": {"get", "patch", "delete"},
        f"{root}/rules/{{rule_id}}/executions": {"get"},
        f"{root}/rules/{{rule_id}}/executions/{{execution_id}}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
        for method in methods:
            responses = paths[path][method]["responses"]
            assert "401" in responses and "403" in responses, (path, method)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_list_bodies_are_documented_as_one_page_object_not_an_array(db, client):
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/v1/automation/executions", "/api/v1/automation/rules",
                 "/api/v1/automation/executions/{execution_id}/logs"):
        body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        page = _resolve(schema, body)
        assert page.get("type") == "object", path
        assert {"data", "pagination"} <= set(page["properties"]), path
    steps = schema["paths"]["/api/v1/automation/executions/{execution_id}/steps"]["get"]["responses"]["200"]
    envelope = _resolve(schema, steps["content"]["application/json"]["schema"])
    assert envelope["properties"]["data"]["type"] == "array"


def test_ids_in_paths_are_documented_as_uuids_and_bodies_refuse_unknown_fields(db, client):
    schema = client.get("/api/schema/?format=json").json()
    detail = schema["paths"]["/api/v1/automation/executions/{execution_id}"]["get"]["parameters"]
    assert {"in": "path", "name": "execution_id"}.items() <= next(p for p in detail if p["in"] == "path").items()
    assert next(p for p in detail if p["in"] == "path")["schema"]["format"] == "uuid"
    start = schema["components"]["schemas"]["ExecutionStartRequest"]
    assert start["additionalProperties"] is False
    assert start["properties"]["trigger_data"]["type"] == "object"
