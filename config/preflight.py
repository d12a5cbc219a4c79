"""What `make serve` checks before gunicorn starts, each failure one line and a non-zero exit:
the settings (production ones: SECRET_KEY and API_KEY_PEPPER are required), the database, and
migrations not yet applied. Deployment warnings (`check --deploy`) are printed, not fatal: a
service on loopback without HTTPS=1 is a choice; so is each replica of DATABASE_REPLICA_URL that is
not fit for reads (the service reads from the primary until it is)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import OperationalError

    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        call_command("check", deploy=True, fail_level="ERROR")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    except OperationalError as error:
        first_line = (str(error).strip().splitlines() or ["no answer"])[0]
        sys.exit(f"The database cannot be reached: {first_line} (check DATABASE_URL)")
    if pending:
        sys.exit(f"{len(pending)} migration(s) are not applied yet: run `.venv/bin/python manage.py migrate` "
                 "with the same environment, then start again.")
    from django.conf import settings

    from config.replicas import replica_aliases, replica_state

    for alias in replica_aliases():
        print(f"{alias}: {replica_state(alias, wait=settings.REPLICA_MAX_LAG_SECONDS)}", file=sys.stderr)


if __name__ == "__main__":
    main()
