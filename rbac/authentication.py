import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import NamedTuple
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from config.problems import InvalidRequest
from config.uuids import parse_uuid
from rbac.brute_force import TooManyFailures, auth_failures, client_address
from rbac.key_cache import key_cache
from rbac.keys import key_split, secret_matches
from rbac.models import ApiKey, KeyState, Role, RoleAssignment, key_state, key_state_filter

LAST_USED_PRECISION = timedelta(minutes=1)
OTHER_TENANT = "This API key cannot act in the tenant named by x-tenant-id."
INVALID_KEY = "The API key is not valid."
UNKNOWN_DIGEST = "0" * 64  # compared with when no key has the prefix
REFUSED = {
    KeyState.REVOKED: "The API key has been revoked.",
    KeyState.EXPIRED: "The API key has expired.",
    KeyState.USED_UP: "The API key is over its usage limit.",
}


class KeyRow(NamedTuple):
    """What authentication reads of a key, in ApiKeyAuthentication._lookup's one query."""

    pk: int
    prefix: str
    digest: str
    tenant_id: UUID
    user_id: int
    expires_at: datetime | None
    usage_limit: int | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    user_is_active: bool
    role_permissions: list | None

    @classmethod
    def from_db(cls, row: tuple) -> "KeyRow":
        """A row of _lookup_sql() as the same values on SQLite and PostgreSQL."""
        pk, prefix, digest, tenant_id, user_id, expires_at, usage_limit, revoked_at, last_used_at, active, perms = row
        return cls(
            pk, prefix, digest, tenant_id if isinstance(tenant_id, UUID) else UUID(tenant_id), user_id,
            _aware(expires_at), usage_limit, _aware(revoked_at), _aware(last_used_at), bool(active),
            json.loads(perms) if isinstance(perms, str) else perms,
        )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive UTC datetimes; PostgreSQL aware ones.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@lru_cache
def _lookup_sql() -> str:
    quote = connection.ops.quote_name
    key, user = quote(ApiKey._meta.db_table), quote(get_user_model()._meta.db_table)
    assignment, role = quote(RoleAssignment._meta.db_table), quote(Role._meta.db_table)
    return (
        # nosec: the tables' names from the models; the prefix a bound parameter.
        f"SELECT k.id, k.prefix, k.digest, k.tenant_id, k.user_id, k.expires_at, k.usage_limit, k.revoked_at, "  # nosec B608
        f"k.last_used_at, u.is_active, (SELECT r.permissions FROM {assignment} a JOIN {role} r ON r.id = a.role_id "
        f"WHERE a.user_id = k.user_id AND a.tenant_id = k.tenant_id) "
        f"FROM {key} k JOIN {user} u ON u.id = k.user_id WHERE k.prefix = %s"
    )


@dataclass(frozen=True, slots=True)
class KeyContext:
    """What an authenticated request may do: its key, tenant and the user's permissions there."""

    key_id: int
    prefix: str
    tenant_id: UUID
    # None when the user holds no role in the key's tenant.
    permissions: frozenset[str] | None

    @property
    def actor(self) -> str:
        return f"key:{self.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates `x-api-key: ak_<prefix>_<secret>` with one indexed lookup."""

    def authenticate_header(self, request) -> str:
        # Defining this makes DRF answer 401, not 403, to a missing or bad key.
        return 'ApiKey header="x-api-key"'

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY")
        if raw is None:
            return None
        # A request dispatched again (config/replicas.py answers from the primary a read whose
        # replica failed) is the same request: its key's use is counted once.
        known = getattr(request._request, "authenticated_by_key", None)
        if known is not None:
            return known
        address = client_address(request._request)
        wait = auth_failures.wait(address)
        if wait is not None:
            raise TooManyFailures(wait)
        try:
            request._request.authenticated_by_key = self._authenticate(request, raw)
            return request._request.authenticated_by_key
        except AuthenticationFailed:
            wait = auth_failures.failed(address)
            if wait is not None:
                raise TooManyFailures(wait) from None
            raise

    def _authenticate(self, request, raw: str):
        parts = key_split(raw)
        if parts is None:
            raise AuthenticationFailed(INVALID_KEY, code="malformed")
        prefix, secret = parts
        key = self._lookup(prefix)
        # The same work whether the prefix exists or not: its answer's time does not tell.
        if not secret_matches(secret, key.digest if key is not None else UNKNOWN_DIGEST) or key is None:
            raise AuthenticationFailed(INVALID_KEY, code="unknown")
        now = timezone.now()
        # Its uses are not in the row (it may be cached): _use counts them, atomically.
        state = key_state(revoked_at=key.revoked_at, expires_at=key.expires_at, now=now)
        if state != KeyState.ACTIVE:
            raise AuthenticationFailed(REFUSED[state], code=state.name.lower())
        if not key.user_is_active:
            raise AuthenticationFailed("The API key's user is inactive.", code="inactive_user")
        if key.usage_limit is not None and not self._use(key, now):
            raise AuthenticationFailed(REFUSED[KeyState.USED_UP], code=KeyState.USED_UP.name.lower())
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            # At most one write a minute per key; the condition keeps concurrent requests from
            # all writing it.
            ApiKey.objects.filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
            ).update(last_used_at=now)
            key_cache.replace(key.prefix, key._replace(last_used_at=now))

        # The key is valid from here on: whatever the answer, it carries the rate-limit fields.
        request._request.valid_key_prefix = key.prefix
        request._request.key_tenant_id = key.tenant_id  # for the request's log line
        self._check_tenant_header(request, key.tenant_id)
        permissions = None if key.role_permissions is None else frozenset(key.role_permissions)
        # The API needs no more of the user than the lookup read; the admin-style object is
        # loaded only if something asks for it.
        user = SimpleLazyObject(partial(get_user_model().objects.get, pk=key.user_id))
        return user, KeyContext(key.pk, key.prefix, key.tenant_id, permissions)

    @staticmethod
    def _lookup(prefix: str) -> "KeyRow | None":
        # The hottest query of the service (every request that its worker has not seen lately,
        # see rbac/key_cache.py): the key, its user's state and the role's permissions in the
        # key's tenant in one statement, written out because building it with the ORM cost more
        # than running it.
        cached = key_cache.get(prefix)
        if cached is not None:
            return cached
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(), [prefix])
            row = cursor.fetchone()
        if row is None:
            return None
        key = KeyRow.from_db(row)
        key_cache.put(prefix, key)
        return key

    @staticmethod
    def _use(key: KeyRow, now: datetime) -> bool:
        """Takes one use of the key if it is still active, in one conditional UPDATE: concurrent
        requests on the last use cannot both pass."""
        active = ApiKey.objects.filter(key_state_filter(KeyState.ACTIVE, now), pk=key.pk)
        return bool(active.update(usage_count=F("usage_count") + 1))

    @staticmethod
    def _check_tenant_header(request, tenant_id: UUID) -> None:
        raw = request.META.get("HTTP_X_TENANT_ID")
        if raw is None:
            return
        named = parse_uuid(raw)
        if named is None:
            raise InvalidRequest("x-tenant-id must be a UUID in its canonical hyphenated form.")
        if named != tenant_id:
            # One answer whether that tenant exists or not, so tenants cannot be enumerated.
            raise PermissionDenied(OTHER_TENANT)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents ApiKeyAuthentication in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "x-api-key",
                "description": "ak_<8-character prefix>_<secret>; a key acts only in its own tenant."}
