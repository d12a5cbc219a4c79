"""The OpenAPI of the views: each operation's id, summary, body and answers (its parameters come
from what the viewset declares; see config/schema.py), the envelopes and the problem answers."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers

from executions.api import examples
from executions.api import serializers as bodies
from executions.api.examples import answer, sent

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
    bodies.BulkInputSerializer: "BulkRetry",
    bodies.BulkCancelInputSerializer: "BulkCancel",
    bodies.BulkResultOutputSerializer: "BulkResult",
    bodies.FailureGroupOutputSerializer: "FailureGroup",
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
        (code, PROBLEM_MEDIA_TYPE): OpenApiResponse(ProblemSerializer, description=ERROR_WHEN[code],
                                                    examples=[OpenApiExample(*examples.PROBLEMS[code])])
        for code in codes
    }


NOT_MODIFIED = OpenApiResponse(description="The body is the one If-None-Match names; no body.")


def _operation(operation_id: str, summary: str, responses: dict, **kwargs):
    return extend_schema(operation_id=operation_id, summary=summary, responses=responses, **kwargs)


def _read(operation_id: str, summary: str, body, *codes: int, **kwargs):
    """A GET: 200 with `body`, 304, and the problems of `codes` besides 400, 401, 403 and 429."""
    return _operation(operation_id, summary, {200: body, **read_errors(400, 401, 403, *codes, 429)}, **kwargs)


EXECUTION = enveloped(bodies.ExecutionOutputSerializer)

API_ROOT = {"retrieve": _read("get_api_root", "The API's root", enveloped(bodies.ApiRootOutputSerializer),
                              tags=["root"], examples=[answer("The root", examples.API_ROOT)])}

EXECUTIONS = {
    "list": _read("list_executions", "List executions", paged(bodies.ExecutionItemOutputSerializer),
                  examples=[answer("A page of one", examples.EXECUTION_PAGE)]),
    "retrieve": _read("get_execution", "One execution", EXECUTION, 404,
                      examples=[answer("A failed run", examples.EXECUTION_ENVELOPE)]),
    "create": _operation(
        "start_execution", "Start an execution", request=bodies.ExecutionStartInputSerializer,
        examples=[sent("An order's confirmation", examples.START), answer("The run", examples.EXECUTION_ENVELOPE)],
        responses={201: EXECUTION,
                   200: OpenApiResponse(EXECUTION, description="A repeat of an idempotent start: the execution "
                                                               "as it is now."),
                   **errors(400, 401, 403, 409, 413, 429)},
    ),
    "partial_update": _operation(
        "update_execution", "Report progress", request=bodies.ExecutionReportInputSerializer,
        examples=[sent("It failed", examples.REPORT), answer("The run", examples.EXECUTION_ENVELOPE)],
        responses={200: EXECUTION, **errors(400, 401, 403, 404, 409, 413, 429)},
    ),
    "retry": _operation(
        "retry_execution", "Retry a failed, timed-out or cancelled execution", request=None,
        examples=[answer("The new attempt", examples.EXECUTION_ENVELOPE)],
        parameters=[OpenApiParameter("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255},
                                     OpenApiParameter.HEADER,
                                     description="Repeating a retry with the same key answers 200 with "
                                                 "the attempt it made.")],
        responses={201: EXECUTION,
                   200: OpenApiResponse(EXECUTION, description="A repeat with the same Idempotency-Key."),
                   **errors(400, 401, 403, 404, 409, 429)},
    ),
    "cancel": _operation(
        "cancel_execution", "Cancel a pending, running or waiting execution", request=bodies.CancelInputSerializer,
        examples=[sent("With a reason", examples.CANCEL), answer("The run", examples.EXECUTION_ENVELOPE)],
        responses={200: EXECUTION, **errors(400, 401, 403, 404, 409, 429)},
    ),
    "bulk_retry": _operation(
        "bulk_retry_executions", "Retry every execution a filter selects (or say what a retry would do)",
        request=bodies.BulkInputSerializer,
        examples=[sent("A failure group, dry run first", examples.BULK_RETRY),
                  answer("The dry run", examples.BULK_DRY_RUN)],
        responses={200: enveloped(bodies.BulkResultOutputSerializer), **errors(400, 401, 403, 409, 413, 429)},
    ),
    "bulk_cancel": _operation(
        "bulk_cancel_executions", "Cancel every execution a filter selects (or say what a cancel would do)",
        request=bodies.BulkCancelInputSerializer,
        examples=[sent("The waiting runs of a rule", examples.BULK_CANCEL),
                  answer("Cancelled", examples.BULK_CANCELLED)],
        responses={200: enveloped(bodies.BulkResultOutputSerializer), **errors(400, 401, 403, 409, 413, 429)},
    ),
    "events": _read("list_execution_events", "The execution's history, oldest first",
                    enveloped(bodies.EventOutputSerializer, many=True), 404,
                    examples=[answer("Created, then failed", examples.EVENT_LIST)]),
}

RULE_EXECUTIONS = {
    "list": _read("list_rule_executions", "A rule's executions", paged(bodies.ExecutionItemOutputSerializer), 404,
                  examples=[answer("A page of one", examples.EXECUTION_PAGE)]),
    "retrieve": _read("get_rule_execution", "One execution of a rule", EXECUTION, 404,
                      examples=[answer("A failed run", examples.EXECUTION_ENVELOPE)]),
}

STEP = enveloped(bodies.StepOutputSerializer)
STEPS = {
    "list": _read("list_steps", "The steps in order", enveloped(bodies.StepOutputSerializer, many=True), 404,
                  examples=[answer("Three steps", examples.STEP_LIST)]),
    "create": _operation("add_step", "Add a step", request=bodies.StepCreateInputSerializer,
                         examples=[sent("A running step", examples.STEP_NEW),
                                   answer("The step", examples.STEP_ENVELOPE)],
                         responses={201: STEP, **errors(400, 401, 403, 404, 409, 413, 429)}),
    "retrieve": _read("get_step", "One step", STEP, 404, examples=[answer("A failed step", examples.STEP_ENVELOPE)]),
    "partial_update": _operation("update_step", "Update a step", request=bodies.StepUpdateInputSerializer,
                                 examples=[sent("It failed", examples.STEP_CHANGE),
                                           answer("The step", examples.STEP_ENVELOPE)],
                                 responses={200: STEP, **errors(400, 401, 403, 404, 409, 413, 429)}),
}

LOGS = {
    "list": _read("list_logs", "Log lines by sequence", paged(bodies.LogOutputSerializer), 404,
                  examples=[answer("Two lines", examples.LOG_PAGE)]),
    "create": _operation("append_logs", "Append a batch of log lines", request=bodies.LogsAppendInputSerializer,
                         examples=[sent("One line", examples.LOGS_NEW), answer("Appended", examples.LOGS_APPENDED)],
                         responses={201: enveloped(bodies.LogsAppendedOutputSerializer),
                                    **errors(400, 401, 403, 404, 413, 429)}),
}

RULE = enveloped(bodies.RuleOutputSerializer)
RULES = {
    "list": _read("list_rules", "List rules", paged(bodies.RuleOutputSerializer),
                  examples=[answer("A page of one", examples.RULE_PAGE)]),
    "create": _operation("create_rule", "Make a rule", request=bodies.RuleInputSerializer,
                         examples=[sent("Three actions", examples.RULE_NEW),
                                   answer("The rule", examples.RULE_ENVELOPE)],
                         responses={201: RULE, **errors(400, 401, 403, 413, 429)}),
    "retrieve": _read("get_rule", "One rule", RULE, 404, examples=[answer("A rule", examples.RULE_ENVELOPE)]),
    "partial_update": _operation("update_rule", "Change a rule", request=bodies.RuleInputSerializer,
                                 examples=[sent("Disable it", {"is_enabled": False}),
                                           answer("The rule", examples.RULE_ENVELOPE)],
                                 responses={200: RULE, **errors(400, 401, 403, 404, 413, 429)}),
    "destroy": _operation("delete_rule", "Delete a rule that has no executions",
                          responses={204: None, **errors(400, 401, 403, 404, 409, 429)}),
}

FAILURES = {
    "list": _read("list_failures", "Failed and timed-out executions grouped by error fingerprint",
                  enveloped(bodies.FailureGroupOutputSerializer, many=True),
                  examples=[answer("An SMTP outage", examples.FAILURE_GROUPS)]),
}
