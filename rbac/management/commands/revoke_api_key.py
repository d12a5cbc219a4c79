import re

from django.core.management.base import CommandError

from config.commands import Command as BaseCommand
from config.times import iso
from rbac.commands import command_error
from rbac.exceptions import RbacError
from rbac.keys import key_split
from rbac.services import api_key_revoke

PREFIX_FORMAT = re.compile(r"[A-Za-z0-9]{8}")


class Command(BaseCommand):
    help = "Revokes an API key, named by its public prefix."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The key's 8-character public prefix (ak_<prefix> is fine too).")

    def handle(self, *args, **options):
        try:
            api_key, revoked = api_key_revoke(prefix=self.prefix_of(options["prefix"]))
        except RbacError as error:
            raise command_error(error) from None
        revoked_at = iso(api_key.revoked_at)
        self.emit(
            options,
            {"prefix": api_key.prefix, "revoked_at": revoked_at, "already_revoked": not revoked},
            f"Revoked key {api_key.prefix}." if revoked
            else f"Key {api_key.prefix} was already revoked at {revoked_at}; nothing changed.",
        )

    @staticmethod
    def prefix_of(value: str) -> str:
        value = value.strip()
        split = key_split(value)  # a whole key pasted by mistake still names its key
        if split is not None:
            return split[0]
        prefix = value.removeprefix("ak_")
        if not PREFIX_FORMAT.fullmatch(prefix):
            raise CommandError(f"{value!r} is not a key prefix: 8 letters or digits, as in ak_<prefix>_...")
        return prefix
