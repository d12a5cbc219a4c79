"""What the rbac commands look up from their arguments, each with its one-line error, and the
services' refusals in the commands' words."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from config.fields import MAX_INT
from rbac.exceptions import Invalid, RbacError, RoleHeld
from rbac.models import Role
from rbac.services import MAX_EXPIRES_IN_DAYS
from tenants.models import Tenant
from tenants.selectors import tenant_find


def tenant_argument(slug_or_id: str) -> Tenant:
    tenant = tenant_find(slug_or_id=slug_or_id)
    if tenant is None:
        raise CommandError(f"No tenant has the slug or id {slug_or_id!r}.")
    return tenant


def role_argument(name: str) -> Role:
    role = Role.objects.filter(name=name).first()
    if role is None:
        known = ", ".join(Role.objects.values_list("name", flat=True))
        raise CommandError(f"No role named {name!r}; known: {known}.")
    return role


def username_argument(username: str) -> str:
    """A user's name; one that would make a new user must be a name Django accepts."""
    User = get_user_model()
    if User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
        return username
    try:
        User._meta.get_field(User.USERNAME_FIELD).clean(username, None)
    except ValidationError as error:
        raise CommandError(f"{username!r} is not a valid username: {' '.join(error.messages)}") from None
    return username


# What a service's Invalid says about an argument, as the flag that gives it.
FLAG_ERRORS = {
    "expires_in_days": f"--expires-in must be a positive number of days, at most {MAX_EXPIRES_IN_DAYS}.",
    "usage_limit": f"--usage-limit must be a positive integer of at most {MAX_INT}.",
}


def command_error(error: RbacError) -> CommandError:
    """A service's refusal as a command's one-line error: where it says how to do otherwise, the
    command names its own flag."""
    if isinstance(error, RoleHeld):
        return CommandError(error.with_hint("pass --replace-role to change it (for all of the user's keys there)"))
    if isinstance(error, Invalid) and error.field in FLAG_ERRORS:
        return CommandError(FLAG_ERRORS[error.field])
    return CommandError(error.detail)
