"""The data migration of error fingerprints (0006): executions stored before it get the
fingerprint the services now give a failure, and the others none.

transaction=True: the migrations change the schema and 0006 commits batch by batch, which a test
wrapped in one transaction could not do (and SQLite refuses to alter tables inside one)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from executions.fingerprints import fingerprint

BEFORE = [("executions", "0005_fewer_indexes")]


def migrate(targets=None) -> MigrationExecutor:
    """Migrates to `targets` (default: the latest of every app); the executor, its graph reloaded."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_0006_fills_in_the_fingerprint_of_stored_failures_and_timeouts_only():
    try:
        apps = migrate(BEFORE).loader.project_state(BEFORE).apps
        Tenant = apps.get_model("tenants", "Tenant")
        AutomationRule = apps.get_model("executions", "AutomationRule")
        Execution = apps.get_model("executions", "Execution")
        tenant = Tenant.objects.create(name="Acme", slug="acme")
        rule = AutomationRule.objects.create(tenant=tenant, name="Send receipts", trigger="order.paid")
        other_rule = AutomationRule.objects.create(tenant=tenant, name="Send invoices", trigger="order.paid")

        def stored(status: str, message: str | None = None, of=rule):
            return Execution.objects.create(tenant=tenant, rule=of, rule_version=1, status=status,
                                            error_message=message).pk

        failures = {stored("failed", "SMTP 451 for order 42"): (rule, "SMTP 451 for order 42"),
                    stored("failed", "SMTP 451 for order 97"): (rule, "SMTP 451 for order 97"),
                    stored("timeout", "No answer from 10.0.0.7 in 30 s"): (rule, "No answer from 10.0.0.7 in 30 s"),
                    stored("failed", "SMTP 451 for order 42", of=other_rule): (other_rule, "SMTP 451 for order 42")}
        without = [stored("completed"), stored("running"), stored("failed"), stored("cancelled", "Stopped by hand")]

        migrate()

        from executions.models import Execution as Latest  # the model of today, once its column exists

        got = dict(Latest.objects.values_list("pk", "error_fingerprint"))
        for pk, (of, message) in failures.items():
            assert got[pk] == fingerprint(of.pk, message)
        assert len({got[pk] for pk in failures}) == 3  # one rule's two orders share theirs; the other rule's differs
        assert [got[pk] for pk in without] == [None] * len(without)
    finally:
        migrate()  # the next tests find the schema they expect, whatever happened here
