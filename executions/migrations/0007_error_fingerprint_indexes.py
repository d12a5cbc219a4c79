"""The indexes of error fingerprints (see Execution.Meta), built CONCURRENTLY on PostgreSQL as
0004's is, so that a big table keeps taking writes while they build."""

from django.db import migrations, models

INDEXES = {
    "exec_tenant_fingerprint": "(tenant_id, error_fingerprint, created_at DESC, id DESC)",
    "exec_tenant_failures": "(tenant_id, created_at, error_fingerprint, rule_id)",
}
CONDITION = "WHERE error_fingerprint IS NOT NULL"


def create_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON executions_execution {columns} "
                              f"{CONDITION}")


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("executions", "0006_error_fingerprint")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_indexes, drop_indexes, elidable=False)],
            state_operations=[
                migrations.AddIndex(
                    model_name="execution",
                    index=models.Index(models.F("tenant"), models.F("error_fingerprint"),
                                       models.OrderBy(models.F("created_at"), descending=True),
                                       models.OrderBy(models.F("id"), descending=True),
                                       condition=models.Q(("error_fingerprint__isnull", False)),
                                       name="exec_tenant_fingerprint"),
                ),
                migrations.AddIndex(
                    model_name="execution",
                    index=models.Index(condition=models.Q(("error_fingerprint__isnull", False)),
                                       fields=["tenant", "created_at", "error_fingerprint", "rule"],
                                       name="exec_tenant_failures"),
                ),
            ],
        ),
    ]
