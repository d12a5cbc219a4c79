"""The "One execution" section of the contract: GET /api/v1/automation/executions/{id}."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from executions import services
from executions.models import Execution
from tests.factories import (
    API,
    ApiClient,
    add_logs,
    add_steps,
    assert_problem,
    detail,
    make_execution,
    make_key,
    make_rule,
)

ROOT = f"http://testserver{API}"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATUSES = {"pending", "running", "waiting", "completed", "failed", "cancelled", "timeout", "skipped"}
FINAL = {"completed", "failed", "cancelled", "timeout", "skipped"}
EXECUTION_FIELDS = {
    "execution_id", "automation_rule_id", "trigger_data", "status", "status_reason", "waiting_until", "output",
    "started_at", "completed_at", "duration_ms",
    "actions_total", "actions_successful", "actions_failed", "error_message", "error_stack",
    "failed_action_index", "execution_context", "logs", "tenant", "_links",
    "attempt", "retry_of", "triggered_by", "idempotency_key", "external_ref", "rule_version", "error_fingerprint",
    "steps",
    "previous_step", "next_step", "logs_truncated", "created_at", "updated_at",
}
STEP_FIELDS = {"key", "name", "type", "status", "position", "started_at", "completed_at", "output", "error"}
LOG_FIELDS = {"sequence", "timestamp", "level", "message", "action_index", "step_key", "event_type", "metadata"}
BASE_LINKS = {"self", "rule", "steps", "logs", "events"}


def parse_time(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def is_time(value) -> bool:
    return isinstance(value, str) and parse_time(value) is not None


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def step_at(execution, key: str, status: str, completed_at=None, **fields):
    started_at = None if completed_at is None else completed_at - timedelta(minutes=1)
    return services.step_create(tenant_id=execution.tenant_id, execution_id=execution.pk, key=key, status=status,
                                started_at=started_at, completed_at=completed_at, **fields)


def report(execution, **changes):
    return services.execution_report(tenant_id=execution.tenant_id, execution_id=execution.pk, actor="system",
                                     changes=changes)


def retry(execution):
    attempt, _ = services.execution_retry(tenant_id=execution.tenant_id, execution_id=execution.pk, actor="system")
    return attempt


# Fields and types


def test_every_field_of_an_execution_has_its_type(api, rule):
    started = api.post("executions", {
        "automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 42, "tags": ["a"]},
        "execution_context": {"region": "eu"}, "triggered_by": "engine-7", "external_ref": "order-42",
        "idempotency_key": "start-42",
    })
    assert started.status_code == 201
    execution_id = started.json()["data"]["execution_id"]
    api.patch(f"executions/{execution_id}", {"status": "running", "actions_total": 3})
    api.post(f"executions/{execution_id}/steps", {"key": "send", "name": "Send", "type": "email",
                                                  "status": "completed", "output": {"sent": 1}})
    api.post(f"executions/{execution_id}/logs", {"entries": [
        {"message": "starting", "level": "debug", "action_index": 0, "step_key": "send",
         "event_type": "action.started", "metadata": {"attempt": 1}},
    ]})
    api.patch(f"executions/{execution_id}", {"status": "failed", "actions_successful": 1, "actions_failed": 1,
                                             "error_message": "SMTP down", "error_stack": "at send()",
                                             "failed_action_index": 1, "status_reason": "gave up after 3 tries",
                                             "output": {"sent": 1, "bounced": ["b@example.com"]}})

    body = detail(api, execution_id)
    assert set(body) == EXECUTION_FIELDS
    assert body["execution_id"] == execution_id and UUID.match(execution_id)
    assert body["automation_rule_id"] == str(rule.pk)
    assert body["trigger_data"] == {"order_id": 42, "tags": ["a"]}
    assert body["status"] == "failed"
    assert (body["status_reason"], body["waiting_until"]) == ("gave up after 3 tries", None)
    assert body["output"] == {"sent": 1, "bounced": ["b@example.com"]}
    assert is_time(body["started_at"]) and is_time(body["completed_at"])
    assert is_int(body["duration_ms"]) and body["duration_ms"] >= 0
    assert (body["actions_total"], body["actions_successful"], body["actions_failed"]) == (3, 1, 1)
    assert body["error_message"] == "SMTP down" and body["error_stack"] == "at send()"
    assert body["failed_action_index"] == 1
    assert body["execution_context"] == {"region": "eu"}
    assert body["tenant"] == str(rule.tenant_id)
    assert body["attempt"] == 1 and body["retry_of"] is None
    assert (body["triggered_by"], body["external_ref"], body["idempotency_key"]) == ("engine-7", "order-42",
                                                                                    "start-42")
    assert body["rule_version"] == rule.version == 1
    assert re.fullmatch(r"[0-9a-f]{16}", body["error_fingerprint"])  # failed with a message
    assert body["logs_truncated"] is False
    assert is_time(body["created_at"]) and is_time(body["updated_at"])
    assert set(body["_links"]) >= BASE_LINKS

    [line] = body["logs"]
    assert set(line) == LOG_FIELDS
    assert line["sequence"] == 1 and is_time(line["timestamp"])
    assert (line["level"], line["message"], line["action_index"], line["step_key"], line["event_type"],
            line["metadata"]) == ("debug", "starting", 0, "send", "action.started", {"attempt": 1})

    [step] = body["steps"]
    assert set(step) == STEP_FIELDS
    assert (step["key"], step["name"], step["type"], step["status"], step["position"], step["output"],
            step["error"]) == ("send", "Send", "email", "completed", 0, {"sent": 1}, None)
    assert is_time(step["started_at"]) and is_time(step["completed_at"])
    assert body["previous_step"] == step
    assert body["next_step"] is None


def test_a_fresh_execution_has_nulls_and_zeros_where_nothing_happened(api, tenant, rule):
    body = detail(api, make_execution(tenant=tenant, rule=rule).pk)
    assert set(body) == EXECUTION_FIELDS
    assert body["status"] == "pending"
    for name in ("status_reason", "waiting_until", "output", "started_at", "completed_at", "duration_ms",
                 "error_message", "error_stack", "failed_action_index", "retry_of", "triggered_by", "idempotency_key",
                 "external_ref", "previous_step", "next_step"):
        assert body[name] is None, name
    assert body["actions_total"] == len(rule.actions) == 3
    assert (body["actions_successful"], body["actions_failed"]) == (0, 0)
    assert body["execution_context"] == {}
    assert body["logs"] == [] and body["steps"] == [] and body["logs_truncated"] is False
    assert body["attempt"] == 1


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_every_status_reads_with_the_same_fields(api, tenant, rule, status):
    body = detail(api, make_execution(tenant=tenant, rule=rule, status=status).pk)
    assert set(body) == EXECUTION_FIELDS
    assert body["status"] == status
    assert (body["completed_at"] is None) == (status not in FINAL)
    if status != "failed":
        assert body["failed_action_index"] is None


def test_a_waiting_execution_reads_with_its_reason_and_the_time_it_waits_until(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    report(execution, status="waiting", status_reason="awaiting approval from finance",
           waiting_until=datetime(2030, 6, 1, 14, 0, 0, 500_000, tzinfo=timezone.get_fixed_timezone(120)),
           output={"approval_request": "apr-77"})

    body = detail(api, execution.pk)

    assert set(body) == EXECUTION_FIELDS
    assert (body["status"], body["status_reason"]) == ("waiting", "awaiting approval from finance")
    assert body["waiting_until"] == "2030-06-01T12:00:00.500000Z" and is_time(body["waiting_until"])
    assert body["output"] == {"approval_request": "apr-77"}
    assert is_time(body["started_at"]) and (body["completed_at"], body["duration_ms"]) == (None, None)
    assert set(body["_links"]) == BASE_LINKS | {"cancel"}


@pytest.mark.parametrize("output", [None, {"rows": 3}, [1, 2], "done", 0, 1.5, True, {}])
def test_output_is_any_json_value_or_null(api, tenant, rule, output):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    report(execution, status="completed", output=output)
    assert detail(api, execution.pk)["output"] == output


def test_output_counts_in_the_etag_and_in_fields(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    path = f"executions/{execution.pk}"
    report(execution, output={"rows": 1})
    etag = api.get(path)["ETag"]

    report(execution, output={"rows": 2})

    response = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["data"]["output"] == {"rows": 2}
    assert api.get(path, {"fields": "output,status_reason,waiting_until"}).json()["data"] == {
        "status_reason": None, "waiting_until": None, "output": {"rows": 2},
        "_links": detail(api, execution.pk)["_links"]}


def test_rule_version_is_the_rules_version_when_the_execution_started(api, tenant, rule):
    before = make_execution(tenant=tenant, rule=rule)
    services.rule_update(tenant_id=tenant.pk, rule_id=rule.pk, changes={"actions": [{"type": "sms"}]})
    after = make_execution(tenant=tenant, rule=rule)
    assert detail(api, before.pk)["rule_version"] == 1
    assert detail(api, after.pk)["rule_version"] == 2


# Logs


def test_logs_are_the_highest_sequences_in_ascending_order(settings, api, tenant):
    settings.EXECUTION_LOG_LIMIT = 3
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, 5)
    body = detail(api, execution.pk)
    assert [line["sequence"] for line in body["logs"]] == [3, 4, 5]
    assert [line["message"] for line in body["logs"]] == ["line 2", "line 3", "line 4"]
    assert body["logs_truncated"] is True


@pytest.mark.parametrize("count, sequences, truncated", [(0, [], False), (2, [1, 2], False), (3, [1, 2, 3], False),
                                                         (4, [2, 3, 4], True)])
def test_logs_truncated_is_true_only_when_there_are_more(settings, api, tenant, count, sequences, truncated):
    settings.EXECUTION_LOG_LIMIT = 3
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, count)
    body = detail(api, execution.pk)
    assert [line["sequence"] for line in body["logs"]] == sequences
    assert body["logs_truncated"] is truncated


@pytest.mark.parametrize("count, truncated", [(200, False), (201, True)])
def test_the_default_limit_is_200_lines(api, tenant, count, truncated):
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, count)
    body = detail(api, execution.pk)
    assert [line["sequence"] for line in body["logs"]] == list(range(count - 199, count + 1))
    assert body["logs_truncated"] is truncated


def test_the_logs_link_leads_to_every_line(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, 201)
    body = detail(api, execution.pk)
    lines = api.get(body["_links"]["logs"]["href"], {"page_size": 1000}).json()["data"]
    assert [line["sequence"] for line in lines] == list(range(1, 202))
    assert lines[-200:] == body["logs"]


def test_log_lines_appended_to_a_final_execution_are_shown(api, tenant):
    execution = make_execution(tenant=tenant, status="completed")
    add_logs(execution, 2)
    assert [line["sequence"] for line in detail(api, execution.pk)["logs"]] == [1, 2]


# Steps, previous_step and next_step


def test_steps_are_in_order_of_creation(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    for key in ("zeta", "alpha", "mid"):
        step_at(execution, key, "pending")
    steps = detail(api, execution.pk)["steps"]
    assert [(s["key"], s["position"]) for s in steps] == [("zeta", 0), ("alpha", 1), ("mid", 2)]


def test_previous_step_is_the_finished_step_completed_last_and_next_step_the_first_pending(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    now = timezone.now()
    step_at(execution, "a", "completed", completed_at=now - timedelta(seconds=1))
    step_at(execution, "b", "failed", completed_at=now - timedelta(seconds=5))
    step_at(execution, "c", "running")
    step_at(execution, "d", "pending")
    step_at(execution, "e", "pending")
    body = detail(api, execution.pk)
    assert body["previous_step"] == body["steps"][0]
    assert body["next_step"] == body["steps"][3]
    assert body["next_step"]["key"] == "d"


@pytest.mark.parametrize("status", ["completed", "failed", "skipped", "cancelled"])
def test_every_finished_status_counts_for_previous_step(api, tenant, status):
    execution = make_execution(tenant=tenant, status="running")
    now = timezone.now()
    step_at(execution, "early", "completed", completed_at=now - timedelta(seconds=10))
    step_at(execution, "late", status, completed_at=now)
    assert detail(api, execution.pk)["previous_step"]["key"] == "late"


def test_previous_step_ties_go_to_the_higher_position(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    moment = timezone.now() - timedelta(seconds=3)
    step_at(execution, "first", "completed", completed_at=moment)
    step_at(execution, "second", "skipped", completed_at=moment)
    step_at(execution, "third", "completed", completed_at=moment - timedelta(seconds=1))
    assert detail(api, execution.pk)["previous_step"]["key"] == "second"


def test_previous_step_follows_completed_at_not_position(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    now = timezone.now()
    step_at(execution, "slow", "completed", completed_at=now)
    step_at(execution, "fast", "completed", completed_at=now - timedelta(seconds=30))
    assert detail(api, execution.pk)["previous_step"]["key"] == "slow"


def test_no_finished_step_and_no_pending_step_give_nulls(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    step_at(execution, "busy", "running")
    body = detail(api, execution.pk)
    assert body["previous_step"] is None
    assert body["next_step"] is None


def test_next_step_is_null_once_the_execution_is_final(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    step_at(execution, "done", "completed")
    step_at(execution, "never", "pending")
    assert detail(api, execution.pk)["next_step"]["key"] == "never"
    report(execution, status="failed")
    body = detail(api, execution.pk)
    assert body["next_step"] is None
    assert body["previous_step"]["key"] == "done"
    assert [s["key"] for s in body["steps"]] == ["done", "never"]


def test_step_updates_move_previous_and_next_step(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    step_at(execution, "one", "pending")
    step_at(execution, "two", "pending")
    assert detail(api, execution.pk)["next_step"]["key"] == "one"
    api.patch(f"executions/{execution.pk}/steps/one", {"status": "running"})
    api.patch(f"executions/{execution.pk}/steps/one", {"status": "completed"})
    body = detail(api, execution.pk)
    assert body["previous_step"]["key"] == "one"
    assert body["next_step"]["key"] == "two"


# duration_ms


@pytest.mark.parametrize("status", ["pending", "running"])
def test_an_unfinished_execution_has_no_duration(api, tenant, status):
    body = detail(api, make_execution(tenant=tenant, status=status).pk)
    assert body["duration_ms"] is None and body["completed_at"] is None
    assert (body["started_at"] is None) == (status == "pending")


@pytest.mark.parametrize("status", ["completed", "failed", "timeout", "cancelled"])
def test_duration_is_completed_minus_started_in_whole_milliseconds(api, tenant, status):
    execution = make_execution(tenant=tenant, status="running")
    Execution.objects.filter(pk=execution.pk).update(started_at=timezone.now() - timedelta(milliseconds=1500.7))
    report(execution, status=status)
    body = detail(api, execution.pk)
    elapsed = parse_time(body["completed_at"]) - parse_time(body["started_at"])
    assert body["duration_ms"] == elapsed // timedelta(milliseconds=1)
    assert body["duration_ms"] >= 1500


@pytest.mark.parametrize("status", ["cancelled", "skipped", "timeout"])
def test_an_execution_finished_before_it_started_has_no_duration(api, tenant, status):
    execution = make_execution(tenant=tenant)
    report(execution, status=status)
    body = detail(api, execution.pk)
    assert body["started_at"] is None
    assert body["completed_at"] is not None
    assert body["duration_ms"] is None


# expand and query parameters


def test_expand_rule_embeds_the_rule_object(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule)
    plain = detail(api, execution.pk)
    expanded = detail(api, execution.pk, expand="rule")
    assert "rule" not in plain
    assert expanded["rule"] == api.get(f"rules/{rule.pk}").json()["data"]
    assert {name: value for name, value in expanded.items() if name != "rule"} == plain


@pytest.mark.parametrize("query", ["expand=steps", "expand=RULE", "expand=rule,steps", "expand=",
                                   "expand=rule&expand=rule", "expand=rule&fields=id", "fields=id", "page_size=10",
                                   "cursor=abc", "Expand=rule"])
def test_other_expand_values_and_unknown_parameters_are_400_naming_them(api, tenant, query):
    execution = make_execution(tenant=tenant)
    body = assert_problem(api.get(f"executions/{execution.pk}?{query}"), 400)
    names = {part.split("=")[0] for part in query.split("&")} - ({"expand"} if "fields" in query else set())
    assert names <= set(body["errors"])


# _links


def links_of(api, execution) -> dict:
    return detail(api, execution.pk)["_links"]


@pytest.mark.parametrize(
    "status, extra",
    [("pending", {"cancel"}), ("running", {"cancel"}), ("waiting", {"cancel"}), ("completed", set()),
     ("skipped", set()),
     ("failed", {"retry"}), ("timeout", {"retry"}), ("cancelled", {"retry"})],
)
def test_links_follow_the_lifecycle(api, tenant, status, extra):
    execution = make_execution(tenant=tenant, status=status)
    links = links_of(api, execution)
    assert set(links) == BASE_LINKS | extra
    this = f"{ROOT}/executions/{execution.pk}"
    assert links["self"] == {"href": this, "method": "GET"}
    assert links["rule"] == {"href": f"{ROOT}/rules/{execution.rule_id}", "method": "GET"}
    assert links["steps"] == {"href": f"{this}/steps", "method": "GET"}
    assert links["logs"] == {"href": f"{this}/logs", "method": "GET"}
    assert links["events"] == {"href": f"{this}/events", "method": "GET"}
    if "retry" in extra:
        assert links["retry"] == {"href": f"{this}/retry", "method": "POST"}
    if "cancel" in extra:
        assert links["cancel"] == {"href": f"{this}/cancel", "method": "POST"}


def test_no_retry_link_when_the_rule_is_disabled(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="failed")
    services.rule_update(tenant_id=tenant.pk, rule_id=rule.pk, changes={"is_enabled": False})
    assert "retry" not in links_of(api, execution)
    services.rule_update(tenant_id=tenant.pk, rule_id=rule.pk, changes={"is_enabled": True})
    assert "retry" in links_of(api, execution)


def test_a_retried_chain_links_its_attempts_and_offers_no_second_retry(api, tenant):
    first = make_execution(tenant=tenant, status="failed")
    second = retry(first)
    report(second, status="running")
    report(second, status="failed")
    third = retry(second)

    first_links, second_links, third_links = (links_of(api, e) for e in (first, second, third))
    assert set(first_links) == BASE_LINKS | {"next_attempt"}
    assert first_links["next_attempt"] == {"href": f"{ROOT}/executions/{second.pk}", "method": "GET"}
    assert set(second_links) == BASE_LINKS | {"previous_attempt", "next_attempt"}
    assert second_links["previous_attempt"] == {"href": f"{ROOT}/executions/{first.pk}", "method": "GET"}
    assert second_links["next_attempt"] == {"href": f"{ROOT}/executions/{third.pk}", "method": "GET"}
    assert set(third_links) == BASE_LINKS | {"previous_attempt", "cancel"}

    body = detail(api, third.pk)
    assert (body["attempt"], body["retry_of"]) == (3, str(second.pk))


def test_links_are_absolute_and_built_from_the_request(settings, tenant, member):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    execution = make_execution(tenant=tenant, status="failed")
    client = ApiClient(member.key, HTTP_HOST="api.example.com")
    links = client.get(f"executions/{execution.pk}", secure=True).json()["data"]["_links"]
    for link in links.values():
        assert link["href"].startswith(f"https://api.example.com{API}/"), link


def test_expanded_rule_links_are_absolute(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule)
    for link in detail(api, execution.pk, expand="rule")["rule"]["_links"].values():
        assert link["href"].startswith(f"{ROOT}/")


def _every_state(tenant):
    """Executions in every status, one of a disabled rule, and a retried chain."""
    executions = [make_execution(tenant=tenant, status=status) for status in sorted(STATUSES)]
    disabled = make_rule(tenant=tenant, name="Off")
    executions.append(make_execution(tenant=tenant, rule=disabled, status="failed"))
    services.rule_update(tenant_id=tenant.pk, rule_id=disabled.pk, changes={"is_enabled": False})
    first = make_execution(tenant=tenant, status="failed")
    executions += [first, retry(first)]
    for execution in executions:
        if execution.status in ("pending", "running", "waiting"):
            add_steps(execution, 2)
        add_logs(execution, 3)
    return executions


def test_every_emitted_link_answers_2xx_when_followed_by_a_holder_of_its_permission(tenant, member, operator):
    reader = Client(HTTP_X_API_KEY=member.key)
    executor = Client(HTTP_X_API_KEY=operator.key)
    followed = set()
    for execution in _every_state(tenant):
        for name, link in links_of(ApiClient(member.key), execution).items():
            if link["method"] == "GET":
                response = reader.get(link["href"])
            else:
                # As curl -X POST sends it: no body and no Content-Type.
                response = executor.generic("POST", link["href"], b"")
            assert 200 <= response.status_code < 300, (execution.status, name, response.content[:300])
            followed.add(name)
    assert followed == BASE_LINKS | {"retry", "cancel", "previous_attempt", "next_attempt"}


def test_every_reader_gets_the_same_body(tenant, member, viewer, writer, operator):
    bodies = []
    for execution in _every_state(tenant):
        seen = [detail(ApiClient(issued.key), execution.pk) for issued in (viewer, writer, operator, member)]
        assert all(body == seen[0] for body in seen), execution.status
        bodies.append(seen[0])
    assert any("retry" in body["_links"] for body in bodies)
    assert any("cancel" in body["_links"] for body in bodies)


# Query count


def _detail_queries(client, execution_id, **query) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"executions/{execution_id}", query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("expand", "queries"), [({}, 1), ({"expand": "rule"}, 2)], ids=["plain", "expand=rule"])
def test_the_detail_takes_the_same_few_queries_whatever_it_holds(api, tenant, expand, queries,
                                                                 django_assert_num_queries):
    empty = make_execution(tenant=tenant, status="running")
    full = make_execution(tenant=tenant, status="running")
    add_steps(full, 20)
    add_logs(full, 500)
    report(full, status="failed")
    chained = retry(full)
    api.get(f"executions/{empty.pk}")  # warms the key: last_used_at is fresh, so it is not written again

    # (the key, its user and the user's role: kept by the worker since the warming request)
    # 1. the execution's body with its steps and last EXECUTION_LOG_LIMIT log lines, as JSON, and
    #    what its links need: its rule's is_enabled and its next attempt's id
    # 2. with expand=rule: the rule
    for execution in (empty, full, chained):
        with django_assert_num_queries(queries):
            response = api.get(f"executions/{execution.pk}", expand)
        assert response.status_code == 200
    body = response.json()["data"]
    assert len(detail(api, full.pk)["steps"]) == 20
    assert len(detail(api, full.pk)["logs"]) == 200
    assert "previous_attempt" in body["_links"]


def test_the_detail_query_count_is_the_same_for_0_and_500_lines(api, tenant, django_assert_max_num_queries):
    empty = make_execution(tenant=tenant, status="running")
    full = make_execution(tenant=tenant, status="running")
    add_steps(full, 20)
    add_logs(full, 500)
    api.get(f"executions/{empty.pk}")  # warms the key (see above)
    with django_assert_max_num_queries(2):
        few = _detail_queries(api, empty.pk)
    with django_assert_max_num_queries(2):
        many = _detail_queries(api, full.pk)
    assert few == many


def test_a_limited_key_adds_only_its_counter(tenant):
    execution = make_execution(tenant=tenant)
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=100)
    client = ApiClient(issued.key)
    client.get(f"executions/{execution.pk}")
    assert _detail_queries(client, execution.pk) == 2  # its use counted, the execution (the key row is kept)

