from django.core.management.base import CommandError

from config.commands import Command as BaseCommand
from rbac.exceptions import RbacError
from rbac.models import Role
from rbac.services import STAFF_GROUPS, staff_grant
from tenants.selectors import tenant_find


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
        tenant = tenant_find(slug_or_id=options["tenant"])
        if tenant is None:
            raise CommandError(f"No tenant has the slug or id {options['tenant']!r}.")
        role = Role.objects.filter(name=options["role"]).first()
        if role is None:
            known = ", ".join(Role.objects.values_list("name", flat=True))
            raise CommandError(f"No role named {options['role']!r}; known: {known}.")
        username = options["username"].strip()
        if not username or "\x00" in username:
            raise CommandError("USERNAME may not be blank or hold NUL characters.")
        try:
            user, created, groups = staff_grant(username=username, tenant=tenant, role=role, groups=options["group"],
                                                replace_role=options["replace_role"])
        except RbacError as error:
            raise CommandError(str(error)) from None
        prose = (f"{user.get_username()} is staff with the role {role.name} in {tenant.slug} and in "
                 f"{', '.join(groups)}.")
        if created:
            prose += f" The user is new and has no password: manage.py changepassword {user.get_username()}"
        self.emit(options, {"user": user.get_username(), "tenant": str(tenant.pk), "role": role.name,
                            "groups": groups, "created": created}, prose=prose + "\n")
