"""The base of every management command: `--json`, and a one-line error with a non-zero exit on
bad input, argument errors included (Django's parser prints a usage block instead)."""

import argparse
import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser


class OneLineParser(CommandParser):
    def error(self, message):
        raise CommandError(f"{self.prog.split()[-1]}: {message}")


class Command(BaseCommand):
    """A command that prints prose, or one JSON object with --json."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = OneLineParser
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of prose.")
        return parser

    def run_from_argv(self, argv):
        self._called_from_command_line = True
        try:
            super().run_from_argv(argv)
        except CommandError as error:  # parse errors happen before BaseCommand's own handling
            sys.stderr.write(f"CommandError: {error}\n")
            sys.exit(error.returncode)

    @staticmethod
    def clean_name(value: str, what: str, max_length: int) -> str:
        """A display name from the command line: trimmed, not blank, no NUL, within the column."""
        name = value.strip()
        if not name or "\x00" in name:
            raise CommandError(f"{what} may not be blank or hold NUL characters.")
        if len(name) > max_length:
            raise CommandError(f"{what} may be at most {max_length} characters.")
        return name

    def emit(self, options, payload: dict, prose: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str))
        else:
            self.stdout.write(prose)


def bounded_int(maximum: int):
    """An argparse type: a whole number from 1 to `maximum` (argparse turns its error into one line)."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive integer, not {value!r}") from None
        if not 1 <= number <= maximum:
            raise argparse.ArgumentTypeError(f"must be a positive integer of at most {maximum}, not {number}")
        return number

    return parse
