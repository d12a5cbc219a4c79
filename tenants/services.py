from string import hexdigits

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tenants.exceptions import Conflict, Invalid
from tenants.models import Tenant


def tenant_slug_clean(*, name: str, slug: str | None = None) -> str:
    """The slug a tenant named `name` gets: `slug`, or one made from the name. Raises Invalid for
    one that is no slug, or that is shaped like a UUID (32 hex digits, with or without hyphens):
    tenants are named by slug or id, and such a slug would read as an id."""
    slug = slug or slugify(name)
    if not slug:
        raise Invalid("The name makes no slug: give one of lowercase letters, digits and hyphens.")
    if slugify(slug) != slug:
        raise Invalid(f"The slug {slug!r} is not valid: use lowercase letters, digits and hyphens.")
    digits = slug.replace("-", "")
    if len(digits) == 32 and set(digits) <= set(hexdigits):
        raise Invalid("A slug shaped like a UUID is refused: tenants are named by slug or id.")
    return slug


def tenant_create(*, name: str, slug: str | None = None) -> Tenant:
    slug = tenant_slug_clean(name=name, slug=slug)
    try:
        with transaction.atomic():
            return Tenant.objects.create(name=name, slug=slug)
    except IntegrityError:
        raise Conflict(f"A tenant with the slug {slug!r} already exists.") from None
