"""/webhooks over HTTP: the subscription's life, its deliveries, target safety, isolation, errors."""

import pytest
from django.test import Client

from tests.factories import API, ApiClient, assert_problem, make_execution
from webhooks import services
from webhooks.models import Delivery, Subscription
from webhooks.worker import Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_dns(monkeypatch):
    """hooks.example.com resolves to a public address (the test needs no network)."""
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        if host == "inward.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


URL = "https://hooks.example.com/executions"


def create(api, **fields) -> dict:
    response = api.post("webhooks", {"url": URL, "events": ["*"], **fields})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_a_subscription_is_made_read_changed_rotated_and_deleted(api, public_dns):
    made = create(api, events=["execution.failed"], description="on-call")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 6 + 32
    assert set(made) == {"id", "url", "events", "description", "is_enabled", "disabled_reason", "secret",
                         "created_at", "updated_at", "_links"}
    assert made["_links"]["self"]["href"] == f"http://testserver{API}/webhooks/{made['id']}"
    got = api.get(f"webhooks/{made['id']}").json()["data"]
    assert "secret" not in got and got["events"] == ["execution.failed"]
    listed = api.get("webhooks").json()
    assert [w["id"] for w in listed["data"]] == [made["id"]] and "secret" not in listed["data"][0]
    changed = api.patch(f"webhooks/{made['id']}", {"events": ["*"], "is_enabled": False}).json()["data"]
    assert changed["events"] == ["*"] and changed["is_enabled"] is False
    rotated = api.post(f"webhooks/{made['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["data"]["secret"] not in (made["secret"], None)
    assert api.delete(f"webhooks/{made['id']}").status_code == 204
    assert_problem(api.get(f"webhooks/{made['id']}"), 404)


def test_enabling_again_clears_the_disabled_reason(api, tenant, public_dns):
    made = create(api)
    Subscription.objects.filter(pk=made["id"]).update(is_enabled=False, disabled_reason="Every attempt failed.")
    assert api.get(f"webhooks/{made['id']}").json()["data"]["disabled_reason"] == "Every attempt failed."
    again = api.patch(f"webhooks/{made['id']}", {"is_enabled": True}).json()["data"]
    assert again["is_enabled"] is True and again["disabled_reason"] is None


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8000/hook", "http://10.0.0.5/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/", "http://[::]/",
    "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://100.64.0.1/", "http://inward.example.com/",
])
def test_a_target_that_is_or_resolves_inward_is_400(api, url, public_dns):
    body = assert_problem(api.post("webhooks", {"url": url, "events": ["*"]}), 400)
    assert "url" in body["errors"]


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "/relative", "hooks.example.com/x",
                                 "https://user:pw@hooks.example.com/", "http://"])
def test_a_url_that_is_not_absolute_http_is_400(api, url, public_dns):
    assert "url" in assert_problem(api.post("webhooks", {"url": url, "events": ["*"]}), 400)["errors"]


def test_private_targets_are_allowed_by_the_setting(api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert api.post("webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"]}).status_code == 201


def test_an_update_to_an_inward_url_is_400(api, public_dns):
    made = create(api)
    assert "url" in assert_problem(api.patch(f"webhooks/{made['id']}", {"url": "http://10.0.0.1/"}), 400)["errors"]


def test_bodies_are_checked(api, public_dns):
    errors = assert_problem(api.post("webhooks", {"url": URL, "events": ["execution.exploded"], "colour": 1}),
                            400)["errors"]
    assert {"events.0", "colour"} <= set(errors)
    assert "events" in assert_problem(api.post("webhooks", {"url": URL, "events": []}), 400)["errors"]
    assert "events" in assert_problem(api.post("webhooks", {"url": URL, "events": ["*", "execution.failed"]}),
                                      400)["errors"]


def test_ping_redeliver_and_the_deliveries(api, tenant, public_dns):
    made = create(api)
    ping = api.post(f"webhooks/{made['id']}/ping")
    assert ping.status_code == 202
    delivery = ping.json()["data"]
    assert delivery["type"] == "webhook.ping" and delivery["status"] == "pending" and delivery["attempts"] == 0
    Delivery.objects.filter(pk=delivery["id"]).update(status="failed", next_attempt_at=None)
    again = api.post(f"webhooks/{made['id']}/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 202 and again.json()["data"]["id"] == delivery["id"]
    assert again.json()["data"]["status"] == "pending"
    one = api.get(f"webhooks/{made['id']}/deliveries/{delivery['id']}").json()["data"]
    assert one["attempt_log"] == [] and one["last_attempt"] is None
    page = api.get(f"webhooks/{made['id']}/deliveries", {"status": "pending", "type": "webhook.ping"}).json()
    assert [d["id"] for d in page["data"]] == [delivery["id"]]
    assert api.get(f"webhooks/{made['id']}/deliveries", {"status": "failed"}).json()["data"] == []
    assert_problem(api.get(f"webhooks/{made['id']}/deliveries", {"status": "lost"}), 400)
    assert_problem(api.get(f"webhooks/{made['id']}/deliveries", {"colour": "red"}), 400)


def test_deliveries_page_newest_first_with_cursors(api, tenant, public_dns):
    made = create(api)
    ids = [api.post(f"webhooks/{made['id']}/ping").json()["data"]["id"] for _ in range(3)]
    first = api.get(f"webhooks/{made['id']}/deliveries", {"page_size": 2}).json()
    assert [d["id"] for d in first["data"]] == ids[::-1][:2]
    second = api.get(first["pagination"]["next"]).json()
    assert [d["id"] for d in second["data"]] == [ids[0]] and second["pagination"]["next"] is None


def test_deleting_a_subscription_stops_its_pending_deliveries(api, tenant, receiver):
    made = api.post("webhooks", {"url": receiver.at("/hook", 200), "events": ["*"]}).json()["data"]
    api.post(f"webhooks/{made['id']}/ping")
    make_execution(tenant=tenant)
    assert api.delete(f"webhooks/{made['id']}").status_code == 204
    worker = Worker(timeout=2)
    worker.run_once()
    worker.close()
    assert receiver.received == [] and not Delivery.objects.exists()


def test_another_tenants_subscription_and_deliveries_are_404(api, other_tenant, public_dns):
    theirs = services.subscription_create(tenant_id=other_tenant.pk, url=URL, events=["*"])
    delivery = services.subscription_ping(tenant_id=other_tenant.pk, subscription_id=theirs.pk)
    for method, path in [("get", f"webhooks/{theirs.pk}"), ("patch", f"webhooks/{theirs.pk}"),
                         ("delete", f"webhooks/{theirs.pk}"), ("post", f"webhooks/{theirs.pk}/rotate-secret"),
                         ("post", f"webhooks/{theirs.pk}/ping"), ("get", f"webhooks/{theirs.pk}/deliveries"),
                         ("get", f"webhooks/{theirs.pk}/deliveries/{delivery.pk}"),
                         ("post", f"webhooks/{theirs.pk}/deliveries/{delivery.pk}/redeliver")]:
        response = getattr(api, method)(path, {"description": "x"} if method == "patch" else None)
        assert_problem(response, 404)
    assert api.get("webhooks").json()["data"] == []


def test_the_error_precedence(api, viewer, public_dns):
    assert_problem(Client().get(f"{API}/webhooks"), 401)
    assert_problem(ApiClient(viewer.key).get("webhooks"), 403)  # needs write
    assert_problem(api.get("webhooks/not-a-uuid"), 400)
    assert_problem(api.get("webhooks/01936f0e-1b2c-7d3e-8f40-5a6b7c8d9e0f"), 404)
    assert_problem(api.get("webhooks/01936f0e-1b2c-7d3e-8f40-5a6b7c8d9e0f/deliveries/nope"), 400)
    assert_problem(api.get("webhooks", {"cursor": "!!"}), 400)


def test_the_api_root_links_the_webhooks(api):
    links = api.get("").json()["data"]["_links"]
    assert links["webhooks"]["href"] == f"http://testserver{API}/webhooks"


def test_the_list_reads_in_fixed_queries(api, public_dns, django_assert_num_queries):
    made = create(api)
    for _ in range(3):
        api.post(f"webhooks/{made['id']}/ping")
    api.get("webhooks")  # the key is cached from here on
    with django_assert_num_queries(1):  # subscriptions
        assert len(api.get("webhooks").json()["data"]) == 1
    with django_assert_num_queries(2):  # the subscription (404 if absent), deliveries
        assert len(api.get(f"webhooks/{made['id']}/deliveries").json()["data"]) == 3
