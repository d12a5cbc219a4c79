"""Automation rules in the admin: what ran lately, edits through the services, and disabling in
place of deleting a rule that has executions."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, F, FilteredRelation, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.fields import MAX_INT
from executions import services
from executions.admin.display import STATUS_COLOURS
from executions.admin.rule_runs import rule_runs
from executions.exceptions import DomainError
from executions.models import AutomationRule, Execution
from executions.rules import action_shape_errors
from rbac.admin_scope import TenantScopedAdmin, VisibleTenantFilter, adopt, plural

RECENT = timedelta(hours=24)
STATUSES = tuple(Execution.Status.values)
EDITABLE = ("name", "description", "trigger", "actions", "timeout_seconds", "is_enabled")


class RuleForm(forms.ModelForm):
    """A rule as the API takes it: actions are a list of objects, each with a `type`."""

    class Meta:
        model = AutomationRule
        fields = ("tenant", *EDITABLE)
        help_texts = {"actions": 'A JSON list of objects, each with at least a "type", e.g. [{"type": "email"}].'}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "timeout_seconds" in self.fields:
            self.fields["timeout_seconds"].validators += [MinValueValidator(1), MaxValueValidator(MAX_INT)]
            self.fields["timeout_seconds"].widget.attrs["min"] = 1

    def clean_actions(self):
        actions = self.cleaned_data.get("actions")
        if actions is None:
            return []
        errors = action_shape_errors(actions)
        if errors:
            raise forms.ValidationError([f"actions.{path}: {message}" if path else message
                                         for path, message in errors.items()])
        return actions


@admin.register(AutomationRule)
class RuleAdmin(TenantScopedAdmin, admin.ModelAdmin):
    form = RuleForm
    list_title = "Rules"
    list_display = ("name", "tenant_name", "trigger", "is_enabled", "version", "last_24_hours", "updated_at")
    list_filter = (VisibleTenantFilter, "is_enabled")
    list_select_related = ("tenant",)
    search_fields = ("name", "trigger")
    ordering = ("-created_at", "-id")
    actions = ("disable_selected", "enable_selected")
    # Counting the rules would join their recent executions again: one count is enough.
    show_full_result_count = False

    def get_queryset(self, request):
        # The executions of the last 24 hours counted by status in the same query: the join's own
        # condition (tenant, rule, created_at) keeps it on the executions index.
        recent = FilteredRelation("executions", condition=Q(
            executions__tenant_id=F("tenant_id"), executions__created_at__gte=timezone.now() - RECENT))
        counts = {f"recent_{status}": Count("recent", filter=Q(recent__status=status)) for status in STATUSES}
        return super().get_queryset(request).annotate(recent=recent).annotate(**counts)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The strip of newest runs and the figures of 24 hours and 7 days: two queries.
            context["rule_runs"] = rule_runs(obj, now=timezone.now())
            context["rule_executions_url"] = (f"{reverse('admin:executions_execution_changelist')}"
                                              f"?rule={obj.pk}")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("tenant", *EDITABLE)
        return ("tenant_name", *EDITABLE, "version", "created_at", "updated_at", "last_24_hours")

    def get_readonly_fields(self, request, obj=None):
        # A rule stays in its tenant; the version moves with the services' edits.
        return () if obj is None else ("tenant_name", "version", "created_at", "updated_at", "last_24_hours")

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's bulk delete would gather every execution a rule protects onto its confirmation page.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="Executions in the last 24 hours")
    def last_24_hours(self, obj: AutomationRule) -> str:
        counts = [(status, getattr(obj, f"recent_{status}", 0)) for status in STATUSES]
        shown = [(status, count) for status, count in counts if count]
        url = reverse("admin:executions_execution_changelist")
        link = format_html('<a href="{}?rule={}">all executions</a>', url, obj.pk)
        if not shown:
            return format_html("none · {}", link)
        badges = format_html_join(
            " ", '<span style="color:{};font-weight:600">{} {}</span>',
            ((STATUS_COLOURS[status][0], count, status) for status, count in shown),
        )
        return format_html("{} · {}", badges, link)

    def save_model(self, request, obj, form, change):
        # Through the services, like the API: a change of trigger, actions or timeout bumps the version.
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
            if changes:
                adopt(obj, services.rule_update(tenant_id=obj.tenant_id, rule_id=obj.pk, changes=changes))
        else:
            fields = {name: form.cleaned_data[name] for name in EDITABLE}
            adopt(obj, services.rule_create(tenant_id=obj.tenant_id, **fields))

    def get_deleted_objects(self, objs, request):
        # Whether a rule may go is rule_delete's to say (one that has executions may not), when the
        # deletion is confirmed; Django's collector would list every execution it protects here.
        return [str(obj) for obj in objs], {self.opts.verbose_name_plural: len(objs)}, set(), []

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # from rule_delete: the rule has executions (or went meanwhile)
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:executions_automationrule_change", args=[unquote(object_id)]))

    def delete_model(self, request, obj):
        services.rule_delete(tenant_id=obj.tenant_id, rule_id=obj.pk)

    @admin.action(description="Disable selected rules", permissions=["change"])
    def disable_selected(self, request, queryset):
        self._set_enabled(request, queryset, False)

    @admin.action(description="Enable selected rules", permissions=["change"])
    def enable_selected(self, request, queryset):
        self._set_enabled(request, queryset, True)

    def _set_enabled(self, request, queryset, enabled: bool) -> None:
        changed = unchanged = 0
        for rule_id, tenant_id, is_enabled in queryset.values_list("pk", "tenant_id", "is_enabled"):
            if is_enabled == enabled:
                unchanged += 1
                continue
            try:
                services.rule_update(tenant_id=tenant_id, rule_id=rule_id, changes={"is_enabled": enabled})
            except DomainError:
                unchanged += 1
                continue
            changed += 1
        message = f"{'Enabled' if enabled else 'Disabled'} {plural(changed, 'rule')}."
        if unchanged:
            message += f" Skipped {unchanged}: already {'enabled' if enabled else 'disabled'}."
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)
