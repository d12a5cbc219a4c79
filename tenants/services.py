from django.db import IntegrityError, transaction
from django.utils.text import slugify

from config.uuids import CANONICAL_UUID
from tenants.models import Tenant


class TenantError(Exception):
    """A refused change of tenants; the message says why."""


def tenant_create(*, name: str, slug: str | None = None) -> Tenant:
    slug = slug or slugify(name)
    if not slug or slugify(slug) != slug:
        raise TenantError(f"The slug {slug!r} is not valid: use lowercase letters, digits and hyphens.")
    if CANONICAL_UUID.match(slug) or len(slug.replace("-", "")) == 32 and all(
        c in "0123456789abcdef" for c in slug.replace("-", "")
    ):
        raise TenantError("A slug shaped like a UUID is refused: tenants are named by slug or id.")
    try:
        with transaction.atomic():
            return Tenant.objects.create(name=name, slug=slug)
    except IntegrityError:
        raise TenantError(f"A tenant with the slug {slug!r} already exists.") from None
