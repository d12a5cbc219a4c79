"""The API's handlers. Each viewset declares its path ids and, per action, what it reads besides
the body (config/api.py checks both before a handler runs); each handler then calls a service or
a selector and answers with a body from bodies.py. Their OpenAPI is in schema.py."""

import hashlib
import json
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import extend_schema_view
from rest_framework.decorators import action

from config.api import ApiViewSet, Inputs, PathParam, uuid_in_path
from config.pagination import BY_SEQUENCE, NEWEST_FIRST, paginate_by_sequence, paginate_newest_first
from config.problems import NotFound as NoSuch
from config.problems import invalid
from config.times import iso
from executions import bulk, failures, selectors, services
from executions.api import bodies, documents, schema, serializers
from executions.api.filters import (
    ExecutionFilter,
    FailureFilter,
    LogFilter,
    RuleExecutionFilter,
    RuleFilter,
    execution_selection,
)
from executions.api.links import (
    api_root,
    api_root_links,
    execution_url,
    failure_group_links,
    logs_url,
    rule_url,
    step_url,
)
from executions.exceptions import NotFound
from executions.models import STEP_KEY_REGEX, is_step_key
from rbac.permissions import CanExecute, CanWrite

EXECUTION_ID = uuid_in_path("execution id")
RULE_ID = uuid_in_path("rule id")


def _step_key(value: str) -> str:
    if not is_step_key(value):
        raise NoSuch(f"No step {value!r}.")  # no step can have this key
    return value


STEP_KEY = PathParam(_step_key, {"type": "string", "pattern": f"^{STEP_KEY_REGEX}$"})


def _fingerprint(body: dict) -> str:
    """Equal for bodies whose parsed JSON, without idempotency_key, is equal."""
    rest = {name: value for name, value in body.items() if name != "idempotency_key"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@extend_schema_view(**schema.API_ROOT)
class ApiRootViewSet(ApiViewSet):
    """The API's root: where a client finds the collections, the schema and the docs."""

    def retrieve(self, request):
        return self.ok({"_links": api_root_links(api_root(request))})


class ExecutionReads(ApiViewSet):
    """The reads that /executions and /rules/{id}/executions share."""

    def _page_of(self, queryset):
        """A page of executions of `queryset`, filtered as asked, each with its `_links`."""
        queryset = self.filters.filter_queryset(queryset)

        def read(page):
            rows = selectors.with_link_state(documents.page_documents(page, documents.EXECUTION_ITEM_FIELDS,
                                                                      self.fields))
            return rows.values_list("document", "created_at", *documents.LinkState._fields, named=True)

        page = paginate_newest_first(self.request, queryset, self.cursor, self.page_size, read)
        root = api_root(self.request)
        return self.paged([bodies.execution_item_body(row, root) for row in page.items], page)

    def _one(self, execution_id: UUID, *, rule_id: UUID | None = None) -> bytes:
        """One execution (of `rule_id`, when given), with what `fields` and `expand` ask."""
        with_rule = self.expand == "rule" and (self.fields is None or "rule" in self.fields)
        body = bodies.execution_body(tenant_id=self.tenant_id, execution_id=execution_id, root=api_root(self.request),
                                     names=self.fields, with_rule=with_rule, rule_id=rule_id)
        if body is None:
            raise NotFound(f"No execution {execution_id}.")
        return body

    def _whole(self, execution_id: UUID) -> bytes:
        """The execution as a write leaves it: every field."""
        self.fields, self.expand = None, None
        return self._one(execution_id)


@extend_schema_view(**schema.EXECUTIONS)
class ExecutionViewSet(ExecutionReads):
    """Executions: start, read, report progress, retry, cancel, history."""

    permission_by_action = {
        "create": CanWrite, "partial_update": CanWrite, "retry": CanExecute, "cancel": CanExecute,
        "bulk_retry": CanExecute, "bulk_cancel": CanExecute,
    }
    path = {"execution_id": EXECUTION_ID}
    inputs = {
        "list": Inputs(filters=ExecutionFilter, paging=NEWEST_FIRST, fields=documents.EXECUTION_ITEM_FIELD_NAMES),
        "retrieve": Inputs(fields=documents.EXECUTION_FIELD_NAMES, expand=("rule",)),
        "create": Inputs(idempotency_key=True),
        "retry": Inputs(idempotency_key=True),
        "bulk_retry": Inputs(idempotency_key=True),
        "bulk_cancel": Inputs(idempotency_key=True),
    }

    def list(self, request):
        return self._page_of(selectors.execution_list(tenant_id=self.tenant_id))

    def retrieve(self, request, execution_id: UUID):
        return self.ok(self._one(execution_id))

    def create(self, request):
        data = dict(self.validated(serializers.ExecutionStartInputSerializer))
        body_key = data.get("idempotency_key")
        if self.idempotency_key is not None and body_key is not None and self.idempotency_key != body_key:
            raise invalid("idempotency_key", "Differs from the Idempotency-Key header; send one key.")
        data["idempotency_key"] = body_key if body_key is not None else self.idempotency_key
        execution, created = services.execution_start(
            tenant_id=self.tenant_id, actor=self.actor, fingerprint=_fingerprint(request.data), **data
        )
        body = self._whole(execution.pk)
        return self.created(body, execution_url(api_root(request), execution.pk)) if created else self.ok(body)

    def partial_update(self, request, execution_id: UUID):
        changes = self.validated(serializers.ExecutionReportInputSerializer, partial=True)
        services.execution_report(tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor,
                                  changes=dict(changes))
        return self.ok(self._whole(execution_id))

    @action(detail=True, methods=["post"])
    def retry(self, request, execution_id: UUID):
        if request.data:
            self.validated(serializers.RetryInputSerializer)
        attempt, created = services.execution_retry(
            tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor, idempotency_key=self.idempotency_key
        )
        body = self._whole(attempt.pk)
        return self.created(body, execution_url(api_root(request), attempt.pk)) if created else self.ok(body)

    @action(detail=True, methods=["post"])
    def cancel(self, request, execution_id: UUID):
        data = self.validated(serializers.CancelInputSerializer) if request.data else {}
        services.execution_cancel(tenant_id=self.tenant_id, execution_id=execution_id, actor=self.actor,
                                  reason=data.get("reason"))
        return self.ok(self._whole(execution_id))

    @action(detail=False, methods=["post"], url_path="bulk-retry")
    def bulk_retry(self, request):
        return self._bulk(bulk.RETRY, serializers.BulkInputSerializer)

    @action(detail=False, methods=["post"], url_path="bulk-cancel")
    def bulk_cancel(self, request):
        return self._bulk(bulk.CANCEL, serializers.BulkCancelInputSerializer)

    def _bulk(self, action_name: str, serializer_class):
        data = self.validated(serializer_class)
        selection = execution_selection(tenant_id=self.tenant_id, given=data["filter"])
        answer = bulk.bulk_act_once(
            idempotency_key=self.idempotency_key, fingerprint=bulk.request_fingerprint(self.request.data),
            action=action_name, tenant_id=self.tenant_id, actor=self.actor, dry_run=data["dry_run"],
            limit=data["limit"], reason=data.get("reason"), selection=selection,
        )
        return self.ok(answer)

    @action(detail=True, methods=["get"])
    def events(self, request, execution_id: UUID):
        events = documents.event_documents(tenant_id=self.tenant_id, execution_id=execution_id)
        if not events:  # every execution has its created event; none means no such execution
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.ok(bodies.array(events))


@extend_schema_view(**schema.RULE_EXECUTIONS)
class RuleExecutionViewSet(ExecutionReads):
    """The executions of one rule."""

    path = {"rule_id": RULE_ID, "execution_id": EXECUTION_ID}
    inputs = {
        "list": Inputs(filters=RuleExecutionFilter, paging=NEWEST_FIRST,
                       fields=documents.EXECUTION_ITEM_FIELD_NAMES),
        "retrieve": Inputs(fields=documents.EXECUTION_FIELD_NAMES, expand=("rule",)),
    }

    def list(self, request, rule_id: UUID):
        selectors.rule_get(tenant_id=self.tenant_id, rule_id=rule_id)
        return self._page_of(selectors.execution_list(tenant_id=self.tenant_id).filter(rule_id=rule_id))

    def retrieve(self, request, rule_id: UUID, execution_id: UUID):
        # Another rule's execution is as absent as a missing one: the detail query filters by rule.
        return self.ok(self._one(execution_id, rule_id=rule_id))


@extend_schema_view(**schema.STEPS)
class StepViewSet(ApiViewSet):
    """The steps of one execution, in order."""

    permission_by_action = {"create": CanWrite, "partial_update": CanWrite}
    path = {"execution_id": EXECUTION_ID, "step_key": STEP_KEY}

    def _step(self, execution_id: UUID, key: str) -> str:
        found = documents.step_documents(tenant_id=self.tenant_id, execution_id=execution_id, key=key)
        if not found:
            raise NotFound(f"No step {key!r} in execution {execution_id}.")
        return found[0]

    def list(self, request, execution_id: UUID):
        steps = documents.step_documents(tenant_id=self.tenant_id, execution_id=execution_id)
        if not steps:
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.ok(bodies.array(steps))

    def create(self, request, execution_id: UUID):
        data = dict(self.validated(serializers.StepCreateInputSerializer))
        step = services.step_create(tenant_id=self.tenant_id, execution_id=execution_id, **data)
        return self.created(self._step(execution_id, step.key), step_url(api_root(request), execution_id, step.key))

    def retrieve(self, request, execution_id: UUID, step_key: str):
        return self.ok(self._step(execution_id, step_key))

    def partial_update(self, request, execution_id: UUID, step_key: str):
        changes = self.validated(serializers.StepUpdateInputSerializer, partial=True)
        step = services.step_update(tenant_id=self.tenant_id, execution_id=execution_id, key=step_key,
                                    changes=dict(changes))
        return self.ok(self._step(execution_id, step.key))


@extend_schema_view(**schema.LOGS)
class LogViewSet(ApiViewSet):
    """The log lines of one execution, by sequence."""

    permission_by_action = {"create": CanWrite}
    path = {"execution_id": EXECUTION_ID}
    inputs = {"list": Inputs(filters=LogFilter, paging=BY_SEQUENCE)}

    def list(self, request, execution_id: UUID):
        chosen = self.filters.form.cleaned_data
        lines = documents.LogLinePage(
            tenant_id=self.tenant_id, execution_id=execution_id, levels=chosen["level"],
            action_index=None if chosen["action_index"] is None else int(chosen["action_index"]),
            step_key=chosen["step_key"] or None, after=None if chosen["after"] is None else int(chosen["after"]),
        )
        page = paginate_by_sequence(request, lines, self.cursor, self.page_size)
        if not page.items:  # an empty page of an execution that exists, or no such execution
            selectors.execution_must_exist(tenant_id=self.tenant_id, execution_id=execution_id)
        return self.paged([document for _, document in page.items], page)

    def create(self, request, execution_id: UUID):
        entries = serializers.fast_log_batch(request.data)
        if entries is None:
            entries = self.validated(serializers.LogsAppendInputSerializer)["entries"]
        count, first, last = services.logs_append(tenant_id=self.tenant_id, execution_id=execution_id,
                                                  entries=entries)
        return self.created({"count": count, "first_sequence": first, "last_sequence": last},
                            logs_url(api_root(request), execution_id, after=first - 1))


@extend_schema_view(**schema.RULES)
class RuleViewSet(ApiViewSet):
    """Automation rules."""

    permission_by_action = {"create": CanWrite, "partial_update": CanWrite, "destroy": CanWrite}
    path = {"rule_id": RULE_ID}
    inputs = {"list": Inputs(filters=RuleFilter, paging=NEWEST_FIRST)}

    def list(self, request):
        rules = self.filters.filter_queryset(selectors.rule_list(tenant_id=self.tenant_id))
        page = paginate_newest_first(request, rules, self.cursor, self.page_size)
        root = api_root(request)
        return self.paged([bodies.rule_body(rule, root) for rule in page.items], page)

    def create(self, request):
        rule = services.rule_create(tenant_id=self.tenant_id, **self.validated(serializers.RuleInputSerializer))
        root = api_root(request)
        return self.created(bodies.rule_body(rule, root), rule_url(root, rule.pk))

    def retrieve(self, request, rule_id: UUID):
        return self.ok(bodies.rule_body(selectors.rule_get(tenant_id=self.tenant_id, rule_id=rule_id),
                                        api_root(request)))

    def partial_update(self, request, rule_id: UUID):
        changes = self.validated(serializers.RuleInputSerializer, partial=True)
        rule = services.rule_update(tenant_id=self.tenant_id, rule_id=rule_id, changes=dict(changes))
        return self.ok(bodies.rule_body(rule, api_root(request)))

    def destroy(self, request, rule_id: UUID):
        services.rule_delete(tenant_id=self.tenant_id, rule_id=rule_id)
        return self.no_content()


@extend_schema_view(**schema.FAILURES)
class FailureViewSet(ApiViewSet):
    """Failure groups: what is failing, and how many of each."""

    inputs = {"list": Inputs(filters=FailureFilter)}

    def list(self, request):
        chosen = self.filters.form.cleaned_data
        until = chosen["until"] or timezone.now()
        since = chosen["since"] or until - failures.DEFAULT_WINDOW
        if since >= until:
            raise invalid("since", "Must be before until.")
        if until - since > failures.MAX_WINDOW:
            raise invalid("since", "The window may be at most 31 days.")
        groups = failures.failure_groups(tenant_id=self.tenant_id, since=since, until=until,
                                         rule_id=chosen["automation_rule_id"])
        root = api_root(request)
        return self.ok([{
            "error_fingerprint": group.error_fingerprint, "automation_rule_id": str(group.automation_rule_id),
            "rule_name": group.rule_name, "message": group.message, "count": group.count,
            "retryable": group.retryable, "first_seen": iso(group.first_seen), "last_seen": iso(group.last_seen),
            "sample_execution_id": str(group.sample_execution_id),
            "_links": failure_group_links(group.error_fingerprint, root),
        } for group in groups])
