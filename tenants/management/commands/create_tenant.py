from django.core.management.base import CommandError

from config.commands import Command as BaseCommand
from tenants.exceptions import TenantError
from tenants.models import Tenant
from tenants.services import tenant_create


class Command(BaseCommand):
    help = "Makes a tenant and prints its id."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The tenant's display name.")
        parser.add_argument("--slug", help="Its slug (default: made from the name); a slug shaped like a UUID "
                                           "is refused, since tenants are named by slug or id.")

    def handle(self, *args, **options):
        name = self.clean_name(options["name"], "The tenant's name", Tenant._meta.get_field("name").max_length)
        slug = options["slug"]
        limit = Tenant._meta.get_field("slug").max_length
        if slug is not None and len(slug) > limit:
            raise CommandError(f"The slug may be at most {limit} characters.")
        try:
            tenant = tenant_create(name=name, slug=slug)
        except TenantError as error:
            raise CommandError(error.detail) from None
        self.emit(options, {"id": str(tenant.pk), "slug": tenant.slug}, str(tenant.pk))
