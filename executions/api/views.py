import hashlib
import json

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action

from config.api import ApiViewSet
from config.problems import ValidationFailed
from executions import selectors, services
from executions.api import bodies, documents, serializers
from executions.api.filters import PAGING, ExecutionFilter, LogFilter, RuleExecutionFilter, RuleFilter
from executions.api.links import api_root, api_root_links
from executions.api.pagination import paginate_by_sequence, paginate_newest_first
from executions.api.schema import (
    CACHING,
    CURSOR,
    EXPAND,
    FIELDS,
    IDEMPOTENCY_KEY,
    PAGE_SIZE,
    PAGE_SIZE_LOGS,
    enveloped,
    errors,
    filter_parameters,
    paged,
    read_errors,
)
from executions.exceptions import NotFound
from rbac.permissions import CanExecute, CanWrite

MAX_KEY_LENGTH = 255
DEFAULT_LOG_PAGE = 200
MAX_LOG_PAGE = 1000


def _fingerprint(body: dict) -> str:
    """Equal for bodies whose parsed JSON, without idempotency_key, is equal."""
    rest = {name: value for name, value in body.items() if name != "idempotency_key"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ApiRootViewSet(ApiViewSet):
    """The API's root: where a client finds the collections, the schema and the docs."""

    @extend_schema(
        operation_id="get_api_root", summary="The API's root", parameters=CACHING, tags=["root"],
        responses={200: enveloped(serializers.ApiRootOutputSerializer), **read_errors(400, 401, 403, 429)},
    )
    def retrieve(self, request):
        self.query()
        return self.ok({"_links": api_root_links(api_root(request))})


class ExecutionViewSet(ApiViewSet):
    """Executions: start, read, report progress, retry, cancel, history."""

    permission_by_action = {
        "create": CanWrite, "partial_update": CanWrite, "retry": CanExecute, "cancel": CanExecute,
    }

    def _detail(self, execution_id, *, names: tuple[str, ...] | None = None, with_rule: bool = False,
                rule_id=None) -> bytes:
        body = bodies.execution_body(tenant_id=self.tenant_id, execution_id=execution_id, root=api_root(self.request),
                                     names=names, with_rule=with_rule, rule_id=rule_id)
        if body is None:
            raise NotFound(f"No execution {execution_id}.")
        return body

    def _fields(self, known: tuple[str, ...]) -> tuple[str, ...] | None:
        """`?fields=a,b`: the top-level fields to answer (with `_links`), or None for all."""
        given = self.request.query_params.getlist("fields")
        if not given:
            return None
        names = given[0].split(",")
        unknown = [name for name in names if name not in known and name != "_links"]
        if len(given) > 1 or "" in names or unknown:
            message = (f"Unknown field {unknown[0]!r}; known: {', '.join(known)}." if unknown
                       else "Give this parameter once, as comma-separated field names.")
            raise ValidationFailed(f"fields: {message}", {"fields": [message]})
        return tuple(sorted(set(names) - {"_links"}))

    def _location(self, execution_id) -> str:
        return f"{api_root(self.request)}/executions/{execution_id}"

    def _idempotency_header(self) -> str | None:
        key = self.request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise ValidationFailed("Idempotency-Key must be 1 to 255 characters.",
                                   {"Idempotency-Key": ["Must be 1 to 255 characters."]})
        return key

    @extend_schema(
        operation_id="list_executions",
        summary="List executions",
        parameters=[*CACHING, *filter_parameters(ExecutionFilter), PAGE_SIZE, CURSOR, FIELDS],
        responses={200: paged(serializers.ExecutionItemOutputSerializer), **read_errors(400, 401, 403, 429)},
    )
    def list(self, request):
        return self._list(ExecutionFilter, selectors.execution_list(tenant_id=self.tenant_id))

    def _list(self, filterset, queryset):
        queryset = filterset.apply(self.request.query_params, queryset, allowed_extra=(*PAGING, "fields"))
        names = self._fields(documents.EXECUTION_ITEM_FIELD_NAMES)

        def read(page):
            rows = selectors.with_link_state(documents.page_documents(page, documents.EXECUTION_ITEM_FIELDS, names))
            return rows.values_list("document", "created_at", *documents.LinkState._fields, named=True)

        page = paginate_newest_first(self.request, queryset, self.request.query_params.get("cursor"),
                                     self.page_size(), read)
        root = api_root(self.request)
        return self.paged([bodies.execution_item_body(row, root) for row in page.items], page)

    @extend_schema(
        operation_id="get_execution", summary="One execution", parameters=[*CACHING, EXPAND, FIELDS],
        responses={200: enveloped(serializers.ExecutionOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def retrieve(self, request, execution_id: str, rule_id=None):
        execution_id = self.path_uuid(execution_id, "execution id")
        expand = self.query(allowed=("expand", "fields")).get("expand")
        if expand not in (None, "rule"):
            raise ValidationFailed("expand: Only expand=rule is supported.", {"expand": ["Must be rule."]})
        names = self._fields(documents.EXECUTION_FIELD_NAMES + (("rule",) if expand else ()))
        with_rule = expand == "rule" and (names is None or "rule" in names)
        return self.ok(self._detail(execution_id, names=names, with_rule=with_rule, rule_id=rule_id))

    @extend_schema(
        operation_id="start_execution", summary="Start an execution", parameters=[IDEMPOTENCY_KEY],
        request=serializers.ExecutionStartInputSerializer,
        responses={
            201: enveloped(serializers.ExecutionOutputSerializer),
            200: OpenApiResponse(enveloped(serializers.ExecutionOutputSerializer),
                                 description="A repeat of an idempotent start: the execution as it is now."),
            **errors(400, 401, 403, 409, 413, 429),
        },
    )
    def create(self, request):
        self.query()
        data = dict(self.validated(serializers.ExecutionStartInputSerializer))
        header_key = self._idempotency_header()
        body_key = data.get("idempotency_key")
        if header_key is not None and body_key is not None and header_key != body_key:
            raise ValidationFailed(
                "The Idempotency-Key header and idempotency_key differ; send one key.",
                {"idempotency_key": ["Differs from the Idempotency-Key header."]},
            )
        data["idempotency_key"] = body_key if body_key is not None else header_key
        execution, created = services.execution_start(
            tenant_id=self.tenant_id, actor=self.actor, fingerprint=_fingerprint(request.data), **data
        )
        body = self._detail(execution.pk)
        return self.created(body, self._location(execution.pk)) if created else self.ok(body)

    @extend_schema(
        operation_id="update_execution", summary="Report progress", request=serializers.ExecutionReportInputSerializer,
        responses={200: enveloped(serializers.ExecutionOutputSerializer), **errors(400, 401, 403, 404, 409, 413, 429)},
    )
    def partial_update(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        changes = self.validated(serializers.ExecutionReportInputSerializer, partial=True)
        services.execution_report(tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor,
                                  changes=dict(changes))
        return self.ok(self._detail(execution_id))

    @extend_schema(
        operation_id="retry_execution", summary="Retry a failed, timed-out or cancelled execution", request=None,
        parameters=[OpenApiParameter("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255},
                                     OpenApiParameter.HEADER,
                                     description="Repeating a retry with the same key answers 200 with "
                                                 "the attempt it made.")],
        responses={
            201: enveloped(serializers.ExecutionOutputSerializer),
            200: OpenApiResponse(enveloped(serializers.ExecutionOutputSerializer),
                                 description="A repeat with the same Idempotency-Key."),
            **errors(400, 401, 403, 404, 409, 429),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        if request.data:
            self.validated(serializers.RetryInputSerializer)
        key = self._idempotency_header()
        attempt, created = services.execution_retry(
            tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor, idempotency_key=key
        )
        body = self._detail(attempt.pk)
        return self.created(body, self._location(attempt.pk)) if created else self.ok(body)

    @extend_schema(
        operation_id="cancel_execution",
        summary="Cancel a pending, running or waiting execution", request=serializers.CancelInputSerializer,
        responses={200: enveloped(serializers.ExecutionOutputSerializer), **errors(400, 401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        data = self.validated(serializers.CancelInputSerializer) if request.data else {}
        services.execution_cancel(tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor,
                                  reason=data.get("reason"))
        return self.ok(self._detail(execution_id))

    @extend_schema(
        operation_id="list_execution_events", parameters=CACHING, summary="The execution's history, oldest first",
        responses={200: enveloped(serializers.EventOutputSerializer, many=True),
                   **read_errors(400, 401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"])
    def events(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        events = documents.event_documents(tenant_id=self.tenant_id, execution_id=execution_id)
        if not events:  # every execution has its created event; none means no such execution
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.ok(bodies.array(events))


class StepViewSet(ApiViewSet):
    """The steps of one execution, in order."""

    permission_by_action = {"create": CanWrite, "partial_update": CanWrite}

    @extend_schema(
        operation_id="list_steps", parameters=CACHING,
        summary="The steps in order", responses={200: enveloped(serializers.StepOutputSerializer, many=True),
                                                 **read_errors(400, 401, 403, 404, 429)},
    )
    def list(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        steps = documents.step_documents(tenant_id=self.tenant_id, execution_id=execution_id)
        if not steps:
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.ok(bodies.array(steps))

    @extend_schema(
        operation_id="add_step", summary="Add a step", request=serializers.StepCreateInputSerializer,
        responses={201: enveloped(serializers.StepOutputSerializer), **errors(400, 401, 403, 404, 409, 413, 429)},
    )
    def create(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        data = dict(self.validated(serializers.StepCreateInputSerializer))
        step = services.step_create(tenant_id=self.tenant_id, execution_id=execution_id, **data)
        location = f"{api_root(request)}/executions/{execution_id}/steps/{step.key}"
        return self.created(self._step(execution_id, step.key), location)

    def _step(self, execution_id, key: str) -> str:
        found = documents.step_documents(tenant_id=self.tenant_id, execution_id=execution_id, key=key)
        if not found:
            raise NotFound(f"No step {key!r} in execution {execution_id}.")
        return found[0]

    def _key(self, key: str) -> str:
        if not serializers.STEP_KEY_PATTERN.match(key):
            raise NotFound(f"No step {key!r}.")  # no such key can exist
        return key

    @extend_schema(
        operation_id="get_step", parameters=CACHING, summary="One step",
        responses={200: enveloped(serializers.StepOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def retrieve(self, request, execution_id: str, step_key: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        return self.ok(self._step(execution_id, self._key(step_key)))

    @extend_schema(
        operation_id="update_step", summary="Update a step", request=serializers.StepUpdateInputSerializer,
        responses={200: enveloped(serializers.StepOutputSerializer), **errors(400, 401, 403, 404, 409, 413, 429)},
    )
    def partial_update(self, request, execution_id: str, step_key: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        changes = self.validated(serializers.StepUpdateInputSerializer, partial=True)
        step = services.step_update(tenant_id=self.tenant_id, execution_id=execution_id, key=self._key(step_key),
                                    changes=dict(changes))
        return self.ok(self._step(execution_id, step.key))


class LogViewSet(ApiViewSet):
    """The log lines of one execution, by sequence."""

    permission_by_action = {"create": CanWrite}

    @extend_schema(
        operation_id="list_logs",
        summary="Log lines by sequence", parameters=[*CACHING, *filter_parameters(LogFilter), PAGE_SIZE_LOGS, CURSOR],
        responses={200: paged(serializers.LogOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def list(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        chosen = LogFilter.values(request.query_params)
        lines = documents.LogLinePage(
            tenant_id=self.tenant_id, execution_id=execution_id, levels=chosen["level"],
            action_index=None if chosen["action_index"] is None else int(chosen["action_index"]),
            step_key=chosen["step_key"] or None, after=None if chosen["after"] is None else int(chosen["after"]),
        )
        page_size = self.page_size(DEFAULT_LOG_PAGE, MAX_LOG_PAGE)
        page = paginate_by_sequence(request, lines, request.query_params.get("cursor"), page_size)
        if not page.items:  # an empty page of an execution that exists, or no such execution
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.paged([document for _, document in page.items], page)

    @extend_schema(
        operation_id="append_logs",
        summary="Append a batch of log lines", request=serializers.LogsAppendInputSerializer,
        responses={201: enveloped(serializers.LogsAppendedOutputSerializer),
                   **errors(400, 401, 403, 404, 413, 429)},
    )
    def create(self, request, execution_id: str):
        execution_id = self.path_uuid(execution_id, "execution id")
        self.query()
        entries = serializers.fast_log_batch(request.data)
        if entries is None:
            entries = self.validated(serializers.LogsAppendInputSerializer)["entries"]
        count, first, last = services.logs_append(tenant_id=self.tenant_id, execution_id=execution_id,
                                                  entries=entries)
        location = f"{api_root(request)}/executions/{execution_id}/logs?after={first - 1}"
        return self.created({"count": count, "first_sequence": first, "last_sequence": last}, location)


class RuleViewSet(ApiViewSet):
    """Automation rules."""

    permission_by_action = {"create": CanWrite, "partial_update": CanWrite, "destroy": CanWrite}

    def _location(self, rule_id) -> str:
        return f"{api_root(self.request)}/rules/{rule_id}"

    @extend_schema(
        operation_id="list_rules", summary="List rules",
        parameters=[*CACHING, *filter_parameters(RuleFilter), PAGE_SIZE, CURSOR],
        responses={200: paged(serializers.RuleOutputSerializer), **read_errors(400, 401, 403, 429)},
    )
    def list(self, request):
        queryset = RuleFilter.apply(request.query_params,
                                    selectors.rule_queryset(tenant_id=self.tenant_id).order_by("-created_at", "-id"))
        page = paginate_newest_first(request, queryset, request.query_params.get("cursor"), self.page_size())
        root = api_root(request)
        return self.paged([bodies.rule_body(rule, root) for rule in page.items], page)

    @extend_schema(
        operation_id="create_rule", summary="Make a rule", request=serializers.RuleInputSerializer,
        responses={201: enveloped(serializers.RuleOutputSerializer), **errors(400, 401, 403, 413, 429)},
    )
    def create(self, request):
        self.query()
        rule = services.rule_create(tenant_id=self.tenant_id, **self.validated(serializers.RuleInputSerializer))
        return self.created(bodies.rule_body(rule, api_root(request)), self._location(rule.pk))

    @extend_schema(
        operation_id="get_rule", parameters=CACHING, summary="One rule",
        responses={200: enveloped(serializers.RuleOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def retrieve(self, request, rule_id: str):
        rule_id = self.path_uuid(rule_id, "rule id")
        self.query()
        return self.ok(bodies.rule_body(selectors.rule_get(tenant_id=self.tenant_id, rule_id=rule_id),
                                        api_root(request)))

    @extend_schema(
        operation_id="update_rule", summary="Change a rule", request=serializers.RuleInputSerializer,
        responses={200: enveloped(serializers.RuleOutputSerializer), **errors(400, 401, 403, 404, 413, 429)},
    )
    def partial_update(self, request, rule_id: str):
        rule_id = self.path_uuid(rule_id, "rule id")
        self.query()
        changes = self.validated(serializers.RuleInputSerializer, partial=True)
        rule = services.rule_update(tenant_id=self.tenant_id, rule_id=rule_id, changes=dict(changes))
        return self.ok(bodies.rule_body(rule, api_root(request)))

    @extend_schema(operation_id="delete_rule", summary="Delete a rule that has no executions",
                   responses={204: None, **errors(400, 401, 403, 404, 409, 429)})
    def destroy(self, request, rule_id: str):
        rule_id = self.path_uuid(rule_id, "rule id")
        self.query()
        services.rule_delete(tenant_id=self.tenant_id, rule_id=rule_id)
        return self.no_content()


class RuleExecutionViewSet(ExecutionViewSet):
    """The executions of one rule."""

    @extend_schema(
        operation_id="list_rule_executions",
        summary="A rule's executions",
        parameters=[*CACHING, *filter_parameters(RuleExecutionFilter), PAGE_SIZE, CURSOR, FIELDS],
        responses={200: paged(serializers.ExecutionItemOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def list(self, request, rule_id: str):
        rule_id = self.path_uuid(rule_id, "rule id")
        RuleExecutionFilter.parse(request.query_params, (*PAGING, "fields"))
        self.page_size()
        selectors.rule_get(tenant_id=self.tenant_id, rule_id=rule_id)
        return self._list(RuleExecutionFilter,
                          selectors.execution_list(tenant_id=self.tenant_id).filter(rule_id=rule_id))

    @extend_schema(
        operation_id="get_rule_execution", summary="One execution of a rule", parameters=[*CACHING, EXPAND, FIELDS],
        responses={200: enveloped(serializers.ExecutionOutputSerializer), **read_errors(400, 401, 403, 404, 429)},
    )
    def retrieve(self, request, rule_id: str, execution_id: str):
        # Another rule's execution is as absent as a missing one: the detail query filters by rule.
        return super().retrieve(request, execution_id, rule_id=self.path_uuid(rule_id, "rule id"))

