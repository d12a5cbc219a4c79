"""The admin of tenants, roles, role assignments and API keys (the tenant scoping they share with
every admin of tenant-owned rows is in rbac/admin_scope.py).

Tenants are registered here rather than in tenants/admin.py: who sees a tenant is decided by role
assignments, and tenants must not depend on rbac."""

from collections import Counter
from datetime import UTC

from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from rbac.admin_scope import TenantScopedAdmin, VisibleTenantFilter, adopt, changelist_link, plural
from rbac.exceptions import NotFound
from rbac.forms import ApiKeyCreateForm, RoleForm, TenantForm
from rbac.models import ApiKey, KeyState, Role, RoleAssignment, key_state_filter
from rbac.services import api_key_create, api_key_revoke, role_assign, role_create
from tenants.models import Tenant
from tenants.services import tenant_create


def short_moment(moment, *, never: str) -> str:
    """A moment to the minute, in UTC, for a narrow column (the key's page shows it whole)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else never


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin, admin.ModelAdmin):
    tenant_field = "pk"
    list_title = "Tenants"
    form = TenantForm
    list_display = ("name", "slug", "id", "created_at", "related")
    search_fields = ("name", "slug")
    ordering = ("name",)

    def get_fields(self, request, obj=None):
        return ("name", "slug") if obj is None else ("name", "slug", "id", "created_at", "related")

    def get_readonly_fields(self, request, obj=None):
        # A slug names the tenant in commands and scripts: it does not change once made.
        return () if obj is None else ("slug", "id", "created_at", "related")

    @admin.display(description="Related")
    def related(self, obj: Tenant) -> str:
        return format_html_join(" · ", "{}", [
            (changelist_link("executions_execution", "Executions", tenant=obj.pk),),
            (changelist_link("executions_automationrule", "Rules", tenant=obj.pk),),
            (changelist_link("rbac_apikey", "API keys", tenant=obj.pk),),
            (changelist_link("rbac_roleassignment", "Role assignments", tenant=obj.pk),),
        ])

    def has_add_permission(self, request):
        # A new tenant is in nobody's scope yet: only a superuser makes one.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        # Deleting a tenant deletes all its executions, steps and logs: not a click in the admin.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            adopt(obj, tenant_create(name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]))


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ("name", "permission_list", "is_builtin")
    search_fields = ("name",)
    ordering = ("name",)

    def get_fields(self, request, obj=None):
        return ("name", "permissions") if obj is None else ("name", "permissions", "is_builtin")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("is_builtin",)

    def changelist_view(self, request, extra_context=None):
        # "Roles", not Django's "Select role to change".
        return super().changelist_view(request, {"title": "Roles", **(extra_context or {})})

    @admin.display(description="Permissions")
    def permission_list(self, obj: Role) -> str:
        return ", ".join(obj.permissions) or "—"

    # Roles are shared by every tenant: only a superuser changes them, and never a built-in one.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and not (obj is not None and obj.is_builtin)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and not (obj is not None and obj.is_builtin)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            adopt(obj, role_create(name=form.cleaned_data["name"], permissions=form.cleaned_data["permissions"]))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(TenantScopedAdmin, admin.ModelAdmin):
    list_title = "Role assignments"
    list_display = ("user", "tenant_name", "role", "created_at")
    list_filter = (VisibleTenantFilter, "role")
    list_select_related = ("user", "tenant", "role")
    search_fields = ("user__username",)
    ordering = ("-created_at", "-id")
    raw_id_fields = ("user",)

    def get_fields(self, request, obj=None):
        return ("user", "tenant", "role") if obj is None else ("user", "tenant", "role", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # Only the role of an assignment changes; another user or tenant is another assignment.
        return () if obj is None else ("user", "tenant", "created_at")

    def save_model(self, request, obj, form, change):
        # Changing the role here is the deliberate replacement role_assign asks for.
        adopt(obj, role_assign(user=obj.user, tenant=obj.tenant, role=obj.role, replace=change))


class KeyStateFilter(admin.SimpleListFilter):
    """By state, as ApiKey.state() decides it (key_state_filter is its SQL form)."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return KeyState.choices

    def queryset(self, request, queryset):
        if self.value() not in KeyState.values:
            return queryset
        return queryset.filter(key_state_filter(self.value(), timezone.now()))


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin, admin.ModelAdmin):
    """Keys are made here for a user, tenant and role, their secret shown once on the page that
    answers the save; after that they are read-only, and revoked with an action. The digest is
    never shown."""

    list_title = "API keys"
    # State first and short dates, so that every column fits a 1366-pixel screen beside the filters.
    list_display = ("key_prefix", "state", "name", "user", "tenant_name", "role_name", "usage", "last_used",
                    "expires")
    list_filter = (VisibleTenantFilter, KeyStateFilter)
    list_select_related = ("user", "tenant")
    search_fields = ("=prefix", "name", "user__username")
    ordering = ("-created_at", "-id")
    actions = ("revoke_selected",)
    add_fieldsets = (
        (None, {"fields": ("username", "tenant", "role", "replace_role")}),
        ("Limits", {"fields": ("name", "expires_in_days", "usage_limit")}),
    )
    change_fields = ("key_prefix", "name", "user", "tenant", "role_name", "state", "created_at", "expires_at",
                     "usage", "last_used_at", "revoked_at")

    def get_queryset(self, request):
        # The role is the user's role in the key's tenant (a key holds none): one subquery, no N+1.
        role = RoleAssignment.objects.filter(user_id=OuterRef("user_id"), tenant_id=OuterRef("tenant_id"))
        return super().get_queryset(request).annotate(role_name=Subquery(role.values("role__name")[:1]))

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else ((None, {"fields": self.change_fields}),)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        # Every save answers with the page that shows the secret: one button.
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False,
                         "show_save_and_continue": False}
        return super().add_view(request, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # A key is named `ak_<prefix>` in lists; search takes either spelling.
        term = search_term.strip()
        if term.startswith("ak_"):
            term = term[3:].split("_", 1)[0]
        return super().get_search_results(request, queryset, term)

    @admin.display(description="Prefix", ordering="prefix")
    def key_prefix(self, obj: ApiKey) -> str:
        return str(obj)

    @admin.display(description="Role")
    def role_name(self, obj: ApiKey) -> str:
        return obj.role_name or "— (no role in the tenant)"

    @admin.display(description="Usage")
    def usage(self, obj: ApiKey) -> str:
        # Uses are counted only against a limit (one UPDATE per request); a key without one shows
        # that it is not counted, never a wrong 0. Its last use is in last_used_at.
        return f"{obj.usage_count} of {obj.usage_limit}" if obj.usage_limit else "not counted"

    @admin.display(description="State")
    def state(self, obj: ApiKey) -> str:
        return obj.state()

    @admin.display(description="Last used", ordering="last_used_at")
    def last_used(self, obj: ApiKey) -> str:
        return short_moment(obj.last_used_at, never="never")

    @admin.display(description="Expires", ordering="expires_at")
    def expires(self, obj: ApiKey) -> str:
        return short_moment(obj.expires_at, never="never")

    def has_change_permission(self, request, obj=None):
        # Read-only once made: a key changes only by being revoked (an action).
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: a revoked key keeps the record of who held it.
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("rbac.change_apikey")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        issued = api_key_create(
            username=data["username"], tenant=data["tenant"], role=data["role"],
            replace_role=data["replace_role"], expires_in_days=data["expires_in_days"],
            usage_limit=data["usage_limit"], name=data["name"],
        )
        adopt(obj, issued.api_key)
        # The only copy of the secret, on this request's object alone: response_add shows it once.
        obj.issued_key = issued.key

    def response_add(self, request, obj, post_url_continue=None):
        """The page that answers the save shows the secret, once: it is never kept in the session or
        in a message, and no later page can show it again."""
        held = RoleAssignment.objects.filter(user_id=obj.user_id, tenant_id=obj.tenant_id).select_related("role")
        held = held.first()
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "opts": self.opts,
            "api_key": obj,
            "key": obj.issued_key,
            "role": held.role if held else None,
            "change_url": reverse("admin:rbac_apikey_change", args=[obj.pk]),
            "changelist_url": reverse("admin:rbac_apikey_changelist"),
            "add_url": reverse("admin:rbac_apikey_add"),
        }
        # The admin's never_cache adds no-store too; said here as well, since this page holds a secret.
        response = TemplateResponse(request, "admin/rbac/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        # The service says whether it changed anything: a key revoked already (also by someone
        # else since the list was shown) is skipped and said so.
        outcomes = Counter()
        for prefix in queryset.values_list("prefix", flat=True):
            try:
                _, changed = api_key_revoke(prefix=prefix)
            except NotFound:
                outcomes["no longer exist"] += 1
            else:
                outcomes["revoked" if changed else "already revoked"] += 1
        revoked = outcomes.pop("revoked", 0)
        message = f"Revoked {plural(revoked, 'API key')}."
        for reason, count in outcomes.items():
            message += f" Skipped {count}: {reason}."
        self.message_user(request, message, messages.SUCCESS if revoked else messages.WARNING)


