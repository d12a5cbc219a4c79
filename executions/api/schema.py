"""OpenAPI pieces shared by the views: envelopes, problem responses, common parameters."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer, inline_serializer
from rest_framework import serializers

from config.fields import MAX_INT
from executions.api import serializers as bodies
from executions.api.filters import BooleanFilter, UuidFilter

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A stable URI per kind of error (see the API description).")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    request_id = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Validation errors: field path (such as entries.3.message) -> messages.",
    )


# Component names as a client reads them (a generated SDK names its classes after them); requests
# get "Request" appended, and "Patched" prepended for a PATCH.
COMPONENT_NAMES = {
    bodies.ApiRootOutputSerializer: "ApiRoot",
    bodies.ExecutionOutputSerializer: "Execution",
    bodies.ExecutionItemOutputSerializer: "ExecutionItem",
    bodies.StepOutputSerializer: "Step",
    bodies.LogOutputSerializer: "LogLine",
    bodies.EventOutputSerializer: "Event",
    bodies.RuleOutputSerializer: "Rule",
    bodies.LogsAppendedOutputSerializer: "LogsAppended",
    bodies.ExecutionStartInputSerializer: "ExecutionStart",
    bodies.ExecutionReportInputSerializer: "ExecutionReport",
    bodies.StepCreateInputSerializer: "StepCreate",
    bodies.StepUpdateInputSerializer: "StepUpdate",
    bodies.LogsAppendInputSerializer: "LogsAppend",
    bodies.LogEntryInputSerializer: "LogEntry",
    bodies.CancelInputSerializer: "Cancel",
    bodies.RuleInputSerializer: "RuleInput",
}
for serializer_class, component_name in COMPONENT_NAMES.items():
    extend_schema_serializer(component_name=component_name)(serializer_class)


class PaginationSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


def _name(serializer_class, *, many: bool = False) -> str:
    return COMPONENT_NAMES[serializer_class] + ("List" if many else "")


_inline: dict[str, serializers.Serializer] = {}


def _once(name: str, fields) -> serializers.Serializer:
    # One serializer per component name: the schema refuses two of the same name.
    if name not in _inline:
        _inline[name] = inline_serializer(name=name, fields=fields())
    return _inline[name]


def enveloped(serializer_class, *, many: bool = False):
    """`{"data": <one object>}`, or `{"data": [...]}` with `many`: a named component.

    The field must be a serializer *instance*: a class given as a field is silently dropped by
    DRF's field collection, which left every single-object answer without a documented body."""
    envelope = _once(f"{_name(serializer_class, many=many)}Envelope",
                     lambda: {"data": serializer_class(many=many)})
    # One envelope object also where the action is a list (GET /steps): never an array of them.
    extend_schema_serializer(many=False)(type(envelope))
    return envelope


def paged(serializer_class):
    page = _once(f"{_name(serializer_class)}Page",
                 lambda: {"data": serializer_class(many=True), "pagination": PaginationSerializer()})
    # A list action's body is one page object, not an array of them.
    extend_schema_serializer(many=False)(type(page))
    return page


FILTER_TYPES = (
    (django_filters.IsoDateTimeFilter, OpenApiTypes.DATETIME),
    (django_filters.NumberFilter, OpenApiTypes.INT),
    (UuidFilter, OpenApiTypes.UUID),
    (BooleanFilter, OpenApiTypes.BOOL),
)


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The query parameters of a StrictFilterSet, for the schema."""
    parameters = []
    for name, field in filterset_class.base_filters.items():
        if field is None:
            continue
        choices = [value for value, _ in getattr(field, "extra", {}).get("choices", [])] or None
        many = name in filterset_class.multi_value
        description = "Repeatable or comma-separated." if many else ""
        kind = next((kind for cls, kind in FILTER_TYPES if isinstance(field, cls)), OpenApiTypes.STR)
        if kind == OpenApiTypes.INT:
            kind = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
        # A repeatable filter is an array, so that generated clients can send several values.
        parameters.append(OpenApiParameter(name, kind, enum=choices, many=many or None, description=description))
    return parameters


ERROR_WHEN = {
    400: "Malformed id, header, query parameter or body (see `errors`).",
    401: "Key missing, unknown, revoked, expired, over its usage limit, or its user inactive.",
    403: "x-tenant-id names another tenant, the user has no role in the key's tenant, or the role "
         "lacks the permission.",
    404: "No such object in the key's tenant.",
    409: "The request conflicts with the current state; `detail` says what to do instead.",
    413: "The body is over MAX_BODY_BYTES.",
    429: "The key's request rate is over THROTTLE_RATE; see Retry-After.",
}


def read_errors(*codes: int) -> dict:
    """The answers of a GET besides its 200: 304, and the problems of `codes`."""
    return {304: NOT_MODIFIED, **errors(*codes)}


def errors(*codes: int) -> dict:
    return {
        (code, PROBLEM_MEDIA_TYPE): OpenApiResponse(ProblemSerializer, description=ERROR_WHEN[code])
        for code in codes
    }


PAGE_SIZE = OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 200},
                             description="1 to 200; default 50.")
PAGE_SIZE_LOGS = OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 1000},
                                  description="1 to 1000; default 200.")
CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="From pagination.next or .previous.")
EXPAND = OpenApiParameter("expand", OpenApiTypes.STR, enum=["rule"], description="Embed the rule.")
# Every GET answer carries an ETag (a strong validator of its body); If-None-Match naming it is 304.
CACHING = [
    OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="An ETag of an earlier answer: 304 with no body while the body is the same."),
    OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                     description="A strong validator of the body."),
]
NOT_MODIFIED = OpenApiResponse(description="The body is the one If-None-Match names; no body.")
FIELDS = OpenApiParameter(
    "fields", {"type": "string", "minLength": 1}, explode=False,
    description="Comma-separated top-level fields to answer (plus `_links`); an unknown name is 400. Such "
                "an answer holds only those fields of the documented body.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255}, OpenApiParameter.HEADER,
    description="The same as idempotency_key in the body; both given and different is 400.",
)
