"""Changes of roles, role assignments and API keys."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission as DjangoPermission
from django.db import IntegrityError, transaction
from django.utils import timezone

from rbac.exceptions import RbacError
from rbac.keys import key_generate, secret_digest
from rbac.models import ApiKey, Permission, Role, RoleAssignment
from tenants.models import Tenant


def role_get(*, name: str) -> Role:
    """A role by name; the built-in ones are made again if missing (a flushed test database)."""
    role = Role.objects.filter(name=name).first()
    if role is None and name in Role.BUILTIN:
        role, _ = Role.objects.get_or_create(
            name=name, defaults={"permissions": [str(p) for p in Role.BUILTIN[name]], "is_builtin": True}
        )
    if role is None:
        raise RbacError(f"No role named {name!r}.")
    return role


def role_create(*, name: str, permissions: list[str]) -> Role:
    unknown = sorted(set(permissions) - set(Permission.values))
    if unknown:
        raise RbacError(f"Unknown permission {unknown[0]!r}; known: {', '.join(Permission.values)}.")
    try:
        with transaction.atomic():
            return Role.objects.create(name=name, permissions=sorted(set(permissions)))
    except IntegrityError:
        raise RbacError(f"A role named {name!r} already exists.") from None


@transaction.atomic
def role_assign(*, user, tenant: Tenant, role: Role, replace: bool = False) -> RoleAssignment:
    """Gives `user` `role` in `tenant`. A different role already held is refused unless
    `replace`, which changes the role of all the user's keys there (keys hold no role)."""
    assignment = RoleAssignment.objects.select_for_update().filter(user=user, tenant=tenant).first()
    if assignment is None:
        return RoleAssignment.objects.create(user=user, tenant=tenant, role=role)
    if assignment.role_id != role.pk:
        if not replace:
            raise RbacError(
                f"{user.get_username()} already holds the role {assignment.role.name!r} in {tenant.slug}; "
                "pass --replace-role to change it (for all of the user's keys there)."
            )
        assignment.role = role
        assignment.save(update_fields=["role"])
    return assignment


# The admin's built-in groups: the Django model permissions that tenant staff need to see (and, as
# operators, to retry and cancel) their tenants' objects; which tenants comes from their roles.
STAFF_GROUPS: dict[str, tuple[str, ...]] = {
    "Execution viewers": (
        "tenants.view_tenant", "executions.view_automationrule", "executions.view_execution",
        "rbac.view_role", "rbac.view_roleassignment", "rbac.view_apikey",
    ),
}
STAFF_GROUPS["Execution operators"] = (*STAFF_GROUPS["Execution viewers"], "executions.change_execution")


def staff_groups_ensure(**_) -> list[Group]:
    """Makes the built-in staff groups with their permissions, or brings them back to them (also
    a post_migrate receiver: the permissions exist by then)."""
    groups = []
    for name, codes in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            found = DjangoPermission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is not None:  # absent only before every app's permissions are made
                permissions.append(found)
        group.permissions.set(permissions)
        groups.append(group)
    return groups


@transaction.atomic
def staff_grant(*, username: str, tenant: Tenant, role: Role, groups: list[str] | None = None,
                replace_role: bool = False):
    """Makes a user tenant staff: staff, the role in the tenant, and the staff group its role
    calls for (operators when the role may execute) unless `groups` names them. Returns
    (user, created, group names)."""
    unknown = sorted(set(groups or ()) - set(STAFF_GROUPS))
    if unknown:
        raise RbacError(f"No staff group named {unknown[0]!r}; known: {', '.join(STAFF_GROUPS)}.")
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
    user.is_staff = True
    user.save()
    role_assign(user=user, tenant=tenant, role=role, replace=replace_role)
    names = groups or ["Execution operators" if Permission.EXECUTE in role.permissions else "Execution viewers"]
    by_name = {group.name: group for group in staff_groups_ensure()}
    user.groups.add(*(by_name[name] for name in names))
    return user, created, names


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `key` is the only copy of the secret, shown once."""

    api_key: ApiKey
    key: str


@transaction.atomic
def api_key_create(*, username: str, tenant: Tenant, role: Role, replace_role: bool = False,
                   expires_in_days: int | None = None, usage_limit: int | None = None,
                   name: str = "") -> IssuedKey:
    if expires_in_days is not None and expires_in_days <= 0:
        raise RbacError("--expires-in must be a positive number of days.")
    if usage_limit is not None and usage_limit <= 0:
        raise RbacError("--usage-limit must be positive.")
    user, _ = get_user_model().objects.get_or_create(username=username)
    role_assign(user=user, tenant=tenant, role=role, replace=replace_role)
    for _ in range(5):  # a prefix collision is rare; try another
        key, prefix, secret = key_generate()
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:
        raise RbacError("Could not find a free key prefix; try again.")
    api_key = ApiKey.objects.create(
        prefix=prefix, digest=secret_digest(secret), name=name, user=user, tenant=tenant,
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
        usage_limit=usage_limit,
    )
    return IssuedKey(api_key, key)


def api_key_revoke(*, prefix: str) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().filter(prefix=prefix).first()
        if api_key is None:
            raise RbacError(f"No API key with prefix {prefix!r}.")
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
    return api_key
