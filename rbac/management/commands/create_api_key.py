from config.commands import Command as BaseCommand
from config.commands import bounded_int
from config.fields import MAX_INT
from rbac.commands import command_error, role_argument, tenant_argument, username_argument
from rbac.exceptions import RbacError
from rbac.services import MAX_EXPIRES_IN_DAYS, api_key_create


class Command(BaseCommand):
    help = ("Makes an API key for a user in a tenant and prints it, once. Makes the user if missing and gives "
            "it the role there if it has none.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="USERNAME", help="The key's user (made if missing).")
        parser.add_argument("--tenant", required=True, metavar="SLUG_OR_ID", help="The tenant the key acts in.")
        parser.add_argument("--role", required=True, help="The user's role in the tenant (e.g. viewer, writer).")
        parser.add_argument("--expires-in", type=bounded_int(MAX_EXPIRES_IN_DAYS), metavar="DAYS",
                            help="Days until the key expires (default: never).")
        parser.add_argument("--usage-limit", type=bounded_int(MAX_INT), metavar="N",
                            help="Requests the key may make, ever (default: unlimited).")
        parser.add_argument("--replace-role", action="store_true",
                            help="If the user holds another role in the tenant, change it (for all of the "
                                 "user's keys there) instead of refusing.")

    def handle(self, *args, **options):
        tenant, role = tenant_argument(options["tenant"]), role_argument(options["role"])
        username = username_argument(options["user"])
        try:
            issued = api_key_create(
                username=username, tenant=tenant, role=role, replace_role=options["replace_role"],
                expires_in_days=options["expires_in"], usage_limit=options["usage_limit"],
            )
        except RbacError as error:
            raise command_error(error) from None
        api_key = issued.api_key
        self.emit(
            options,
            {"key": issued.key, "prefix": api_key.prefix, "tenant": str(tenant.pk), "user": username,
             "role": role.name},
            f"{issued.key}\n"
            f"Key {api_key.prefix} of user {username}, role {role.name} in tenant {tenant.slug}"
            + (f", expires {api_key.expires_at:%Y-%m-%d %H:%M}Z" if api_key.expires_at else "")
            + (f", {api_key.usage_limit} uses" if api_key.usage_limit else "")
            + ". It is shown only this once: store it now.",
        )

