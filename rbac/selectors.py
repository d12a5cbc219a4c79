"""Reads of who may see what: the tenant scope of a staff user in the admin."""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from rbac.models import RoleAssignment


@dataclass(frozen=True)
class StaffScope:
    """The tenants a staff user may see in the admin, each with the permissions of the user's role
    there; `permissions` is None for a superuser, who sees every tenant."""

    permissions: dict[UUID, frozenset[str]] | None

    @property
    def sees_every_tenant(self) -> bool:
        return self.permissions is None

    @property
    def tenant_ids(self) -> list[UUID] | None:
        """The visible tenants' ids, or None for every tenant."""
        return None if self.permissions is None else list(self.permissions)

    def sees(self, tenant_id: UUID) -> bool:
        return self.permissions is None or tenant_id in self.permissions

    def holds(self, tenant_id: UUID, permission: str) -> bool:
        """Whether the user's role in the tenant grants `permission` (a superuser holds them all)."""
        return self.permissions is None or permission in self.permissions.get(tenant_id, frozenset())

    def holds_anywhere(self, permission: str) -> bool:
        return self.permissions is None or any(permission in granted for granted in self.permissions.values())

    def restrict(self, queryset: QuerySet, tenant_field: str = "tenant") -> QuerySet:
        """`queryset` narrowed to the visible tenants: another tenant's row is simply not found."""
        if self.permissions is None:
            return queryset
        return queryset.filter(**{f"{tenant_field}__in": list(self.permissions)})


def staff_scope(*, user) -> StaffScope:
    """The scope of a staff user: one query, none for a superuser."""
    if user.is_superuser:
        return StaffScope(None)
    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list("tenant_id", "role__permissions")
    return StaffScope({tenant_id: frozenset(permissions or ()) for tenant_id, permissions in rows})
