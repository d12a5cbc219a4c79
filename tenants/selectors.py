from config.uuids import parse_uuid
from tenants.models import Tenant


def tenant_find(*, slug_or_id: str) -> Tenant | None:
    """The tenant named by its id or slug."""
    tenant_id = parse_uuid(slug_or_id)
    if tenant_id is not None:
        return Tenant.objects.filter(pk=tenant_id).first()
    return Tenant.objects.filter(slug=slug_or_id).first()
