"""deliver_webhooks as an operator runs it."""

import json
import logging

import pytest

from tests.factories import make_execution, run
from webhooks import services
from webhooks.metrics import DELIVERIES

pytestmark = pytest.mark.django_db


def test_once_sends_what_is_due_and_prints_the_counts(tenant, receiver, caplog):
    services.subscription_create(tenant_id=tenant.pk, url=receiver.at("/hook", 200), events=["*"])
    make_execution(tenant=tenant, status="completed")
    before = DELIVERIES.labels("succeeded")._value.get()
    with caplog.at_level(logging.INFO, logger="webhooks"):
        counts = json.loads(run("deliver_webhooks", "--once", "--json"))
    assert counts == {"events": 3, "succeeded": 3, "retrying": 0, "failed": 0}
    assert len(receiver.of("/hook")) == 3
    assert DELIVERIES.labels("succeeded")._value.get() == before + 3
    lines = [r for r in caplog.records if r.name == "webhooks"]
    assert len(lines) == 3 and {r.outcome for r in lines} == {"succeeded"}
    assert all(r.status_code == 200 and r.delivery_id and r.duration_ms >= 0 for r in lines)
    assert "0 events" in run("deliver_webhooks", "--once")


def test_a_bad_argument_is_one_line(capsys):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="deliver_webhooks"):
        run("deliver_webhooks", "--interval", "soon")
