"""error_fingerprint (see executions/fingerprints.py), filled in for the failed and timed-out
executions already stored that have an error message, in batches of short transactions so that a
big table keeps taking writes. Its indexes come in 0007."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    from executions.fingerprints import fingerprint  # the code of today: a migration is run once

    Execution = apps.get_model("executions", "Execution")
    todo = (Execution.objects.filter(status__in=("failed", "timeout"), error_message__isnull=False,
                                     error_fingerprint__isnull=True).order_by("pk"))
    last = None
    while True:
        batch = list((todo if last is None else todo.filter(pk__gt=last)).only("pk", "rule_id", "error_message")[:BATCH])
        if not batch:
            return
        for execution in batch:
            execution.error_fingerprint = fingerprint(execution.rule_id, execution.error_message)
        Execution.objects.bulk_update(batch, ["error_fingerprint"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own

    dependencies = [("executions", "0005_fewer_indexes")]

    operations = [
        migrations.AddField(
            model_name="execution",
            name="error_fingerprint",
            field=models.CharField(blank=True, editable=False, max_length=16, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
