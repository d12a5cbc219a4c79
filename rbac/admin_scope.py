"""What every admin of tenant-owned rows shares: the request's staff scope, the tenant scoping of
querysets, choices and the tenant filter, and the small pieces the admins use to save through
services and report on bulk actions. Importing it registers nothing."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from config.uuids import parse_uuid
from rbac.selectors import StaffScope, staff_scope
from tenants.models import Tenant


def request_scope(request: HttpRequest) -> StaffScope:
    """The staff scope of the request's user, read once per request."""
    scope = getattr(request, "_staff_scope", None)
    if scope is None:
        scope = request._staff_scope = staff_scope(user=request.user)
    return scope


def visible_tenants(request: HttpRequest) -> QuerySet[Tenant]:
    return request_scope(request).restrict(Tenant.objects.all(), "pk")


def adopt(target: Model, source: Model) -> None:
    """Copies the row a service saved onto the admin's unsaved instance, which the admin goes on
    to log and to link to."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def tenant_label(name: str, slug: str) -> str:
    """A tenant as staff tell it apart: two tenants may share a name, never a slug."""
    return f"{name} ({slug})"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class TenantScopedAdmin:
    """An admin of tenant-owned rows that shows a staff user only the rows of the tenants where
    they hold a role: another tenant's row is exactly as missing as a row that does not exist,
    and tenant choices list only their tenants. Superusers see every tenant."""

    tenant_field = "tenant"
    # The list's title; Django's is "Select <model> to change", a phrase from a pick-one dialog.
    list_title: str | None = None

    def get_queryset(self, request):
        # Scoped here, so that every admin view (list, change, history, delete, actions) is.
        return request_scope(request).restrict(super().get_queryset(request), self.tenant_field)

    def changelist_view(self, request, extra_context=None):
        title = self.list_title or capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = visible_tenants(request)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda tenant: tenant_label(tenant.name, tenant.slug)
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_name(self, obj) -> str:
        """The row's tenant with its slug (the admin selects the tenant with the row)."""
        return tenant_label(obj.tenant.name, obj.tenant.slug)


class VisibleTenantFilter(admin.SimpleListFilter):
    """By tenant, listing only the tenants the user sees."""

    title = "tenant"
    parameter_name = "tenant"

    def __init__(self, request, params, model, model_admin):
        self.tenant_field = model_admin.tenant_field
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        tenants = visible_tenants(request).order_by("name", "slug").values_list("pk", "name", "slug")
        return [(str(pk), tenant_label(name, slug)) for pk, name, slug in tenants]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        tenant_id = parse_uuid(self.value())
        if tenant_id is None:
            return queryset.none()
        return queryset.filter(**{self.tenant_field: tenant_id})


def changelist_link(model: str, label: str, **query) -> str:
    url = reverse(f"admin:{model}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, "&".join(f"{k}={v}" for k, v in query.items()), label)
