"""ExecutionEvent.dispatched_at, the webhook outbox's marker, and the partial index of the events
not dispatched yet, built CONCURRENTLY on PostgreSQL as 0004's and 0007's are. The column is
nullable without a default: adding it rewrites nothing. Events recorded before it stay undispatched
and are marked by the worker's first rounds (no subscription is older than they are)."""

from django.db import migrations, models

INDEX = "event_undispatched"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON executions_executionevent (id) "
                          f"WHERE dispatched_at IS NULL")


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("executions", "0008_bulk_action_answers")]

    operations = [
        migrations.AddField(
            model_name="executionevent",
            name="dispatched_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_index, drop_index, elidable=False)],
            state_operations=[
                migrations.AddIndex(
                    model_name="executionevent",
                    index=models.Index(condition=models.Q(("dispatched_at__isnull", True)), fields=["id"],
                                       name="event_undispatched"),
                ),
            ],
        ),
    ]
