from config.commands import Command as BaseCommand
from rbac.commands import command_error
from rbac.exceptions import RbacError
from rbac.models import Permission, Role
from rbac.services import role_create


class Command(BaseCommand):
    help = "Makes a custom role: a named set of permission codes."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The role's name.")
        parser.add_argument(
            "--permission", action="append", default=[], metavar="CODE", dest="permissions",
            help=f"A permission code the role holds; repeat for more ({', '.join(Permission.values)}).",
        )

    def handle(self, *args, **options):
        name = self.clean_name(options["name"], "The role's name", Role._meta.get_field("name").max_length)
        try:
            role = role_create(name=name, permissions=options["permissions"])
        except RbacError as error:
            raise command_error(error) from None
        self.emit(
            options,
            {"id": role.pk, "name": role.name, "permissions": role.permissions},
            f"Made the role {role.name!r} with {', '.join(role.permissions) or 'no permissions'}.",
        )
