"""Hooks that finish the OpenAPI schema: the description with every problem type, and the
x-tenant-id header on every API operation."""

from config.problems import KINDS, problem_type

CANONICAL_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

DESCRIPTION = """Records and serves runs of automation rules, per tenant.

Authenticate with `x-api-key: ak_<prefix>_<secret>`. `x-tenant-id` is optional: naming the key's own
tenant changes nothing, naming any other is 403. Success bodies are `{"data": ...}`; lists add
`pagination` with cursor links. Errors are RFC 9457 problem details (`application/problem+json`) with
`type`, `title`, `status`, `detail`, `request_id`, and `errors` for validation errors.
Every answer to a valid key carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
(seconds to the end of the window); a 429 adds `Retry-After`.

Problem types:

"""


# Ids in paths are canonical UUIDs (anything else is 400); step keys follow their pattern.
UUID_SCHEMA = {"type": "string", "format": "uuid"}
PATH_SCHEMAS = {
    "execution_id": UUID_SCHEMA,
    "rule_id": UUID_SCHEMA,
    "step_key": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"},
}


def only_public_paths(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def describe_problems(result, generator, request, public):
    rows = "\n".join(f"- `{problem_type(kind)}`: {status} {title}" for kind, (status, title) in KINDS.items())
    result["info"]["description"] = DESCRIPTION + rows
    tenant_header = {
        "in": "header", "name": "x-tenant-id", "required": False,
        # A pattern, not format: uuid, so that generated clients take the id as a string (a header
        # value) and send it as given.
        "schema": {"type": "string", "pattern": CANONICAL_UUID_PATTERN},
        "description": "The key's own tenant, as a canonical UUID (optional); any other is 403.",
    }
    # Routes accept an optional trailing slash; the contract writes paths without one.
    result["paths"] = {path.rstrip("/"): operations for path, operations in result.get("paths", {}).items()}
    for operations in result["paths"].values():
        for operation in operations.values():
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                if parameter["in"] == "path":
                    parameter["schema"] = PATH_SCHEMAS[parameter["name"]]
                elif parameter["in"] == "query" and parameter["schema"].get("type") == "string":
                    parameter["schema"]["minLength"] = 1  # an empty value is 400
            parameters.append(tenant_header)
    # Request bodies refuse fields they do not know (a misspelt field is never dropped).
    for name, component in result.get("components", {}).get("schemas", {}).items():
        # (An action keeps whatever keys the engine gives it besides its type.)
        if name.endswith("Request") and name != "ActionRequest" and component.get("type") == "object":
            component["additionalProperties"] = False
    _nullable_references(result["components"])
    entries = result["components"]["schemas"].get("LogsAppendRequest", {}).get("properties", {}).get("entries")
    if entries is not None:
        entries.update(minItems=1, maxItems=1000)
    return result


def _nullable_references(node) -> None:
    """`{"allOf": [{"$ref": X}], "nullable": true}` (how a nullable nested serializer is written)
    admits no null under OpenAPI 3.0.3, whose `nullable` does not reach into `allOf`: validators
    refuse the null that the server sends. Written as "X, or the null object" instead."""
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if node.get("nullable") is True and isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
            del node["allOf"], node["nullable"]
            node["anyOf"] = [all_of[0], {"type": "object", "nullable": True, "enum": [None]}]
        for value in node.values():
            _nullable_references(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_references(value)
