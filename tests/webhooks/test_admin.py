"""The admin of webhooks: scoped to the staff user's tenants, the secret shown once, rotate and
redeliver through the services."""

import pytest
from django.contrib.messages import get_messages

from tests.admin.conftest import STAFF_PERMISSIONS, client_of, make_staff
from webhooks import services
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

WEBHOOK_PERMISSIONS = [f"webhooks.{action}_{model}" for model in ("subscription", "delivery")
                       for action in ("view", "add", "change", "delete")]
CHANGELIST = "/admin/webhooks/subscription/"


@pytest.fixture
def staff_client(tenant):
    return client_of(make_staff("ada", tenant=tenant, permissions=[*STAFF_PERMISSIONS, *WEBHOOK_PERMISSIONS]))


@pytest.fixture
def hooks(tenant, other_tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    mine = services.subscription_create(tenant_id=tenant.pk, url="http://127.0.0.1:9/acme", events=["*"])
    theirs = services.subscription_create(tenant_id=other_tenant.pk, url="http://127.0.0.1:9/globex", events=["*"])
    return mine, theirs


def test_staff_see_their_tenants_subscriptions_and_deliveries_only(staff_client, hooks):
    mine, theirs = hooks
    for hook in hooks:
        services.subscription_ping(tenant_id=hook.tenant_id, subscription_id=hook.pk)
    page = staff_client.get(CHANGELIST).content.decode()
    assert mine.url in page and theirs.url not in page
    assert staff_client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # "does not exist"
    change = staff_client.get(f"{CHANGELIST}{mine.pk}/change/")
    assert change.status_code == 200 and mine.secret not in change.content.decode()
    deliveries = staff_client.get("/admin/webhooks/delivery/", {"status": "pending", "type": "webhook.ping"})
    assert deliveries.status_code == 200
    assert str(mine.pk) in deliveries.content.decode() or "acme" in deliveries.content.decode()
    theirs_delivery = Delivery.objects.get(subscription=theirs)
    assert staff_client.get(f"/admin/webhooks/delivery/{theirs_delivery.pk}/change/").status_code == 302


def test_creating_shows_the_secret_once_and_refuses_inward_targets(staff_client, tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    refused = staff_client.post(f"{CHANGELIST}add/", {"tenant": tenant.pk, "url": "http://10.0.0.1/",
                                                       "events": '["*"]', "description": "", "is_enabled": "on"})
    assert refused.status_code == 200 and "non-public" in refused.content.decode()
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    made = staff_client.post(f"{CHANGELIST}add/", {"tenant": tenant.pk, "url": "http://127.0.0.1:9/new",
                                                    "events": '["execution.failed"]', "description": "",
                                                    "is_enabled": "on"}, follow=True)
    subscription = Subscription.objects.get(url="http://127.0.0.1:9/new")
    assert subscription.secret in [str(m) for m in get_messages(made.wsgi_request)][0]
    assert subscription.secret not in staff_client.get(f"{CHANGELIST}{subscription.pk}/change/").content.decode()


def test_rotate_and_redeliver_actions(staff_client, hooks):
    mine, _ = hooks
    old = mine.secret
    staff_client.post(CHANGELIST, {"action": "rotate_secret", "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.secret != old and mine.previous_secret == old
    delivery = services.subscription_ping(tenant_id=mine.tenant_id, subscription_id=mine.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    staff_client.post("/admin/webhooks/delivery/", {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
