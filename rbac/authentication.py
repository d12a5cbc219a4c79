from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import F, JSONField, OuterRef, Q, Subquery
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from config.problems import InvalidRequest
from config.uuids import parse_uuid
from rbac.keys import key_split, secret_matches
from rbac.models import ApiKey, RoleAssignment

LAST_USED_PRECISION = timedelta(minutes=1)
OTHER_TENANT = "This API key cannot act in the tenant named by x-tenant-id."
INVALID_KEY = "The API key is not valid."


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
        parts = key_split(raw)
        if parts is None:
            raise AuthenticationFailed(INVALID_KEY)
        prefix, secret = parts
        key = self._lookup(prefix)
        if key is None or not secret_matches(secret, key.digest):
            raise AuthenticationFailed(INVALID_KEY)
        now = timezone.now()
        if key.revoked_at is not None:
            raise AuthenticationFailed("The API key has been revoked.")
        if key.expires_at is not None and key.expires_at <= now:
            raise AuthenticationFailed("The API key has expired.")
        if not key.user.is_active:
            raise AuthenticationFailed("The API key's user is inactive.")
        if key.usage_limit is not None and not self._use(key):
            raise AuthenticationFailed("The API key is over its usage limit.")
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            # At most one write a minute per key; the condition keeps concurrent requests from
            # all writing it.
            ApiKey.objects.filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
            ).update(last_used_at=now)

        self._check_tenant_header(request, key.tenant_id)
        permissions = None if key.role_permissions is None else frozenset(key.role_permissions)
        return key.user, KeyContext(key.pk, key.prefix, key.tenant_id, permissions)

    @staticmethod
    def _lookup(prefix: str) -> ApiKey | None:
        # The role's permissions are folded into the key lookup: one query per request.
        role_permissions = RoleAssignment.objects.filter(
            user_id=OuterRef("user_id"), tenant_id=OuterRef("tenant_id")
        ).values("role__permissions")[:1]
        return (
            ApiKey.objects.select_related("user")
            .annotate(role_permissions=Subquery(role_permissions, output_field=JSONField()))
            .filter(prefix=prefix)
            .first()
        )

    @staticmethod
    def _use(key: ApiKey) -> bool:
        # Counted in the database so that concurrent requests on the last use cannot both pass.
        return bool(
            ApiKey.objects.filter(pk=key.pk, usage_count__lt=F("usage_limit")).update(
                usage_count=F("usage_count") + 1
            )
        )

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
