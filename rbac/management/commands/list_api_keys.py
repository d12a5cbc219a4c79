from django.utils import timezone

from config.commands import Command as BaseCommand
from config.times import iso
from rbac.commands import tenant_argument
from rbac.models import ApiKey, RoleAssignment


class Command(BaseCommand):
    help = ("Lists API keys, newest first: prefix, user, tenant, role, state, last use and uses (never a "
            "secret). --tenant keeps one tenant's.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG_OR_ID", help="Only the keys of this tenant.")

    def handle(self, *args, **options):
        keys = ApiKey.objects.select_related("user", "tenant").order_by("-created_at", "-id")
        if options["tenant"]:
            keys = keys.filter(tenant=tenant_argument(options["tenant"]))
        keys = list(keys)
        # A key holds no role: its user's role in its tenant does (one query for them all).
        roles = {(a.user_id, a.tenant_id): a.role.name
                 for a in RoleAssignment.objects.select_related("role").filter(user__in={k.user_id for k in keys})}
        now = timezone.now()
        rows = [{
            "prefix": key.prefix, "name": key.name, "user": key.user.get_username(), "tenant": key.tenant.slug,
            "role": roles.get((key.user_id, key.tenant_id)), "state": key.state(now),
            "last_used_at": iso(key.last_used_at),
            "uses": key.usage_count if key.usage_limit else None, "usage_limit": key.usage_limit,
        } for key in keys]
        self.emit(options, {"keys": rows}, prose=_table(rows))


def _table(rows: list[dict]) -> str:
    if not rows:
        return "No API keys.\n"
    header = ("PREFIX", "USER", "TENANT", "ROLE", "STATE", "LAST USED", "USES")
    lines = [(f"ak_{r['prefix']}", r["user"], r["tenant"], r["role"] or "-", r["state"], r["last_used_at"] or "never",
              f"{r['uses']} of {r['usage_limit']}" if r["usage_limit"] else "not counted") for r in rows]
    widths = [max(len(str(value)) for value in column) for column in zip(header, *lines, strict=False)]
    return "".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n"
                   for line in (header, *lines))
