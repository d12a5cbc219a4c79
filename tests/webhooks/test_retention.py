"""Deliveries go with their executions (prune_executions) and after 30 days (the worker)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from executions.models import Execution
from tests.factories import make_execution, run
from webhooks import services
from webhooks.models import Delivery
from webhooks.worker import Worker

pytestmark = pytest.mark.django_db


def test_prune_executions_deletes_the_deliveries_of_the_executions_it_deletes(tenant, receiver):
    services.subscription_create(tenant_id=tenant.pk, url=receiver.at("/hook", 200), events=["*"])
    old = make_execution(tenant=tenant, status="completed")
    young = make_execution(tenant=tenant, status="completed")
    worker = Worker(timeout=2)
    worker.run_once()
    worker.close()
    assert Delivery.objects.filter(execution_id=old.pk).count() == 3
    Execution.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    summary = json.loads(run("prune_executions", "--older-than", "30", "--json"))
    assert summary["executions"] == 1 and summary["deliveries"] == 3 and summary["delivery_attempts"] == 3
    assert not Delivery.objects.filter(execution_id=old.pk).exists()
    assert Delivery.objects.filter(execution_id=young.pk).count() == 3


def test_the_worker_deletes_deliveries_older_than_30_days(tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscription = services.subscription_create(tenant_id=tenant.pk, url="http://127.0.0.1:9/", events=["*"])
    ping = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    Delivery.objects.filter(pk=ping.pk).update(created_at=timezone.now() - timedelta(days=31), status="failed",
                                               next_attempt_at=None)
    worker = Worker(timeout=1)
    worker.run_once()
    worker.close()
    assert not Delivery.objects.exists()
