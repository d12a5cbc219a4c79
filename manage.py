#!/usr/bin/env python3
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Without DATABASE_URL the commands work on the embedded development database (what
    # `make run` serves), so they run in development mode there unless DEBUG says otherwise.
    # Against a real database (DATABASE_URL set) DEBUG stays off unless set, and the secrets are
    # required. The servers (wsgi/asgi) never take this default.
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
