"""Waiting runs, status reasons and outputs: the `waiting` status, `status_reason`,
`waiting_until` (null outside waiting, held by a constraint) and `output`.

The new columns are nullable without a default, so PostgreSQL adds them without rewriting the
table; the status constraint is replaced by one that also allows `waiting`.

SQLite changes a table's constraints by copying it into a new table, which gets only the indexes
the migration state declares: migration 0002's admin indexes (raw SQL, not in the state) are made
again after the copy (both ways). Any later migration that changes this table's constraints must do the same."""

from importlib import import_module

from django.db import migrations, models

STATUSES = ["pending", "running", "waiting", "completed", "failed", "cancelled", "timeout", "skipped"]


def restore_admin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        import_module("executions.migrations.0002_admin_indexes").create_indexes(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [("executions", "0002_admin_indexes")]

    operations = [
        # Undone last when the migration is reversed: after the copies that undoing makes.
        migrations.RunPython(migrations.RunPython.noop, restore_admin_indexes, elidable=False),
        migrations.AddField(
            model_name="execution", name="status_reason",
            field=models.CharField(blank=True, max_length=1000, null=True),
        ),
        migrations.AddField(
            model_name="execution", name="waiting_until", field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(model_name="execution", name="output", field=models.JSONField(blank=True, null=True)),
        migrations.AlterField(
            model_name="execution", name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("running", "Running"), ("waiting", "Waiting"),
                         ("completed", "Completed"), ("failed", "Failed"), ("cancelled", "Cancelled"),
                         ("timeout", "Timeout"), ("skipped", "Skipped")],
                default="pending", max_length=16,
            ),
        ),
        migrations.RemoveConstraint(model_name="execution", name="executions_execution_status_valid"),
        migrations.AddConstraint(
            model_name="execution",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=STATUSES), name="executions_execution_status_valid",
                violation_error_message="Unknown execution status.",
            ),
        ),
        migrations.AddConstraint(
            model_name="execution",
            constraint=models.CheckConstraint(
                condition=models.Q(waiting_until__isnull=True) | models.Q(status="waiting"),
                name="executions_execution_waiting_until_only_while_waiting",
                violation_error_message="Only a waiting execution has a waiting_until.",
            ),
        ),
        migrations.RunPython(restore_admin_indexes, migrations.RunPython.noop, elidable=False),
    ]
