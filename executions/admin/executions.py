"""Executions in the admin: a list that stays fast at millions of rows, a read-only page that
explains one run, and retry and cancel through the same services as the API."""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from config.uuids import parse_uuid
from executions import selectors, services
from executions.admin.display import (
    duration_text,
    level_badge,
    moment_text,
    pretty_json,
    pretty_json_or_none,
    status_badge,
)
from executions.admin.failures import FailurePages, executions_url
from executions.admin.filters import FingerprintFilter, RuleFilter, TriggerFilter, UnresolvedFailuresFilter
from executions.admin.listing import EstimatedCountPaginator, SpanDatesQuerySet
from executions.admin.logs import LEVELS, LogQuery, log_lines_jsonl, log_page
from executions.admin.timeline import step_timeline
from executions.exceptions import Conflict, DomainError, IllegalTransition, NotFound, RuleDisabled
from executions.lifecycle import UNFINISHED, execution_can_cancel, execution_can_retry
from executions.models import AutomationRule, Execution, ExecutionEvent
from rbac.admin_scope import TenantScopedAdmin, VisibleTenantFilter, plural, request_scope, tenant_label
from rbac.models import Permission

# Bulk actions act one execution at a time, each in its own transaction: a selection across
# every page of a big list is refused past this many.
ACTION_LIMIT = 500
LOGS_SHOWN = 100
STEPS_SHOWN = 200
EVENTS_SHOWN = 50
# How often the page of an unfinished execution reloads itself (not at all once it is final).
REFRESH_SECONDS = 10
# Shorter words would not use the trigram indexes; they are matched exactly only.
MIN_CONTAINS = 3
RULES_MATCHED = 1000
LIST_DEFERRED = ("trigger_data", "execution_context", "error_stack", "output", "request_fingerprint", "retry_key")


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why it is cancelled: it becomes the execution's status reason and is kept on the "
                  "cancellation in its history.",
    )


def next_attempt_of(execution: Execution) -> Execution | None:
    try:
        return execution.next_attempt
    except Execution.DoesNotExist:
        return None


def _step_took(step) -> str:
    if step.started_at is None:
        return "not started"
    if step.completed_at is None:
        return "still running"
    return duration_text((step.completed_at - step.started_at).total_seconds() * 1000)


class ExecutionChangeList(ChangeList):
    """The list, without the big columns it does not show."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED)


@admin.register(Execution)
class ExecutionAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Executions are tracked data: read-only here; staff act on them through retry and cancel."""

    list_title = "Executions"
    # The rule with its tenant under it in one column, so that the row fits a 1366-pixel screen
    # beside the admin's sidebar and the filters.
    list_display = ("short_id", "status_badge", "rule_and_tenant", "started", "duration", "attempt", "counters")
    list_filter = (
        "status", UnresolvedFailuresFilter, VisibleTenantFilter, RuleFilter, TriggerFilter, FingerprintFilter,
    )
    list_select_related = ("rule", "tenant")
    # Declared for the search box; get_search_results does the search.
    search_fields = ("=id", "=idempotency_key", "=external_ref", "rule__name", "error_message")
    search_help_text = ("An execution id, idempotency key or external ref (exact), or text in the rule's name or "
                        f"the error message (at least {MIN_CONTAINS} characters).")
    date_hierarchy = "started_at"
    ordering = ("-created_at", "-id")
    # Only columns an index can sort at any size.
    sortable_by = ("started",)
    list_per_page = 50
    empty_value_display = "—"
    # No COUNT(*) of the table: no full count, no facet counts, an estimated count for the pages.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ("retry_selected", "cancel_selected")
    fieldsets = (
        (None, {"fields": ("id", "status_badge", "status_reason", "waiting_until_detail", "tenant_name", "rule",
                           "rule_version", "attempt", "previous_attempt", "next_attempt_link", "triggered_by",
                           "external_ref", "idempotency_key")}),
        ("Error", {"fields": ("error_message", "error_fingerprint_link", "error_stack_text")}),
        ("Timing", {"fields": ("created", "started_detail", "completed", "duration", "updated")}),
        ("Counters", {"fields": ("actions_total", "actions_successful", "actions_failed", "failed_action_index")}),
        ("Output", {"fields": ("output_json",)}),
        ("Trigger data and context", {"fields": ("trigger_data_json", "execution_context_json")}),
    )
    readonly_fields = flatten_fieldsets(fieldsets)

    # Tracked data: nothing is added, changed or deleted here.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_execute_permission(self, request, obj: Execution | None = None) -> bool:
        """Retry and cancel: superusers, and staff with the change permission whose role in the
        execution's tenant (in any of their tenants, without one) holds automation:execute."""
        if obj is not None:
            return self.may_execute_in(request, obj.tenant_id)
        if request.user.is_superuser:
            return True
        return (request.user.has_perm("executions.change_execution")
                and request_scope(request).holds_anywhere(Permission.EXECUTE))

    def may_execute_in(self, request, tenant_id) -> bool:
        """Whether the user may retry and cancel the tenant's executions (see has_execute_permission)."""
        if request.user.is_superuser:
            return True
        return (request.user.has_perm("executions.change_execution")
                and request_scope(request).holds(tenant_id, Permission.EXECUTE))

    # Reads

    def get_queryset(self, request):
        # Scoped by TenantScopedAdmin; re-classed so that date_hierarchy reads its dates from the
        # first and last start instead of a DISTINCT over every row.
        return SpanDatesQuerySet.of(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return ExecutionChangeList

    def get_object(self, request, object_id, from_field=None):
        if from_field is not None:
            return super().get_object(request, object_id, from_field)
        # One query for the page and its links: the rule (and whether it is enabled), the tenant
        # and both neighbouring attempts.
        queryset = self.get_queryset(request).select_related("rule", "tenant", "retry_of", "next_attempt")
        try:
            return queryset.get(pk=Execution._meta.pk.to_python(object_id))
        except (Execution.DoesNotExist, ValidationError, ValueError):
            return None

    def get_search_results(self, request, queryset, search_term):
        """An exact id, idempotency key or external ref, or text in the rule name or error message.
        Every branch of the OR has an index (see migration 0002), so that it stays an index union."""
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(idempotency_key=term) | Q(external_ref=term)
        execution_id = parse_uuid(term)
        if execution_id is not None:
            match |= Q(pk=execution_id)
        if len(term) >= MIN_CONTAINS:
            # The rules by name first, a small table, so that the executions are found by rule id.
            rules = request_scope(request).restrict(AutomationRule.objects.filter(name__icontains=term))
            rule_ids = list(rules.values_list("pk", flat=True)[:RULES_MATCHED])
            match |= Q(error_message__icontains=term)
            if rule_ids:
                match |= Q(rule_id__in=rule_ids)
        return queryset.filter(match), False

    # Columns and fields

    @admin.display(description="Status")
    def status_badge(self, obj: Execution) -> str:
        return status_badge(obj.status, obj.status_reason)

    @admin.display(description="Rule · tenant")
    def rule_and_tenant(self, obj: Execution) -> str:
        return format_html('{}<br><span class="quiet">{}</span>', obj.rule.name,
                           tenant_label(obj.tenant.name, obj.tenant.slug))

    @admin.display(description="Execution")
    def short_id(self, obj: Execution) -> str:
        # The random end of the id (its start is a timestamp, shared by executions made together).
        return format_html('<span title="{}">…{}</span>', obj.pk, str(obj.pk)[-12:])

    @admin.display(description="Created")
    def created(self, obj: Execution) -> str:
        return moment_text(obj.created_at)

    @admin.display(description="Started", ordering="started_at")
    def started(self, obj: Execution) -> str:
        return moment_text(obj.started_at)[:19] if obj.started_at else "—"

    @admin.display(description="Completed")
    def completed(self, obj: Execution) -> str:
        return moment_text(obj.completed_at)

    @admin.display(description="Updated")
    def updated(self, obj: Execution) -> str:
        return moment_text(obj.updated_at)

    @admin.display(description="Duration")
    def duration(self, obj: Execution) -> str:
        return duration_text(obj.duration_ms)

    @admin.display(description="Actions")
    def counters(self, obj: Execution) -> str:
        return format_html('<span title="{} ok, {} failed, of {}">{}/{}/{}</span>',
                           obj.actions_successful, obj.actions_failed, obj.actions_total,
                           obj.actions_successful, obj.actions_failed, obj.actions_total)

    @admin.display(description="Started")
    def started_detail(self, obj: Execution) -> str:
        return moment_text(obj.started_at)

    @admin.display(description="Waiting until")
    def waiting_until_detail(self, obj: Execution) -> str:
        return moment_text(obj.waiting_until)

    @admin.display(description="Previous attempt")
    def previous_attempt(self, obj: Execution) -> str:
        if obj.retry_of_id is None:
            return "—"
        return self._execution_link(obj.retry_of)

    @admin.display(description="Next attempt")
    def next_attempt_link(self, obj: Execution) -> str:
        attempt = next_attempt_of(obj)
        return self._execution_link(attempt) if attempt else "—"

    @admin.display(description="Error fingerprint")
    def error_fingerprint_link(self, obj: Execution) -> str:
        if not obj.error_fingerprint:
            return "—"
        return format_html('<a href="{}" title="The executions of its failure group">{}</a>',
                           executions_url(obj.tenant_id, obj.error_fingerprint), obj.error_fingerprint)

    @admin.display(description="Error stack")
    def error_stack_text(self, obj: Execution) -> str:
        return format_html('<pre class="error-stack">{}</pre>', obj.error_stack) if obj.error_stack else "—"

    @admin.display(description="Trigger data")
    def trigger_data_json(self, obj: Execution) -> str:
        return pretty_json(obj.trigger_data)

    @admin.display(description="Execution context")
    def execution_context_json(self, obj: Execution) -> str:
        return pretty_json(obj.execution_context)

    @admin.display(description="Output")
    def output_json(self, obj: Execution) -> str:
        return pretty_json_or_none(obj.output)

    def _execution_link(self, execution: Execution) -> str:
        return format_html('<a href="{}">attempt {} · {}</a> {}', self._change_url(execution), execution.attempt,
                           execution.pk, status_badge(execution.status))

    def _change_url(self, execution: Execution) -> str:
        return reverse("admin:executions_execution_change", args=[execution.pk])

    # The page of one execution

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._page_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _page_context(self, request, execution: Execution) -> dict:
        """Steps, log lines and events: three queries whatever their number."""
        ids = {"tenant_id": execution.tenant_id, "execution_id": execution.pk}
        steps = selectors.execution_steps(**ids, limit=STEPS_SHOWN)
        logs = selectors.execution_last_logs(**ids, limit=LOGS_SHOWN)
        events = selectors.execution_last_events(**ids, limit=EVENTS_SHOWN)
        may_execute = self.has_execute_permission(request, execution)
        return {
            "timeline": step_timeline(execution, steps, now=timezone.now()),
            "steps": [(step, status_badge(step.status), _step_took(step)) for step in steps],
            "steps_total": execution.step_count,
            "steps_shown": len(steps),
            "log_lines": [(line, level_badge(line.level)) for line in logs],
            "logs_total": execution.log_count,
            "logs_url": reverse("admin:executions_execution_logs", args=[execution.pk]),
            "events": [self._event_row(event, execution) for event in reversed(events)],
            "events_total_shown": len(events),
            "events_cap": EVENTS_SHOWN,
            "refresh_seconds": REFRESH_SECONDS if execution.status in UNFINISHED else None,
            "can_retry": may_execute and execution_can_retry(
                execution, rule_is_enabled=execution.rule.is_enabled,
                has_next_attempt=next_attempt_of(execution) is not None),
            "can_cancel": may_execute and execution_can_cancel(execution),
            "retry_url": reverse("admin:executions_execution_retry", args=[execution.pk]),
            "cancel_url": reverse("admin:executions_execution_cancel", args=[execution.pk]),
        }

    def _event_row(self, event: ExecutionEvent, execution: Execution) -> dict:
        """One row of the history. A retry leaves the status as it was and names the next attempt:
        the row says so and links it, instead of "failed → failed" and a bare id."""
        if event.type == ExecutionEvent.Type.RETRIED:
            attempt = next_attempt_of(execution)
            shown = attempt if attempt and str(attempt.pk) == event.data.get("next_attempt") else None
            move = format_html("{} (stays; retried)", event.status)
            link = (self._execution_link(shown) if shown else
                    format_html("next attempt {}", event.data.get("next_attempt", "—")))
            return {"event": event, "move": move, "data": format_html("Made {}", link)}
        move = format_html("{} → {}", event.previous_status, event.status) if event.previous_status else (
            format_html("→ {}", event.status))
        return {"event": event, "move": move, "data": pretty_json(event.data) if event.data else ""}

    def get_urls(self):
        # The Failures pages first: "failures/retry/" would otherwise be the retry of an object "failures".
        return [
            *FailurePages(self).urls(),
            path("<path:object_id>/retry/", self.admin_site.admin_view(self.retry_view),
                 name="executions_execution_retry"),
            path("<path:object_id>/cancel/", self.admin_site.admin_view(self.cancel_view),
                 name="executions_execution_cancel"),
            path("<path:object_id>/logs/", self.admin_site.admin_view(self.logs_view),
                 name="executions_execution_logs"),
            path("<path:object_id>/logs/download/", self.admin_site.admin_view(self.logs_download_view),
                 name="executions_execution_logs_download"),
            *super().get_urls(),
        ]

    # Every log line

    def _viewed(self, request, object_id) -> Execution:
        """The execution the request may read; another tenant's is as missing as one that does not exist."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        execution = self.get_object(request, unquote(object_id))
        if execution is None:
            raise Http404("No such execution.")
        return execution

    def logs_view(self, request, object_id):
        execution = self._viewed(request, object_id)
        query = LogQuery.of(request.GET)
        page = log_page(execution, query)
        context = {
            **self.admin_site.each_context(request),
            "title": "Log lines",
            "subtitle": str(execution.pk),
            "opts": self.opts,
            "execution": execution,
            "tenant": tenant_label(execution.tenant.name, execution.tenant.slug),
            "page": page,
            "lines": [(line, level_badge(line.level)) for line in page.lines],
            "query": query,
            "levels": LEVELS,
            "step_keys": [step.key for step in selectors.execution_steps(
                tenant_id=execution.tenant_id, execution_id=execution.pk, limit=STEPS_SHOWN)],
            "filtered": bool(query.levels or query.step or query.contains),
            "change_url": self._change_url(execution),
            "download_query": query.filters_query(),
            "refresh_seconds": REFRESH_SECONDS if execution.status in UNFINISHED and query.newest else None,
        }
        return TemplateResponse(request, "admin/executions/execution/logs.html", context)

    def logs_download_view(self, request, object_id):
        execution = self._viewed(request, object_id)
        response = StreamingHttpResponse(log_lines_jsonl(execution, LogQuery.of(request.GET)),
                                         content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="execution-{execution.pk}-logs.jsonl"'
        return response

    # Retry and cancel, one at a time from the page

    def retry_view(self, request, object_id):
        """GET: what the retry will make, and a button; POST: the retry."""
        execution, refusal = self._acted_on(request, object_id)
        if refusal is not None:
            return refusal
        if request.method == "GET":
            return self._confirmation(request, execution, "retry", can=execution_can_retry(
                execution, rule_is_enabled=execution.rule.is_enabled,
                has_next_attempt=next_attempt_of(execution) is not None))
        try:
            attempt, _ = services.execution_retry(tenant_id=execution.tenant_id, execution_id=execution.pk,
                                                  actor=self.actor(request))
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(self._change_url(execution))
        self.message_user(request, f"Retried: this is attempt {attempt.attempt}, {attempt.pk}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(attempt))

    def cancel_view(self, request, object_id):
        """GET: a confirmation that asks for the reason; POST: the cancellation with it."""
        execution, refusal = self._acted_on(request, object_id)
        if refusal is not None:
            return refusal
        form = CancelForm(request.POST if request.method == "POST" else None)
        if request.method == "GET" or not form.is_valid():
            return self._confirmation(request, execution, "cancel", can=execution_can_cancel(execution), form=form)
        try:
            services.execution_cancel(tenant_id=execution.tenant_id, execution_id=execution.pk,
                                      actor=self.actor(request), reason=form.cleaned_data["reason"])
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
        else:
            self.message_user(request, f"Cancelled: {form.cleaned_data['reason']}", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(execution))

    def _confirmation(self, request, execution: Execution, verb: str, *, can: bool, form=None):
        rule = execution.rule
        context = {
            **self.admin_site.each_context(request),
            "title": "Retry this execution?" if verb == "retry" else "Cancel this execution?",
            "subtitle": str(execution.pk),
            "opts": self.opts,
            "verb": verb,
            "can": can,
            "form": form,
            "execution": execution,
            "rule": rule,
            "tenant": tenant_label(execution.tenant.name, execution.tenant.slug),
            "status": status_badge(execution.status, execution.status_reason),
            "next_attempt": next_attempt_of(execution),
            "next_number": execution.attempt + 1,
            "trigger_data": pretty_json(execution.trigger_data),
            "change_url": self._change_url(execution),
            "rule_url": reverse("admin:executions_automationrule_change", args=[rule.pk]),
        }
        return TemplateResponse(request, "admin/executions/execution/confirm_action.html", context)

    def _acted_on(self, request, object_id):
        """(execution, None) when the request may act on it, else (None, the answer)."""
        if request.method not in ("GET", "POST"):
            return None, HttpResponseNotAllowed(["GET", "POST"])
        execution = self.get_object(request, unquote(object_id))
        if execution is None:
            # Another tenant's execution is exactly as missing as one that does not exist.
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_execute_permission(request, execution):
            raise PermissionDenied
        return execution, None

    @staticmethod
    def actor(request) -> str:
        return f"staff:{request.user.get_username()}"

    # Retry and cancel on a selection

    @admin.action(description="Retry selected executions", permissions=["execute"])
    def retry_selected(self, request, queryset):
        def retry(execution_id, tenant_id, actor):
            services.execution_retry(tenant_id=tenant_id, execution_id=execution_id, actor=actor)

        self._act_on_selection(request, queryset, retry, done="Retried", reasons=(
            (RuleDisabled, "their rule is disabled"),
            (IllegalTransition, "not failed, timed out or cancelled"),
            (Conflict, "already retried"),
        ))

    @admin.action(description="Cancel selected executions", permissions=["execute"])
    def cancel_selected(self, request, queryset):
        def cancel(execution_id, tenant_id, actor):
            services.execution_cancel(tenant_id=tenant_id, execution_id=execution_id, actor=actor,
                                      reason="cancelled in the admin")

        self._act_on_selection(request, queryset, cancel, done="Cancelled", reasons=(
            (IllegalTransition, "not pending, running or waiting"),
        ))

    def _act_on_selection(self, request, queryset, act, *, done: str, reasons) -> None:
        """Acts on each execution in its own service call, and says how many were acted on and
        why the others were skipped."""
        selected = list(queryset.order_by()[: ACTION_LIMIT + 1].values_list("pk", "tenant_id"))
        if len(selected) > ACTION_LIMIT:
            self.message_user(request, f"Select at most {ACTION_LIMIT} executions at a time; nothing was done.",
                              messages.ERROR)
            return
        scope, actor = request_scope(request), self.actor(request)
        acted, skipped = 0, Counter()
        for execution_id, tenant_id in selected:
            if not scope.holds(tenant_id, Permission.EXECUTE):
                skipped["your role in their tenant does not hold automation:execute"] += 1
                continue
            try:
                act(execution_id, tenant_id, actor)
            except NotFound:
                skipped["no longer exist"] += 1
            except DomainError as error:
                skipped[next((why for kind, why in reasons if isinstance(error, kind)), error.detail)] += 1
            else:
                acted += 1
        message = f"{done} {plural(acted, 'execution')}."
        if skipped:
            why = "; ".join(f"{count} {reason}" for reason, count in skipped.most_common())
            message += f" Skipped {sum(skipped.values())}: {why}."
        level = messages.SUCCESS if not skipped else messages.WARNING if acted else messages.ERROR
        self.message_user(request, message, level)

