import io

from django.core.management import call_command


def test_openapi_schema_is_valid_and_has_no_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"/api/v1/automation/executions/{id}"' in out.getvalue()


def test_every_contract_endpoint_is_documented(db, client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    root = "/api/v1/automation"
    expected = {
        f"{root}/executions": {"get", "post"},
        f"{root}/executions/{{id}}": {"get", "patch"},
        f"{root}/executions/{{id}}/retry": {"post"},
        f"{root}/executions/{{id}}/cancel": {"post"},
        f"{root}/executions/{{id}}/events": {"get"},
        f"{root}/executions/{{execution_id}}/steps": {"get", "post"},
        f"{root}/executions/{{execution_id}}/steps/{{key}}": {"get", "patch"},
        f"{root}/executions/{{execution_id}}/logs": {"get", "post"},
        f"{root}/rules": {"get", "post"},
        f"{root}/rules/{{id}}": {"get", "patch", "delete"},
        f"{root}/rules/{{rule_id}}/executions": {"get"},
        f"{root}/rules/{{rule_id}}/executions/{{id}}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
        for method in methods:
            responses = paths[path][method]["responses"]
            assert "401" in responses and "403" in responses, (path, method)
