"""Drops the single-column foreign key indexes that a composite index already leads with (the
execution's tenant; the execution of steps, log lines and events) and the log lines' tenant index:
each costs every write, and before ANALYZE they led the planner to scan a whole execution's lines
for a page of them. Deleting a tenant now scans the log table; nothing else reads it by tenant alone.

SQLite drops an index of a foreign key by copying the table, which loses migration 0002's admin
indexes (raw SQL, not in the migration state): they are made again after the copy, both ways."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models


def restore_admin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        import_module("executions.migrations.0002_admin_indexes").create_indexes(apps, schema_editor)


def foreign_key(to: str, related_name: str, db_index: bool):
    return models.ForeignKey(db_index=db_index, on_delete=django.db.models.deletion.CASCADE,
                             related_name=related_name, to=to)


class Migration(migrations.Migration):

    dependencies = [
        ("executions", "0004_waiting_until_index"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        # Undone last when the migration is reversed: after the copies that undoing makes.
        migrations.RunPython(migrations.RunPython.noop, restore_admin_indexes, elidable=False),
        migrations.AlterField(model_name="execution", name="tenant",
                              field=foreign_key("tenants.tenant", "executions", False)),
        migrations.AlterField(model_name="executionevent", name="execution",
                              field=foreign_key("executions.execution", "events", False)),
        migrations.AlterField(model_name="executionlog", name="execution",
                              field=foreign_key("executions.execution", "logs", False)),
        migrations.AlterField(model_name="executionlog", name="tenant",
                              field=foreign_key("tenants.tenant", "+", False)),
        migrations.AlterField(model_name="executionstep", name="execution",
                              field=foreign_key("executions.execution", "steps", False)),
        migrations.RunPython(restore_admin_indexes, migrations.RunPython.noop, elidable=False),
    ]
