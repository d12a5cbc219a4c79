"""Indexes for the admin, whose lists and searches cross tenants (every index of the API leads
with the tenant).

Made with SQL the autodetector does not track, so that the models' Meta keeps the API's indexes
only; CONCURRENTLY on PostgreSQL, so that a big table keeps taking writes while they build. The
trigram indexes are PostgreSQL's (pg_trgm); SQLite gets the others."""

from django.db import migrations

EXECUTIONS = "executions_execution"
RULES = "executions_automationrule"

# (name, table, columns, condition)
BTREE = [
    # The executions changelist, newest first across tenants (a superuser's list, unfiltered).
    ("exec_created_all", EXECUTIONS, "(created_at DESC, id DESC)", ""),
    # ?status__exact= across tenants, newest first; the dashboard's newest failures.
    ("exec_status_all", EXECUTIONS, "(status, created_at DESC, id DESC)", ""),
    # date_hierarchy on started_at: its first and last dates, and its year, month and day ranges.
    ("exec_started", EXECUTIONS, "(started_at)", ""),
    # Search by exact idempotency key or external ref across tenants.
    ("exec_idem_all", EXECUTIONS, "(idempotency_key)", "WHERE idempotency_key IS NOT NULL"),
    ("exec_extref_all", EXECUTIONS, "(external_ref)", "WHERE external_ref IS NOT NULL"),
]
# Search by text in the error message or the rule's name. Django's icontains on PostgreSQL is
# UPPER(column::text) LIKE UPPER('%text%'): the indexed expression is the same.
TRIGRAM = [
    ("exec_error_trgm", EXECUTIONS, "(UPPER(error_message::text) gin_trgm_ops)"),
    ("rule_name_trgm", RULES, "(UPPER(name::text) gin_trgm_ops)"),
]


def create_indexes(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgresql else ""
    for name, table, columns, condition in BTREE:
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {table} {columns} {condition}")
    if postgresql:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, expression in TRIGRAM:
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin {expression}")


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, *_ in BTREE + TRIGRAM:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("executions", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
