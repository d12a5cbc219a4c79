from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Permission(models.TextChoices):
    """The permission codes a role can hold."""

    READ = "automation:read", "Read executions and rules"
    WRITE = "automation:write", "Write rules and report executions"
    EXECUTE = "automation:execute", "Retry and cancel executions"


class Role(models.Model):
    """A named set of permission codes; four are built in."""

    BUILTIN = {
        "viewer": [Permission.READ],
        "writer": [Permission.READ, Permission.WRITE],
        "operator": [Permission.READ, Permission.EXECUTE],
        "admin": [Permission.READ, Permission.WRITE, Permission.EXECUTE],
    }

    name = models.CharField(max_length=100, unique=True)
    # A list of Permission codes. Kept on the row so that the key lookup fetches a caller's
    # permissions in the same single query.
    permissions = models.JSONField(default=list)
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """The one role a user holds in a tenant."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("user", "tenant"), name="%(app_label)s_%(class)s_unique_user_tenant",
                violation_error_message="The user already holds a role in this tenant.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} in {self.tenant}"


class KeyState(models.TextChoices):
    """Whether a key lets its holder in, and if not why; decided by key_state alone."""

    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    USED_UP = "used up", "Used up"


def key_state(*, revoked_at: datetime | None, expires_at: datetime | None, now: datetime,
              usage_limit: int | None = None, usage_count: int = 0) -> KeyState:
    """The one definition of a key's state, first match wins: revoked, expired, used up, else
    active. Authentication leaves out the uses: it counts them in the database, where concurrent
    requests cannot both take the last one. key_state_filter says the same in SQL."""
    if revoked_at is not None:
        return KeyState.REVOKED
    if expires_at is not None and expires_at <= now:
        return KeyState.EXPIRED
    if usage_limit is not None and usage_count >= usage_limit:
        return KeyState.USED_UP
    return KeyState.ACTIVE


def key_state_filter(state: str, now: datetime) -> Q:
    """The keys in `state` at `now`, as key_state decides it (tests/rbac/test_key_state.py holds
    the two to each other)."""
    not_revoked = Q(revoked_at__isnull=True)
    expired = Q(expires_at__isnull=False, expires_at__lte=now)
    used_up = Q(usage_limit__isnull=False, usage_count__gte=F("usage_limit"))
    return {
        KeyState.REVOKED: ~not_revoked,
        KeyState.EXPIRED: not_revoked & expired,
        KeyState.USED_UP: not_revoked & ~expired & used_up,
        KeyState.ACTIVE: not_revoked & ~expired & ~used_up,
    }[KeyState(state)]


class ApiKey(models.Model):
    """A secret a user holds for one tenant; stored as a public prefix and a keyed digest."""

    prefix = models.CharField(max_length=8, unique=True)
    # HMAC-SHA256 of the secret keyed with API_KEY_PEPPER, hex; never the secret itself.
    digest = models.CharField(max_length=64, editable=False)
    name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="api_keys")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    usage_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gt=0),
                name="%(app_label)s_%(class)s_usage_limit_positive",
                violation_error_message="A usage limit must be positive.",
            ),
        ]

    def __str__(self) -> str:
        return f"ak_{self.prefix}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def state(self, now: datetime | None = None) -> KeyState:
        """active, revoked, expired or used up (reads the row's own fields)."""
        return key_state(revoked_at=self.revoked_at, expires_at=self.expires_at, now=now or timezone.now(),
                         usage_limit=self.usage_limit, usage_count=self.usage_count)
