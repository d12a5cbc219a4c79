#!/usr/bin/env python3
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A command's log lines go to stderr: stdout is for what it prints (--json).
    os.environ.setdefault("LOG_STREAM", "stderr")
    # Without DATABASE_URL the commands work on the embedded development database (what
    # `make run` serves), so they run in development mode there unless DEBUG says otherwise.
    # Against a real database (DATABASE_URL set) DEBUG stays off unless set, and the secrets are
    # required. The servers (wsgi/asgi) never take this default.
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("DEBUG", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A bad setting: one line that names it, not a traceback (a cron job mails what it prints).
        sys.exit(f"Configuration error: {error}")
    except OperationalError as error:
        # The database is away (down, unreachable, or no such database): one line, non-zero.
        first_line = (str(error).strip().splitlines() or ["no answer"])[0]
        sys.exit(f"The database cannot be reached: {first_line} (check DATABASE_URL)")


if __name__ == "__main__":
    main()
