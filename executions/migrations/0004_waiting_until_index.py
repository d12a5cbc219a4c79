"""The index expire_executions reads waiting executions by (see Execution.Meta).

Built CONCURRENTLY on PostgreSQL, as migration 0002's are, so that a big table keeps taking writes
while it builds: a plain CREATE INDEX would block them for a scan of the whole table, however few
rows are waiting. The model's state gets the index as declared in Meta."""

from django.db import migrations, models

NAME = "exec_waiting_until"
CONDITION = "WHERE status = 'waiting' AND waiting_until IS NOT NULL"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {NAME} ON executions_execution (waiting_until) {CONDITION}"
    )


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("executions", "0003_waiting_reason_output")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_index, drop_index, elidable=False)],
            state_operations=[
                migrations.AddIndex(
                    model_name="execution",
                    index=models.Index(
                        condition=models.Q(status="waiting", waiting_until__isnull=False), fields=["waiting_until"],
                        name=NAME,
                    ),
                ),
            ],
        ),
    ]
