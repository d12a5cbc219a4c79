from config.commands import Command as BaseCommand
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Lists tenants by slug: id, slug and name."

    def handle(self, *args, **options):
        rows = [{"id": str(t.pk), "slug": t.slug, "name": t.name} for t in Tenant.objects.order_by("slug")]
        width = max((len(r["slug"]) for r in rows), default=0)
        prose = "".join(f"{r['id']}  {r['slug'].ljust(width)}  {r['name']}\n" for r in rows) or "No tenants.\n"
        self.emit(options, {"tenants": rows}, prose=prose)
