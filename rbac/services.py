"""Changes of roles, role assignments and API keys."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission as DjangoPermission
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.fields import MAX_INT
from rbac.exceptions import Conflict, Invalid, NotFound, RoleHeld
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
        raise NotFound(f"No role named {name!r}.")
    return role


def role_create(*, name: str, permissions: list[str]) -> Role:
    unknown = sorted(set(permissions) - set(Permission.values))
    if unknown:
        raise Invalid(f"Unknown permission {unknown[0]!r}; known: {', '.join(Permission.values)}.",
                      field="permissions")
    try:
        with transaction.atomic():
            return Role.objects.create(name=name, permissions=sorted(set(permissions)))
    except IntegrityError:
        raise Conflict(f"A role named {name!r} already exists.") from None


def role_assign_check(*, assignment: RoleAssignment | None, role: Role, replace: bool) -> None:
    """Raises RoleHeld when `assignment` (a user's in a tenant, if any) holds another role than
    `role` and `replace` is not asked for: a user holds one role in a tenant, and changing it
    changes the role of all the user's keys there (keys hold no role). role_assign checks with
    this; so does the admin's key form, to say so on the form."""
    if assignment is not None and assignment.role_id != role.pk and not replace:
        raise RoleHeld(username=assignment.user.get_username(), tenant=assignment.tenant.slug,
                       held=assignment.role.name, wanted=role.name)


@transaction.atomic
def role_assign(*, user, tenant: Tenant, role: Role, replace: bool = False) -> RoleAssignment:
    """Gives `user` `role` in `tenant`; see role_assign_check for a different role already held."""
    # Locked: two assignments of the same user and tenant at once must not both pass the check.
    assignment = RoleAssignment.objects.select_for_update().filter(user=user, tenant=tenant).first()
    if assignment is None:
        return RoleAssignment.objects.create(user=user, tenant=tenant, role=role)
    role_assign_check(assignment=assignment, role=role, replace=replace)
    if assignment.role_id != role.pk:
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
        raise NotFound(f"No staff group named {unknown[0]!r}; known: {', '.join(STAFF_GROUPS)}.")
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
    user.is_staff = True
    user.save(update_fields=["is_staff", "password"] if created else ["is_staff"])
    role_assign(user=user, tenant=tenant, role=role, replace=replace_role)
    names = groups or ["Execution operators" if Permission.EXECUTE in role.permissions else "Execution viewers"]
    by_name = {group.name: group for group in staff_groups_ensure()}
    user.groups.add(*(by_name[name] for name in names))
    return user, created, names


# A hundred years: a key that should live longer should never expire.
MAX_EXPIRES_IN_DAYS = 36500


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `key` is the only copy of the secret, shown once."""

    api_key: ApiKey
    key: str


@transaction.atomic
def api_key_create(*, username: str, tenant: Tenant, role: Role, replace_role: bool = False,
                   expires_in_days: int | None = None, usage_limit: int | None = None,
                   name: str = "") -> IssuedKey:
    if expires_in_days is not None and not 0 < expires_in_days <= MAX_EXPIRES_IN_DAYS:
        raise Invalid(f"The days until the key expires must be from 1 to {MAX_EXPIRES_IN_DAYS}.",
                      field="expires_in_days")
    if usage_limit is not None and not 0 < usage_limit <= MAX_INT:
        raise Invalid(f"A usage limit must be from 1 to {MAX_INT}.", field="usage_limit")
    user, _ = get_user_model().objects.get_or_create(username=username)
    role_assign(user=user, tenant=tenant, role=role, replace=replace_role)
    for _ in range(5):  # a prefix collision is rare; try another
        key, prefix, secret = key_generate()
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:
        raise Conflict("Could not find a free key prefix; try again.")
    api_key = ApiKey.objects.create(
        prefix=prefix, digest=secret_digest(secret), name=name, user=user, tenant=tenant,
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
        usage_limit=usage_limit,
    )
    return IssuedKey(api_key, key)


@transaction.atomic
def api_key_revoke(*, prefix: str) -> tuple[ApiKey, bool]:
    """Revokes the key; returns it and whether this call revoked it (False: it already was, and
    nothing changed)."""
    # Locked: of two revocations at once, one revokes and the other is told it already was.
    api_key = ApiKey.objects.select_for_update().filter(prefix=prefix).first()
    if api_key is None:
        raise NotFound(f"No API key with prefix {prefix!r}.")
    if api_key.revoked_at is not None:
        return api_key, False
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    return api_key, True
