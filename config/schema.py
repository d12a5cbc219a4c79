"""Hooks that finish the OpenAPI schema: the description with every problem type, and the
x-tenant-id header on every API operation."""

from config.problems import KINDS, problem_type

DESCRIPTION = """Records and serves runs of automation rules, per tenant.

Authenticate with `x-api-key: ak_<prefix>_<secret>`. `x-tenant-id` is optional: naming the key's own
tenant changes nothing, naming any other is 403. Success bodies are `{"data": ...}`; lists add
`pagination` with cursor links. Errors are RFC 9457 problem details (`application/problem+json`) with
`type`, `title`, `status`, `detail`, `request_id`, and `errors` for validation errors.

Problem types:

"""


def only_public_paths(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def describe_problems(result, generator, request, public):
    rows = "\n".join(f"- `{problem_type(kind)}`: {status} {title}" for kind, (status, title) in KINDS.items())
    result["info"]["description"] = DESCRIPTION + rows
    tenant_header = {
        "in": "header", "name": "x-tenant-id", "required": False,
        "schema": {"type": "string", "format": "uuid"},
        "description": "The key's own tenant (optional); any other is 403.",
    }
    # Routes accept an optional trailing slash; the contract writes paths without one.
    result["paths"] = {path.rstrip("/"): operations for path, operations in result.get("paths", {}).items()}
    for operations in result["paths"].values():
        for operation in operations.values():
            operation.setdefault("parameters", []).append(tenant_header)
    return result
