"""The contract's Idempotency over HTTP: idempotent starts (key in the body or the
Idempotency-Key header) and idempotent retries."""

import json

import pytest

from executions.models import Execution
from tests.factories import ApiClient, assert_problem, make_execution, make_rule


def start_body(rule, **fields) -> dict:
    body = {"automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 42, "items": [1, 2]}}
    body.update(fields)
    return body


def executions_of(tenant) -> list[str]:
    return [str(pk) for pk in Execution.objects.filter(tenant=tenant).values_list("pk", flat=True)]


# Starting


def test_a_key_in_the_body_makes_one_execution_and_a_repeat_answers_200_with_it(api, tenant, rule):
    first = api.post("executions", start_body(rule, idempotency_key="order-42"))
    assert first.status_code == 201, first.content
    assert first["Location"].endswith(f"/executions/{first.json()['data']['execution_id']}")

    again = api.post("executions", start_body(rule, idempotency_key="order-42"))

    assert again.status_code == 200, again.content
    assert again.json()["data"]["execution_id"] == first.json()["data"]["execution_id"]
    assert again.json()["data"]["idempotency_key"] == "order-42"
    assert executions_of(tenant) == [first.json()["data"]["execution_id"]]


def test_the_header_and_the_body_field_are_the_same_key(api, tenant, rule):
    first = api.post("executions", start_body(rule), HTTP_IDEMPOTENCY_KEY="order-42")
    assert first.status_code == 201, first.content
    assert first.json()["data"]["idempotency_key"] == "order-42"

    by_body = api.post("executions", start_body(rule, idempotency_key="order-42"))
    by_both = api.post("executions", start_body(rule, idempotency_key="order-42"), HTTP_IDEMPOTENCY_KEY="order-42")

    assert (by_body.status_code, by_both.status_code) == (200, 200)
    ids = {r.json()["data"]["execution_id"] for r in (first, by_body, by_both)}
    assert len(ids) == 1
    assert executions_of(tenant) == list(ids)


def test_a_header_and_a_body_key_that_differ_are_refused(api, tenant, rule):
    problem = assert_problem(
        api.post("executions", start_body(rule, idempotency_key="order-42"), HTTP_IDEMPOTENCY_KEY="order-43"), 400
    )
    assert "idempotency_key" in problem["errors"]
    assert executions_of(tenant) == []


def test_a_repeat_answers_the_execution_as_it_is_now(api, tenant, rule):
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]
    api.patch(f"executions/{first['execution_id']}", {"status": "running", "actions_successful": 1})

    again = api.post("executions", start_body(rule, idempotency_key="k1"))

    assert again.status_code == 200
    body = again.json()["data"]
    assert body["execution_id"] == first["execution_id"]
    assert (body["status"], body["actions_successful"]) == ("running", 1)
    assert body["started_at"] is not None
    assert executions_of(tenant) == [first["execution_id"]]


def test_a_repeat_records_no_event(api, rule):
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]
    api.post("executions", start_body(rule, idempotency_key="k1"))

    events = api.get(f"executions/{first['execution_id']}/events").json()["data"]

    assert [event["type"] for event in events] == ["execution.created"]


def test_a_repeat_answers_200_even_after_the_rule_was_disabled(api, rule):
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]
    assert api.patch(f"rules/{rule.pk}", {"is_enabled": False}).status_code == 200

    again = api.post("executions", start_body(rule, idempotency_key="k1"))

    assert again.status_code == 200, again.content
    assert again.json()["data"]["execution_id"] == first["execution_id"]
    assert_problem(api.post("executions", start_body(rule, idempotency_key="k2")), 409)


def test_bodies_are_the_same_whatever_their_key_order_and_spacing(api, tenant, rule):
    compact = ('{"automation_rule_id":"RULE","trigger_data":{"a":1,"b":{"c":[1,2]}},"idempotency_key":"k1",'
               '"execution_context":{"x":"y"}}').replace("RULE", str(rule.pk))
    shuffled = ('{\n  "execution_context" : { "x" : "y" },\n  "idempotency_key": "k1",\n'
                '  "trigger_data": {"b": {"c": [1, 2]},   "a": 1},\n  "automation_rule_id": "RULE"\n}'
                ).replace("RULE", str(rule.pk))
    assert json.loads(compact) == json.loads(shuffled)

    first = api.post("executions", compact)
    again = api.post("executions", shuffled)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["data"]["execution_id"] == first.json()["data"]["execution_id"]
    assert len(executions_of(tenant)) == 1


def test_an_array_in_another_order_is_another_body(api, rule):
    api.post("executions", start_body(rule, idempotency_key="k1", trigger_data={"items": [1, 2]}))
    assert_problem(api.post("executions", start_body(rule, idempotency_key="k1", trigger_data={"items": [2, 1]})),
                   409)


@pytest.mark.parametrize(("field", "explicit"), [
    ("execution_context", {}),
    ("triggered_by", None),
    ("external_ref", None),
    ("actions_total", 3),  # the rule's number of actions: the default, yet sent explicitly
])
def test_an_omitted_field_differs_from_one_sent_explicitly(api, tenant, rule, field, explicit):
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]

    problem = assert_problem(api.post("executions", start_body(rule, idempotency_key="k1", **{field: explicit})),
                             409)

    assert first["execution_id"] in problem["detail"]
    assert executions_of(tenant) == [first["execution_id"]]


def test_the_same_key_with_another_body_is_a_conflict_naming_the_existing_execution(api, tenant, rule):
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]
    before = api.get(f"executions/{first['execution_id']}").json()["data"]

    problem = assert_problem(
        api.post("executions", start_body(rule, idempotency_key="k1", trigger_data={"order_id": 43})), 409
    )

    assert first["execution_id"] in problem["detail"]
    assert executions_of(tenant) == [first["execution_id"]]
    assert api.get(f"executions/{first['execution_id']}").json()["data"] == before


def test_the_same_key_for_another_rule_is_a_conflict(api, tenant, rule):
    other_rule = make_rule(tenant=tenant, name="Other")
    first = api.post("executions", start_body(rule, idempotency_key="k1")).json()["data"]

    problem = assert_problem(api.post("executions", start_body(other_rule, idempotency_key="k1")), 409)

    assert first["execution_id"] in problem["detail"]


def test_keys_are_scoped_to_the_tenant(api, outsider, tenant, other_tenant, rule):
    their_rule = make_rule(tenant=other_tenant)
    ours = api.post("executions", start_body(rule, idempotency_key="shared-key"))
    theirs = ApiClient(outsider.key).post("executions", start_body(their_rule, idempotency_key="shared-key"))

    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()["data"]["execution_id"] != theirs.json()["data"]["execution_id"]
    assert executions_of(tenant) == [ours.json()["data"]["execution_id"]]
    assert executions_of(other_tenant) == [theirs.json()["data"]["execution_id"]]


def test_without_a_key_every_start_makes_a_new_execution(api, tenant, rule):
    first, second = api.post("executions", start_body(rule)), api.post("executions", start_body(rule))
    assert (first.status_code, second.status_code) == (201, 201)
    assert len(executions_of(tenant)) == 2


@pytest.mark.parametrize("where", ["body", "header"])
def test_a_key_of_255_characters_is_kept(api, tenant, rule, where):
    key = "k" * 255
    body, headers = (start_body(rule, idempotency_key=key), {}) if where == "body" else (
        start_body(rule), {"HTTP_IDEMPOTENCY_KEY": key})

    response = api.post("executions", body, **headers)

    assert response.status_code == 201, response.content
    assert response.json()["data"]["idempotency_key"] == key
    assert api.post("executions", body, **headers).status_code == 200


@pytest.mark.parametrize("where", ["body", "header"])
def test_a_key_of_256_characters_is_refused(api, tenant, rule, where):
    key = "k" * 256
    body, headers = (start_body(rule, idempotency_key=key), {}) if where == "body" else (
        start_body(rule), {"HTTP_IDEMPOTENCY_KEY": key})

    problem = assert_problem(api.post("executions", body, **headers), 400)

    assert problem["errors"]
    assert executions_of(tenant) == []


# Retrying


@pytest.fixture
def failed(tenant, rule):
    return make_execution(tenant=tenant, rule=rule, status="failed")


def test_a_retry_repeated_with_its_key_answers_200_with_the_same_attempt(api, tenant, failed):
    first = api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201, first.content
    attempt_id = first.json()["data"]["execution_id"]
    api.patch(f"executions/{attempt_id}", {"status": "running"})

    again = api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert again.status_code == 200, again.content
    assert again.json()["data"]["execution_id"] == attempt_id
    assert again.json()["data"]["status"] == "running"
    assert Execution.objects.filter(retry_of=failed.pk).count() == 1
    retried = [e for e in api.get(f"executions/{failed.pk}/events").json()["data"]
               if e["type"] == "execution.retried"]
    assert len(retried) == 1


def test_a_retry_repeated_with_its_key_answers_200_even_after_the_rule_was_disabled(api, failed, rule):
    attempt_id = api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1").json()["data"][
        "execution_id"]
    assert api.patch(f"rules/{rule.pk}", {"is_enabled": False}).status_code == 200

    again = api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert again.status_code == 200, again.content
    assert again.json()["data"]["execution_id"] == attempt_id


@pytest.mark.parametrize("headers", [{"HTTP_IDEMPOTENCY_KEY": "retry-2"}, {}])
def test_a_retry_with_another_key_or_none_is_a_second_retry(api, failed, headers):
    attempt_id = api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1").json()["data"][
        "execution_id"]

    problem = assert_problem(api.post(f"executions/{failed.pk}/retry", **headers), 409)

    assert attempt_id in problem["detail"]
    assert Execution.objects.filter(retry_of=failed.pk).count() == 1


def test_a_retry_made_without_a_key_is_not_repeated_by_one_sent_later(api, failed):
    attempt_id = api.post(f"executions/{failed.pk}/retry").json()["data"]["execution_id"]

    problem = assert_problem(api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="retry-1"), 409)

    assert attempt_id in problem["detail"]


def test_a_retry_key_of_256_characters_is_refused(api, failed):
    assert_problem(api.post(f"executions/{failed.pk}/retry", HTTP_IDEMPOTENCY_KEY="k" * 256), 400)
    assert Execution.objects.filter(retry_of=failed.pk).count() == 0
