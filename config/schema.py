"""The API's OpenAPI: `ApiSchema` documents each action's parameters from what its viewset
declares (config/api.py: `path`, `inputs`), so the parser and the schema cannot disagree; the
hooks finish the document (the description with every problem type, the x-tenant-id header)."""

import django_filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from config.api import MAX_IDEMPOTENCY_KEY_LENGTH, NO_INPUTS
from config.fields import MAX_INT
from config.filters import BooleanFilter, UuidFilter
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


FILTER_TYPES = (
    (django_filters.IsoDateTimeFilter, OpenApiTypes.DATETIME),
    (django_filters.NumberFilter, OpenApiTypes.INT),
    (UuidFilter, OpenApiTypes.UUID),
    (BooleanFilter, OpenApiTypes.BOOL),
)


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The query parameters of a StrictFilterSet."""
    parameters = []
    for name in filterset_class.names():
        declared = filterset_class.base_filters[name]
        choices = [value for value, _ in getattr(declared, "extra", {}).get("choices", [])] or None
        many = name in filterset_class.multi_value
        kind = next((kind for cls, kind in FILTER_TYPES if isinstance(declared, cls)), OpenApiTypes.STR)
        if kind == OpenApiTypes.INT:
            kind = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
        # A repeatable filter is an array, so that generated clients can send several values.
        parameters.append(OpenApiParameter(name, kind, enum=choices, many=many or None,
                                           description="Repeatable or comma-separated." if many else ""))
    return parameters


# Every GET answer carries an ETag (a strong validator of its body); If-None-Match naming it is 304.
CACHING = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="An ETag of an earlier answer: 304 with no body while the body is the same."),
    OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                     description="A strong validator of the body."),
]
CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="From pagination.next or .previous.")
FIELDS = OpenApiParameter(
    "fields", {"type": "string", "minLength": 1}, explode=False,
    description="Comma-separated top-level fields to answer (plus `_links`); an unknown name is 400. Such "
                "an answer holds only those fields of the documented body.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH},
    OpenApiParameter.HEADER, description="The same as idempotency_key in the body; both given and different is 400.",
)


def input_parameters(inputs, method: str) -> list[OpenApiParameter]:
    """The parameters of an action from its declared Inputs (an @extend_schema parameter of the
    same name and place replaces one of these)."""
    parameters = list(CACHING) if method == "GET" else []
    if inputs.filters:
        parameters += filter_parameters(inputs.filters)
    if inputs.paging:
        bounds = inputs.paging
        parameters += [
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": bounds.maximum},
                             description=f"1 to {bounds.maximum}; default {bounds.default}."),
            CURSOR,
        ]
    if inputs.expand:
        parameters.append(OpenApiParameter("expand", OpenApiTypes.STR, enum=list(inputs.expand),
                                           description="Embed the rule."))
    if inputs.fields:
        parameters.append(FIELDS)
    if inputs.idempotency_key:
        parameters.append(IDEMPOTENCY_KEY)
    return parameters


class ApiSchema(AutoSchema):
    """Path ids and query parameters as the viewset declares and parses them."""

    def get_override_parameters(self):
        inputs = getattr(self.view, "inputs", {}).get(getattr(self.view, "action", None), NO_INPUTS)
        return [*input_parameters(inputs, self.method), *super().get_override_parameters()]

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        declared = getattr(self.view, "path", {})
        for parameter in parameters:
            if parameter["name"] in declared:
                parameter["schema"] = dict(declared[parameter["name"]].schema)
        return parameters


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
                if parameter["in"] == "query" and parameter["schema"].get("type") == "string":
                    parameter["schema"]["minLength"] = 1  # an empty value is 400
            parameters.append(tenant_header)
    # Request bodies refuse fields they do not know (a misspelt field is never dropped).
    for name, component in result.get("components", {}).get("schemas", {}).items():
        # (An action keeps whatever keys the engine gives it besides its type.)
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = name == "ActionRequest"
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
