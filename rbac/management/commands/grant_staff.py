from config.commands import Command as BaseCommand
from rbac.commands import command_error, role_argument, tenant_argument, username_argument
from rbac.exceptions import RbacError
from rbac.services import STAFF_GROUPS, staff_grant


class Command(BaseCommand):
    help = ("Makes a user tenant staff in the admin: staff, ROLE in the tenant, and the staff group the role "
            "calls for (Execution operators when it may execute, else Execution viewers) unless --group names "
            "them. Makes the user if missing, without a password (set one with changepassword).")

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--tenant", required=True, metavar="SLUG_OR_ID", help="The tenant the user sees.")
        parser.add_argument("--role", required=True, help="The user's role there (e.g. viewer, operator).")
        parser.add_argument("--group", action="append", choices=list(STAFF_GROUPS), metavar="GROUP",
                            help=f"A staff group to join, repeatable: {', '.join(STAFF_GROUPS)}.")
        parser.add_argument("--replace-role", action="store_true",
                            help="If the user holds another role in the tenant, change it instead of refusing.")

    def handle(self, *args, **options):
        tenant, role = tenant_argument(options["tenant"]), role_argument(options["role"])
        username = username_argument(options["username"])
        try:
            user, created, groups = staff_grant(username=username, tenant=tenant, role=role, groups=options["group"],
                                                replace_role=options["replace_role"])
        except RbacError as error:
            raise command_error(error) from None
        prose = (f"{user.get_username()} is staff with the role {role.name} in {tenant.slug} and in "
                 f"{', '.join(groups)}.")
        if created:
            prose += f" The user is new and has no password: manage.py changepassword {user.get_username()}"
        self.emit(options, {"user": user.get_username(), "tenant": str(tenant.pk), "role": role.name,
                            "groups": groups, "created": created}, prose=prose + "\n")
