"""The executions changelist's sidebar filters: each lists only what the user may see, and each
filters on an index."""

import re

from django.contrib import admin

from config.uuids import parse_uuid
from executions import lifecycle
from executions.fingerprints import normalised
from executions.models import AutomationRule, Execution
from rbac.admin_scope import request_scope

CHOICE_LIMIT = 100
FINGERPRINT = re.compile(r"[0-9a-f]{16}")


def visible_rules(request):
    """The rules of the tenants the user sees, of the tenant the list is filtered by if any."""
    rules = request_scope(request).restrict(AutomationRule.objects.all())
    tenant_id = parse_uuid(request.GET.get("tenant"))
    return rules.filter(tenant_id=tenant_id) if tenant_id else rules


class RuleFilter(admin.SimpleListFilter):
    """By rule: the first CHOICE_LIMIT visible rules by name are listed; any visible rule can be
    given by id (as the rules list's links do)."""

    title = "rule"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        rules = visible_rules(request).order_by("name", "id").values_list("pk", "name", "tenant__slug")
        return [(str(pk), f"{name} · {slug}") for pk, name, slug in rules[:CHOICE_LIMIT]]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        rule_id = parse_uuid(self.value())
        tenant_id = rule_id and request_scope(request).restrict(
            AutomationRule.objects.filter(pk=rule_id)).values_list("tenant_id", flat=True).first()
        if tenant_id is None:
            return queryset.none()
        # With its tenant, so that the (tenant, rule, created_at) index serves the list.
        return queryset.filter(tenant_id=tenant_id, rule_id=rule_id)


class TriggerFilter(admin.SimpleListFilter):
    """By the trigger of the execution's rule."""

    title = "trigger"
    parameter_name = "trigger"

    def lookups(self, request, model_admin):
        triggers = visible_rules(request).order_by("trigger").values_list("trigger", flat=True).distinct()
        return [(trigger, trigger) for trigger in triggers[:CHOICE_LIMIT]]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # The rules first (a small table), then their executions by a list of rule ids, which
        # PostgreSQL can test while it walks an index in the list's order (a subquery it would join).
        rule_ids = list(visible_rules(request).filter(trigger=self.value()).values_list("pk", flat=True))
        return queryset.filter(rule_id__in=rule_ids)


class UnresolvedFailuresFilter(admin.SimpleListFilter):
    """The failures still worth a look: executions that failed or timed out (lifecycle.FAILED) and
    were not retried, so each chain of attempts shows at most its latest, and a failure a retry
    already fixed shows not at all."""

    title = "failures"
    parameter_name = "failures"

    def lookups(self, request, model_admin):
        return [("unresolved", "Unresolved (failed or timed out, not retried)")]

    def queryset(self, request, queryset):
        if self.value() != "unresolved":
            return queryset
        return unresolved_failures(queryset)


def unresolved_failures(queryset):
    # next_attempt is the reverse of the unique retry_of: an anti-join on its index.
    return queryset.filter(status__in=lifecycle.FAILED, next_attempt__isnull=True)


class FingerprintFilter(admin.SimpleListFilter):
    """By error fingerprint: a failure group's executions, as the Failures page links them. The
    sidebar names the chosen group by its message and leads to the Failures page."""

    title = "error fingerprint"
    parameter_name = "error_fingerprint"
    template = "admin/executions/execution/fingerprint_filter.html"

    def lookups(self, request, model_admin):
        fingerprint = self.value()
        if not fingerprint or not FINGERPRINT.fullmatch(fingerprint):
            return []
        # One of the group's messages (on the exec_tenant_fingerprint index), shown as the group's.
        messages = (request_scope(request).restrict(Execution.objects.filter(error_fingerprint=fingerprint))
                    .values_list("error_message", flat=True)[:1])
        message = normalised(next(iter(messages), None) or "")
        return [(fingerprint, f"{fingerprint} · {message}" if message else fingerprint)]

    def has_output(self):
        # Shown without a choice too: it leads to the Failures page.
        return True

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not FINGERPRINT.fullmatch(self.value()):
            return queryset.none()
        return queryset.filter(error_fingerprint=self.value())
