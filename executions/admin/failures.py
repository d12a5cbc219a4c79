"""The Failures page of the admin: the failed and timed-out executions of the staff user's tenants
in a window, grouped by error fingerprint as GET /failures groups them, each group linked to its
executions; and the retry of a group's retryable executions, through bulk_act, after a dry run
that shows what it would do."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from executions import bulk
from executions.api.filters import execution_selection
from executions.failures import MAX_WINDOW, TenantFailureGroup, failure_groups_of_tenants
from executions.fingerprints import normalised
from rbac.admin_scope import plural, request_scope, tenant_label

# The windows offered, the first the default.
WINDOWS = {"24h": ("24 hours", timedelta(hours=24)), "7d": ("7 days", timedelta(days=7))}
DEFAULT_WINDOW = "24h"
# Retries made by one confirmation, each its own transaction; a bigger group is worked through by
# confirming again (the dry run says how many are left).
RETRY_LIMIT = 500
SKIP_REASONS = {
    "already_retried": "already retried",
    "not_retryable_status": "not failed, timed out or cancelled",
    "rule_disabled": "their rule is disabled",
}


def window_of(value: str | None) -> str:
    return value if value in WINDOWS else DEFAULT_WINDOW


class GroupForm(forms.Form):
    """A failure group of one tenant, and the window [since, until) of its executions."""

    tenant = forms.UUIDField()
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{16}\Z")
    since = forms.DateTimeField()
    until = forms.DateTimeField()
    window = forms.CharField(required=False)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and not (since < until <= since + MAX_WINDOW):
            raise forms.ValidationError("The window must end after it starts, and span at most 31 days.")
        return data


@dataclass(frozen=True)
class GroupRow:
    group: TenantFailureGroup
    tenant: str
    executions_url: str
    rule_url: str
    sample_url: str
    retry_url: str | None  # None when the user may not retry in the group's tenant, or none would retry


class FailurePages:
    """The Failures page and the retry of a group, as views of the executions' admin (its
    permissions, its site and its messages)."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self) -> list:
        site = self.model_admin.admin_site
        return [
            path("failures/", site.admin_view(self.list_view), name="executions_execution_failures"),
            path("failures/retry/", site.admin_view(self.retry_view), name="executions_execution_failures_retry"),
        ]

    # The groups

    def list_view(self, request):
        if not self.model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        window = window_of(request.GET.get("window"))
        until = timezone.now()
        since = until - WINDOWS[window][1]
        scope = request_scope(request)
        groups = failure_groups_of_tenants(tenant_ids=scope.tenant_ids, since=since, until=until)
        context = {
            **self._context(request, "Failures"),
            "window": window,
            "windows": [(key, label, f"?{urlencode({'window': key})}") for key, (label, _) in WINDOWS.items()],
            "window_label": WINDOWS[window][0],
            "since": since,
            "until": until,
            "rows": [self._row(request, group, since, until, window) for group in groups],
        }
        return TemplateResponse(request, "admin/executions/execution/failures.html", context)

    def _row(self, request, group: TenantFailureGroup, since: datetime, until: datetime, window: str) -> GroupRow:
        may_retry = group.retryable and self.model_admin.may_execute_in(request, group.tenant_id)
        query = {"tenant": group.tenant_id, "fingerprint": group.error_fingerprint, "since": since.isoformat(),
                 "until": until.isoformat(), "window": window}
        return GroupRow(
            group=group,
            tenant=tenant_label(group.tenant_name, group.tenant_slug),
            executions_url=executions_url(group.tenant_id, group.error_fingerprint),
            rule_url=reverse("admin:executions_automationrule_change", args=[group.automation_rule_id]),
            sample_url=reverse("admin:executions_execution_change", args=[group.sample_execution_id]),
            retry_url=f"{reverse('admin:executions_execution_failures_retry')}?{urlencode(query)}" if may_retry
            else None,
        )

    # The retry of a group: GET is the dry run and a button, POST the retries

    def retry_view(self, request):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not self.model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        form = GroupForm(request.GET if request.method == "GET" else request.POST)
        window = window_of(form.data.get("window"))
        back = f"{reverse('admin:executions_execution_failures')}?{urlencode({'window': window})}"
        if not form.is_valid() or not request_scope(request).sees(form.cleaned_data["tenant"]):
            # Another tenant's group is exactly as missing as one that does not exist.
            self.model_admin.message_user(request, "No such failure group: pick one from the list.", messages.WARNING)
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        if not self.model_admin.may_execute_in(request, data["tenant"]):
            raise PermissionDenied
        selection = execution_selection(tenant_id=data["tenant"], given={"error_fingerprint": data["fingerprint"]})
        # The group as the page showed it: its window, so that a failure from before it, or one
        # that arrives after the dry run, is not retried unseen.
        selection = selection.filter(created_at__gte=data["since"], created_at__lt=data["until"])
        dry_run = request.method == "GET"
        result = bulk.bulk_act(action=bulk.RETRY, tenant_id=data["tenant"], selection=selection,
                               actor=self.model_admin.actor(request), dry_run=dry_run, limit=RETRY_LIMIT)
        if dry_run:
            return self._plan(request, selection, data, result, back)
        self.model_admin.message_user(request, retried_message(result),
                                      messages.SUCCESS if result.acted and not result.skipped
                                      else messages.WARNING if result.acted else messages.ERROR)
        return HttpResponseRedirect(back)

    def _plan(self, request, selection, data: dict, result: bulk.BulkResult, back: str):
        # The newest of the group names its rule, tenant and message on the page.
        sample = (selection.select_related("rule", "tenant").only(
            "id", "error_message", "rule__name", "tenant__name", "tenant__slug").order_by("-created_at", "-id").first())
        context = {
            **self._context(request, "Retry this failure group?"),
            "sample": sample,
            "message": normalised(sample.error_message or "") if sample else "",
            "tenant": tenant_label(sample.tenant.name, sample.tenant.slug) if sample else "",
            "fingerprint": data["fingerprint"],
            "since": data["since"],
            "until": data["until"],
            "result": result,
            "skipped": [(SKIP_REASONS.get(reason, reason), count) for reason, count in result.skipped.items()],
            "left": result.matched - len(result.results),
            "limit": RETRY_LIMIT,
            "form_data": {**{key: data[key] for key in ("tenant", "fingerprint", "window")},
                          "since": data["since"].isoformat(), "until": data["until"].isoformat()},
            "executions_url": executions_url(data["tenant"], data["fingerprint"]),
            "back_url": back,
        }
        return TemplateResponse(request, "admin/executions/execution/failures_retry.html", context)

    def _context(self, request, title: str) -> dict:
        return {**self.model_admin.admin_site.each_context(request), "title": title, "opts": self.model_admin.opts}


def executions_url(tenant_id, fingerprint: str) -> str:
    """The executions list filtered by the group's tenant and fingerprint."""
    query = urlencode({"tenant": tenant_id, "error_fingerprint": fingerprint})
    return f"{reverse('admin:executions_execution_changelist')}?{query}"


def retried_message(result: bulk.BulkResult) -> str:
    message = f"Retried {plural(result.acted, 'execution')}."
    if result.skipped:
        why = "; ".join(f"{count} {SKIP_REASONS.get(reason, reason)}" for reason, count in result.skipped.items())
        message += f" Skipped {sum(result.skipped.values())}: {why}."
    if result.more:
        left = plural(result.matched - len(result.results), "execution")
        message += f" Left to retry: {left}; retry the group again."
    return message
