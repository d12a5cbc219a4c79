"""The contract's endpoints over HTTP: starting executions, listing and filtering them, cursor
pages, automation rules, a rule's executions, and the fixed number of queries of every list."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from executions import services
from executions.models import AutomationRule, Execution
from rbac.services import role_create
from tests.factories import API, ApiClient, add_logs, add_steps, assert_problem, make_execution, make_key, make_rule

ROOT = f"http://testserver{API}"
LEFT_OUT_OF_LIST_ITEMS = {"logs", "logs_truncated", "steps", "previous_step", "next_step", "output"}
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [item["execution_id"] for item in response.json()["data"]]


def start_body(rule: AutomationRule, **fields) -> dict:
    return {"automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 7}, **fields}


def set_times(execution: Execution, **fields) -> None:
    """Puts timestamps where a test needs them: the API stamps them from the clock."""
    Execution.objects.filter(pk=execution.pk).update(**fields)


def newest_first(executions) -> list[str]:
    rows = Execution.objects.filter(pk__in=[e.pk for e in executions]).order_by("-created_at", "-id")
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


# GET `` (the base path itself)


@pytest.mark.parametrize("path", [API, f"{API}/"])
def test_the_base_path_is_the_apis_root_with_links_that_answer(api, path):
    response = api.get(path)
    assert response.status_code == 200, response.content[:300]
    links = response.json()["data"]["_links"]
    assert {"self", "executions", "rules", "schema", "docs"} <= set(links)
    assert links["self"]["href"] == ROOT and links["executions"]["href"] == f"{ROOT}/executions"
    for link in links.values():
        assert link["method"] == "GET"
        assert api.get(link["href"]).status_code == 200, link


def test_the_apis_root_needs_a_key_and_read(anonymous_client, tenant):
    assert_problem(anonymous_client.get(API), 401)
    role_create(name="nothing", permissions=[])
    assert_problem(ApiClient(make_key(tenant=tenant, role="nothing", username="nemo").key).get(API), 403)


def test_the_site_root_leads_to_the_docs(anonymous_client):
    response = anonymous_client.get("/", follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].rstrip("/").endswith("/api/docs")


# POST /executions


def test_start_answers_201_with_location_and_the_pending_execution(api, tenant, rule):
    response = api.post("executions", start_body(rule))

    assert response.status_code == 201, response.content
    body = response.json()["data"]
    assert response["Location"] == f"{ROOT}/executions/{body['execution_id']}"
    assert body["automation_rule_id"] == str(rule.pk)
    assert body["tenant"] == str(tenant.pk)
    assert body["trigger_data"] == {"order_id": 7}
    assert body["status"] == "pending"
    assert body["execution_context"] == {}
    assert (body["started_at"], body["completed_at"], body["duration_ms"]) == (None, None, None)
    assert (body["actions_successful"], body["actions_failed"]) == (0, 0)
    assert (body["attempt"], body["retry_of"], body["rule_version"]) == (1, None, 1)
    assert (body["logs"], body["steps"], body["previous_step"], body["next_step"]) == ([], [], None, None)
    assert body["logs_truncated"] is False
    assert api.get(response["Location"]).json()["data"] == body


def test_start_defaults_actions_total_to_the_number_of_the_rules_actions(api, tenant, rule):
    empty = make_rule(tenant=tenant, actions=[])

    assert api.post("executions", start_body(rule)).json()["data"]["actions_total"] == 3
    assert api.post("executions", start_body(empty)).json()["data"]["actions_total"] == 0
    assert api.post("executions", start_body(rule, actions_total=10)).json()["data"]["actions_total"] == 10


def test_start_stores_triggered_by_external_ref_and_context(api, rule):
    response = api.post("executions", start_body(
        rule, triggered_by="webhook:shopify", external_ref="order-1001", execution_context={"region": "eu"},
    ))

    assert response.status_code == 201
    stored = api.get(response["Location"]).json()["data"]
    assert stored["triggered_by"] == "webhook:shopify"
    assert stored["external_ref"] == "order-1001"
    assert stored["execution_context"] == {"region": "eu"}


def test_start_with_a_rule_of_another_tenant_is_400_naming_automation_rule_id(api, other_tenant):
    foreign = make_rule(tenant=other_tenant)

    for rule_id in (str(foreign.pk), str(uuid.uuid4())):
        response = api.post("executions", {"automation_rule_id": rule_id, "trigger_data": {}})
        assert "automation_rule_id" in assert_problem(response, 400)["errors"]
    assert not Execution.objects.exists()


def test_start_of_a_disabled_rule_is_409_and_makes_nothing(api, tenant):
    disabled = make_rule(tenant=tenant, is_enabled=False)

    body = assert_problem(api.post("executions", start_body(disabled)), 409)

    assert "is_enabled" in body["detail"]
    assert not Execution.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"automation_rule_id": None}, "automation_rule_id"),
    ({"automation_rule_id": "NOT-A-UUID"}, "automation_rule_id"),
    ({"trigger_data": [1, 2]}, "trigger_data"),
    ({"actions_total": -1}, "actions_total"),
    ({"actions_total": "3"}, "actions_total"),
    ({"triggered_by": 5}, "triggered_by"),
    ({"colour": "red"}, "colour"),
])
def test_start_refuses_a_malformed_body_naming_the_field(api, rule, change, field):
    response = api.post("executions", {**start_body(rule), **change})

    assert field in assert_problem(response, 400)["errors"]
    assert not Execution.objects.exists()


def test_start_names_a_missing_automation_rule_id(api):
    response = api.post("executions", {"trigger_data": {}})

    assert "automation_rule_id" in assert_problem(response, 400)["errors"]


# GET /executions: order and shape


def test_list_is_newest_first_with_ties_broken_by_id(api, tenant, rule):
    executions = [make_execution(tenant=tenant, rule=rule) for _ in range(5)]
    for execution in executions[1:4]:  # three created in the same microsecond
        set_times(execution, created_at=T0)
    set_times(executions[0], created_at=T0 - timedelta(seconds=1))
    set_times(executions[4], created_at=T0 + timedelta(seconds=1))
    tied = sorted((e.pk for e in executions[1:4]), reverse=True)

    listed = ids(api.get("executions"))

    assert listed == [str(executions[4].pk), *map(str, tied), str(executions[0].pk)]
    assert listed == newest_first(executions)


@pytest.mark.parametrize("status", ["running", "waiting"])
def test_list_items_are_the_execution_without_output_logs_and_steps(api, tenant, rule, status):
    execution = make_execution(tenant=tenant, rule=rule, status=status)
    add_steps(execution, 2)
    add_logs(execution, 3)
    changes = {"status_reason": "awaiting approval from finance", "output": {"approval_request": "apr-77"}}
    if status == "waiting":
        changes["waiting_until"] = T0
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system", changes=changes)

    item = api.get("executions").json()["data"][0]
    detail = api.get(f"executions/{execution.pk}").json()["data"]

    assert set(item) == set(detail) - LEFT_OUT_OF_LIST_ITEMS
    assert item == {name: value for name, value in detail.items() if name not in LEFT_OUT_OF_LIST_ITEMS}
    assert item["status_reason"] == "awaiting approval from finance"
    assert item["waiting_until"] == (iso(T0) if status == "waiting" else None)
    assert detail["output"] == {"approval_request": "apr-77"}


def test_list_fields_take_the_status_reason_and_waiting_until_but_not_the_output(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="waiting")
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                              changes={"status_reason": "paused by circuit breaker", "output": {"rows": 1}})

    [item] = api.get("executions", {"fields": "status,status_reason,waiting_until"}).json()["data"]

    assert item == {"status": "waiting", "status_reason": "paused by circuit breaker", "waiting_until": None,
                    "_links": item["_links"]}
    assert "fields" in assert_problem(api.get("executions", {"fields": "status,output"}), 400)["errors"]


def test_list_pages_never_read_the_output(api, tenant, rule, django_assert_num_queries):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                              changes={"output": {"text": "x" * 200_000}})

    for path in ("executions", f"rules/{rule.pk}/executions"):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        read = [q["sql"] for q in queries if "executions_execution" in q["sql"]]
        assert read and not any("output" in sql for sql in read), read


def test_list_has_a_pagination_block_even_when_empty(api):
    response = api.get("executions")

    assert response.json() == {"data": [], "pagination": {"next": None, "previous": None}}


# GET /executions: filters


@pytest.fixture
def one_of_each_status(tenant, rule) -> dict[str, Execution]:
    return {status: make_execution(tenant=tenant, rule=rule, status=status)
            for status in ("pending", "running", "waiting", "completed", "failed", "cancelled", "timeout", "skipped")}


@pytest.mark.parametrize(("query", "expected"), [
    ("status=failed", {"failed"}),
    ("status=failed,completed", {"failed", "completed"}),
    ("status=failed&status=completed", {"failed", "completed"}),
    ("status=failed,completed&status=skipped", {"failed", "completed", "skipped"}),
    ("status=waiting", {"waiting"}),
    ("status=running,waiting", {"running", "waiting"}),
    ("status=pending&status=waiting,cancelled", {"pending", "waiting", "cancelled"}),
])
def test_status_filter_is_repeatable_and_comma_separated(api, one_of_each_status, query, expected):
    listed = set(ids(api.get(f"executions?{query}")))

    assert listed == {str(one_of_each_status[status].pk) for status in expected}


def test_filters_combine_with_and(api, tenant, rule, one_of_each_status):
    other_rule = make_rule(tenant=tenant)
    other_failed = make_execution(tenant=tenant, rule=other_rule, status="failed")

    assert ids(api.get(f"executions?status=failed&automation_rule_id={other_rule.pk}")) == [str(other_failed.pk)]
    assert ids(api.get(f"executions?status=failed&automation_rule_id={rule.pk}")) == [
        str(one_of_each_status["failed"].pk)
    ]


def test_automation_rule_id_filter_lists_that_rules_executions(api, tenant, rule):
    mine = [make_execution(tenant=tenant, rule=rule) for _ in range(2)]
    other_rule = make_rule(tenant=tenant)
    make_execution(tenant=tenant, rule=other_rule)

    assert ids(api.get(f"executions?automation_rule_id={rule.pk}")) == newest_first(mine)
    # Any case of the canonical form is the same id.
    assert ids(api.get(f"executions?automation_rule_id={str(rule.pk).upper()}")) == newest_first(mine)


def test_a_rule_id_the_tenant_does_not_have_gives_an_empty_page(api, tenant, rule, other_tenant):
    make_execution(tenant=tenant, rule=rule)
    foreign = make_rule(tenant=other_tenant)
    make_execution(tenant=other_tenant, rule=foreign)

    for rule_id in (foreign.pk, uuid.uuid4()):
        response = api.get(f"executions?automation_rule_id={rule_id}")
        assert response.json() == {"data": [], "pagination": {"next": None, "previous": None}}


@pytest.fixture
def timed(tenant, rule) -> list[Execution]:
    """Three finished executions started at T0, T0+1h, T0+2h, each lasting 100, 200, 300 ms and
    completed an hour after it started, and one pending execution that never started."""
    executions = []
    for hour, duration in enumerate((100, 200, 300)):
        execution = make_execution(tenant=tenant, rule=rule, status="completed")
        started = T0 + timedelta(hours=hour)
        set_times(execution, started_at=started, completed_at=started + timedelta(hours=1), duration_ms=duration)
        executions.append(execution)
    executions.append(make_execution(tenant=tenant, rule=rule))
    return executions


def _matching(api, params: dict) -> set[str]:
    response = api.get("executions", params)
    return set(ids(response))


def test_started_after_is_inclusive_and_started_before_exclusive(api, timed):
    first, second, third, unstarted = (str(e.pk) for e in timed)

    assert _matching(api, {"started_after": iso(T0 + timedelta(hours=1))}) == {second, third}
    assert _matching(api, {"started_before": iso(T0 + timedelta(hours=1))}) == {first}
    assert _matching(api, {"started_after": iso(T0), "started_before": iso(T0 + timedelta(hours=2))}) == {
        first, second,
    }
    assert unstarted not in _matching(api, {"started_before": "2999-01-01T00:00:00Z"})
    assert unstarted not in _matching(api, {"started_after": "2000-01-01T00:00:00Z"})


def test_completed_after_is_inclusive_and_completed_before_exclusive(api, timed):
    first, second, third, unfinished = (str(e.pk) for e in timed)

    assert _matching(api, {"completed_after": iso(T0 + timedelta(hours=2))}) == {second, third}
    assert _matching(api, {"completed_before": iso(T0 + timedelta(hours=2))}) == {first}
    assert unfinished not in _matching(api, {"completed_before": "2999-01-01T00:00:00Z"})


def test_time_filters_take_any_offset(api, timed):
    first, second, _, _ = (str(e.pk) for e in timed)

    # 14:00+02:00 is 12:00Z, T0 itself.
    assert _matching(api, {"started_after": "2024-05-01T14:00:00+02:00",
                           "started_before": "2024-05-01T13:00:00-00:30"}) == {first, second}


def test_duration_filters_are_inclusive(api, timed):
    first, second, third, unfinished = (str(e.pk) for e in timed)

    assert _matching(api, {"min_duration_ms": 200}) == {second, third}
    assert _matching(api, {"max_duration_ms": 200}) == {first, second}
    assert _matching(api, {"min_duration_ms": 200, "max_duration_ms": 200}) == {second}
    assert unfinished not in _matching(api, {"min_duration_ms": 0})


def test_triggered_by_and_external_ref_filters_match_exactly(api, tenant, rule):
    shop = make_execution(tenant=tenant, rule=rule, triggered_by="shop", external_ref="order-1")
    cron = make_execution(tenant=tenant, rule=rule, triggered_by="cron", external_ref="order-10")

    assert ids(api.get("executions?triggered_by=shop")) == [str(shop.pk)]
    assert ids(api.get("executions?triggered_by=cron")) == [str(cron.pk)]
    assert ids(api.get("executions?external_ref=order-1")) == [str(shop.pk)]
    assert ids(api.get("executions?external_ref=order")) == []


# GET /executions: cursor pages


def _walk(api, first_url: str, link: str) -> list[dict]:
    """Follows `link` ("next" or "previous") from `first_url`; returns every page's body."""
    pages, url = [], first_url
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content[:500]
        pages.append(response.json())
        url = pages[-1]["pagination"][link]
        assert len(pages) < 20, "the pages do not end"
    return pages


def _page_ids(page: dict) -> list[str]:
    return [item["execution_id"] for item in page["data"]]


def test_pages_walk_forward_and_back_over_every_execution_once(api, tenant, rule):
    expected = newest_first([make_execution(tenant=tenant, rule=rule) for _ in range(7)])

    forward = _walk(api, "executions?page_size=2", "next")

    assert [_page_ids(page) for page in forward] == [expected[0:2], expected[2:4], expected[4:6], expected[6:]]
    assert forward[0]["pagination"]["previous"] is None
    assert forward[-1]["pagination"]["next"] is None
    assert all(page["pagination"]["next"] for page in forward[:-1])

    backward = _walk(api, forward[-1]["pagination"]["previous"], "previous")

    assert [_page_ids(page) for page in reversed(backward)] == [expected[0:2], expected[2:4], expected[4:6]]
    assert backward[-1]["pagination"]["previous"] is None
    assert all(page["pagination"]["next"] for page in backward)


def test_pages_stay_stable_when_executions_start_between_fetches(api, tenant, rule):
    expected = newest_first([make_execution(tenant=tenant, rule=rule) for _ in range(7)])
    seen, url, pages = [], "executions?page_size=2", []
    while url:
        page = api.get(url).json()
        pages.append(page)
        seen.extend(_page_ids(page))
        make_execution(tenant=tenant, rule=rule)  # newer than every execution listed so far
        url = page["pagination"]["next"]

    assert seen == expected

    newer, url = [], pages[-1]["pagination"]["previous"]
    while url:
        page = api.get(url).json()
        newer = _page_ids(page) + newer
        make_execution(tenant=tenant, rule=rule)
        url = page["pagination"]["previous"]

    started_meanwhile = len(newer) - 6
    assert started_meanwhile >= 4
    assert newer[started_meanwhile:] == expected[:6]
    assert len(set(newer)) == len(newer)


def test_pages_keep_the_filters(api, tenant, rule):
    failed = [make_execution(tenant=tenant, rule=rule, status="failed") for _ in range(3)]
    for _ in range(3):
        make_execution(tenant=tenant, rule=rule)

    pages = _walk(api, "executions?status=failed&page_size=2", "next")

    assert [i for page in pages for i in _page_ids(page)] == newest_first(failed)


LIST_PATHS = ["executions", "rules", "rules/{rule}/executions"]


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("page_size", ["0", "201", "-1", "abc", "", "1.5", "٣"])
def test_page_size_out_of_range_is_400_naming_page_size(api, rule, path, page_size):
    response = api.get(f"{path.format(rule=rule.pk)}?page_size={page_size}")

    assert "page_size" in assert_problem(response, 400)["errors"]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_page_size_takes_1_to_200(api, tenant, rule, path):
    make_execution(tenant=tenant, rule=rule)
    make_execution(tenant=tenant, rule=rule)

    assert len(api.get(f"{path.format(rule=rule.pk)}?page_size=1").json()["data"]) == 1
    assert api.get(f"{path.format(rule=rule.pk)}?page_size=200").status_code == 200


def test_list_pages_hold_50_by_default(api, tenant, rule):
    for _ in range(51):
        make_execution(tenant=tenant, rule=rule)

    page = api.get("executions").json()

    assert len(page["data"]) == 50
    assert page["pagination"]["next"] is not None


@pytest.mark.parametrize("path", [*LIST_PATHS, "executions/{execution}", "rules/{rule}",
                                  "rules/{rule}/executions/{execution}"])
def test_an_unknown_query_parameter_is_400_naming_it(api, tenant, rule, path):
    execution = make_execution(tenant=tenant, rule=rule)

    response = api.get(f"{path.format(rule=rule.pk, execution=execution.pk)}?colour=red")

    assert "colour" in assert_problem(response, 400)["errors"]


@pytest.mark.parametrize("query", [
    "status=", "status=failed,", "status=failed&status=", "automation_rule_id=", "triggered_by=",
    "external_ref=", "started_after=", "min_duration_ms=", "cursor=",
])
def test_an_empty_filter_value_is_400_naming_it(api, query):
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"executions?{query}"), 400)["errors"]


@pytest.mark.parametrize("query", [
    "status=done", "status=FAILED", "status=failed,nope", "status=WAITING", "status=paused", "automation_rule_id=42",
    "automation_rule_id={hex}", "automation_rule_id={{{rule}}}", "automation_rule_id=urn:uuid:{rule}",
    "started_after=yesterday", "completed_before=2024-13-01T00:00:00Z", "min_duration_ms=-1",
    "max_duration_ms=1.5", "min_duration_ms=abc", "max_duration_ms=2147483648",
])
def test_an_invalid_filter_value_is_400_naming_it(api, rule, query):
    query = query.format(rule=rule.pk, hex=rule.pk.hex)
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"executions?{query}"), 400)["errors"]


@pytest.mark.parametrize("query", [
    "started_after=0001-01-01T00:00:00%2B01:00", "started_before=9999-12-31T23:59:59-01:00",
])
def test_a_time_filter_past_the_calendar_is_400(api, query):
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"executions?{query}"), 400)["errors"]


def _cursor(*parts) -> str:
    import base64
    import json

    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "abc", "!!!", "bm90IGpzb24", _cursor("x", "2024-01-01T00:00:00+00:00", str(uuid.uuid4())),
    _cursor("n"), _cursor("n", 5), _cursor("n", "2024-01-01T00:00:00", str(uuid.uuid4())),
    _cursor("n", "2024-01-01T00:00:00+00:00", "not-a-uuid"), _cursor("n", "2024-01-01T00:00:00+00:00", 5),
    _cursor("n", "2024-01-01T00:00:00+00:00", uuid.uuid4().hex), _cursor({"n": 1}), _cursor(),
    _cursor("p", "0001-01-01T00:00:00+01:00", str(uuid.uuid4())),
    _cursor("n", "9999-12-31T23:59:59-01:00", str(uuid.uuid4())),
])
def test_an_invalid_cursor_is_400_naming_cursor(api, rule, cursor):
    for path in ("executions", f"rules/{rule.pk}/executions", "rules"):
        assert "cursor" in assert_problem(api.get(f"{path}?cursor={cursor}"), 400)["errors"]


# Rules


def rule_body(**fields) -> dict:
    return {"name": "Ship order", "trigger": "order.paid", "actions": [{"type": "http", "url": "https://x"}],
            **fields}


def test_rule_create_answers_201_with_location_and_version_1(api):
    response = api.post("rules", rule_body(timeout_seconds=60))

    assert response.status_code == 201, response.content
    body = response.json()["data"]
    assert response["Location"] == f"{ROOT}/rules/{body['id']}"
    assert body["name"] == "Ship order"
    assert body["trigger"] == "order.paid"
    assert body["actions"] == [{"type": "http", "url": "https://x"}]  # kept whole, not only `type`
    assert (body["timeout_seconds"], body["is_enabled"], body["version"], body["description"]) == (60, True, 1, "")
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    assert api.get(response["Location"]).json()["data"] == body


def test_rule_actions_may_be_empty_and_keep_their_order(api):
    empty = api.post("rules", rule_body(actions=[]))
    ordered = api.post("rules", rule_body(actions=[{"type": "c"}, {"type": "a"}, {"type": "b"}]))

    assert empty.status_code == 201
    assert empty.json()["data"]["actions"] == []
    assert [a["type"] for a in ordered.json()["data"]["actions"]] == ["c", "a", "b"]


@pytest.mark.parametrize(("body", "field"), [
    ({"trigger": "x"}, "name"),
    ({"name": "x"}, "trigger"),
    (rule_body(name=""), "name"),
    (rule_body(name=5), "name"),
    (rule_body(trigger=None), "trigger"),
    (rule_body(actions={"type": "http"}), "actions"),
    (rule_body(actions="http"), "actions"),
    (rule_body(actions=["http"]), "actions.0"),
    (rule_body(actions=[{"type": "http"}, None]), "actions.1"),
    (rule_body(actions=[{"type": "http"}, [1]]), "actions.1"),
    (rule_body(actions=[{"url": "x"}]), "actions.0.type"),
    (rule_body(actions=[{"type": 5}]), "actions.0.type"),
    (rule_body(actions=[{"type": None}]), "actions.0.type"),
    (rule_body(timeout_seconds=0), "timeout_seconds"),
    (rule_body(timeout_seconds=-5), "timeout_seconds"),
    (rule_body(timeout_seconds="60"), "timeout_seconds"),
    (rule_body(timeout_seconds=1.5), "timeout_seconds"),
    (rule_body(timeout_seconds=True), "timeout_seconds"),
    (rule_body(timeout_seconds=2**31), "timeout_seconds"),
    (rule_body(is_enabled="true"), "is_enabled"),
    (rule_body(is_enabled=1), "is_enabled"),
    (rule_body(description=None), "description"),
    (rule_body(version=7), "version"),
    (rule_body(colour="red"), "colour"),
    (rule_body(name="a\x00b"), "name"),
])
def test_rule_create_refuses_invalid_fields_naming_them(api, body, field):
    errors = assert_problem(api.post("rules", body), 400)["errors"]

    assert any(name == field or name.startswith(f"{field}.") for name in errors), errors
    assert not AutomationRule.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"rule"', "null", "{", '{"name": "x",}'])
def test_rule_create_refuses_a_body_that_is_not_a_json_object(api, raw):
    assert_problem(api.post("rules", raw), 400)
    assert not AutomationRule.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"name": None}, "name"),
    ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"actions": [{}]}, "actions.0.type"),
    ({"is_enabled": "false"}, "is_enabled"),
    ({"id": str(uuid.uuid4())}, "id"),
])
def test_rule_patch_refuses_invalid_fields_and_changes_nothing(api, rule, change, field):
    errors = assert_problem(api.patch(f"rules/{rule.pk}", change), 400)["errors"]

    assert any(name == field or name.startswith(f"{field}.") for name in errors), errors
    stored = api.get(f"rules/{rule.pk}").json()["data"]
    assert (stored["name"], stored["timeout_seconds"], stored["version"]) == (rule.name, rule.timeout_seconds, 1)


def test_rules_are_listed_newest_first(api, tenant):
    made = [api.post("rules", rule_body(name=f"rule {n}")).json()["data"]["id"] for n in range(3)]

    listed = [item["id"] for item in api.get("rules").json()["data"]]

    assert listed == made[::-1]


def test_rules_filter_by_is_enabled_and_trigger(api, tenant):
    on = make_rule(tenant=tenant, trigger="order.paid")
    off = make_rule(tenant=tenant, trigger="order.paid", is_enabled=False)
    other = make_rule(tenant=tenant, trigger="order.refunded")

    def listed(query: str) -> set[str]:
        response = api.get(f"rules?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["data"]}

    assert listed("is_enabled=true") == {str(on.pk), str(other.pk)}
    assert listed("is_enabled=false") == {str(off.pk)}
    assert listed("trigger=order.paid") == {str(on.pk), str(off.pk)}
    assert listed("trigger=order.paid&is_enabled=false") == {str(off.pk)}
    assert listed("trigger=order") == set()


@pytest.mark.parametrize("query", ["is_enabled=1", "is_enabled=yes", "is_enabled=True", "is_enabled=",
                                   "trigger=", "enabled=true"])
def test_rules_refuse_other_filter_values(api, query):
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"rules?{query}"), 400)["errors"]


def test_rule_pages_walk_every_rule_once(api, tenant):
    made = [make_rule(tenant=tenant, name=f"rule {n}") for n in range(5)]

    pages = _walk(api, "rules?page_size=2", "next")

    assert [item["id"] for page in pages for item in page["data"]] == [str(r.pk) for r in reversed(made)]
    assert pages[0]["pagination"]["previous"] is None


def test_rule_version_goes_up_only_when_trigger_actions_or_timeout_change(api, rule):
    def patch(change: dict) -> int:
        response = api.patch(f"rules/{rule.pk}", change)
        assert response.status_code == 200, response.content
        return response.json()["data"]["version"]

    assert patch({"name": "Renamed"}) == 1
    assert patch({"description": "Why it exists"}) == 1
    assert patch({"is_enabled": False}) == 1
    assert patch({"is_enabled": True}) == 1
    assert patch({"trigger": rule.trigger, "actions": rule.actions, "timeout_seconds": rule.timeout_seconds}) == 1
    assert patch({}) == 1
    assert patch({"trigger": "order.shipped"}) == 2
    assert patch({"actions": [{"type": "email"}]}) == 3
    assert patch({"actions": [{"type": "email", "to": "ops"}]}) == 4
    assert patch({"timeout_seconds": 30}) == 5
    assert patch({"trigger": "order.paid", "actions": [], "timeout_seconds": 31}) == 6
    assert patch({"trigger": "order.paid", "name": "Again"}) == 6
    assert api.get(f"rules/{rule.pk}").json()["data"]["version"] == 6


def test_patch_changes_only_the_fields_sent(api, rule):
    before = api.get(f"rules/{rule.pk}").json()["data"]

    after = api.patch(f"rules/{rule.pk}", {"description": "Now described"}).json()["data"]

    assert after["description"] == "Now described"
    unchanged = ("id", "name", "trigger", "actions", "timeout_seconds", "is_enabled", "version", "created_at")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_an_execution_records_the_rule_version_it_started_with(api, rule):
    first = api.post("executions", start_body(rule)).json()["data"]
    api.patch(f"rules/{rule.pk}", {"timeout_seconds": 10})
    second = api.post("executions", start_body(rule)).json()["data"]

    assert (first["rule_version"], second["rule_version"]) == (1, 2)
    assert api.get(f"executions/{first['execution_id']}").json()["data"]["rule_version"] == 1


def test_rule_delete_is_204_with_no_body(api, rule):
    response = api.delete(f"rules/{rule.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(api.get(f"rules/{rule.pk}"), 404)
    assert_problem(api.delete(f"rules/{rule.pk}"), 404)


def test_deleting_a_rule_that_has_executions_is_409_saying_to_disable_it(api, tenant, rule):
    make_execution(tenant=tenant, rule=rule, status="completed")

    body = assert_problem(api.delete(f"rules/{rule.pk}"), 409)

    assert "is_enabled: false" in body["detail"]
    assert api.get(f"rules/{rule.pk}").status_code == 200


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_missing_rule_is_404_and_a_malformed_id_400(api, method):
    body = {"name": "x"} if method == "patch" else None
    assert_problem(getattr(api, method)(f"rules/{uuid.uuid4()}", body), 404)
    assert_problem(getattr(api, method)("rules/not-a-uuid", body), 400)
    assert_problem(getattr(api, method)(f"rules/{uuid.uuid4().hex}", body), 400)


# A rule's executions


def test_a_rules_executions_are_its_own_newest_first(api, tenant, rule):
    mine = [make_execution(tenant=tenant, rule=rule, status=s) for s in ("pending", "failed", "completed")]
    make_execution(tenant=tenant, rule=make_rule(tenant=tenant))

    assert ids(api.get(f"rules/{rule.pk}/executions")) == newest_first(mine)
    assert ids(api.get(f"rules/{rule.pk}/executions?status=failed,completed")) == newest_first(mine[1:])
    pages = _walk(api, f"rules/{rule.pk}/executions?page_size=2", "next")
    assert [i for page in pages for i in _page_ids(page)] == newest_first(mine)


def test_a_rules_executions_take_no_rule_filter(api, rule):
    response = api.get(f"rules/{rule.pk}/executions?automation_rule_id={rule.pk}")

    assert "automation_rule_id" in assert_problem(response, 400)["errors"]


def test_the_executions_of_a_missing_rule_are_404(api):
    assert_problem(api.get(f"rules/{uuid.uuid4()}/executions"), 404)
    assert_problem(api.get("rules/nope/executions"), 400)


def test_one_execution_of_a_rule_is_the_execution(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")

    response = api.get(f"rules/{rule.pk}/executions/{execution.pk}")

    assert response.status_code == 200
    assert response.json() == api.get(f"executions/{execution.pk}").json()


def test_another_rules_execution_is_404_under_a_rule(api, tenant, rule):
    other = make_execution(tenant=tenant, rule=make_rule(tenant=tenant))

    assert_problem(api.get(f"rules/{rule.pk}/executions/{other.pk}"), 404)
    assert_problem(api.get(f"rules/{rule.pk}/executions/{uuid.uuid4()}"), 404)
    assert_problem(api.get(f"rules/{rule.pk}/executions/nope"), 400)


# Query counts: a list page costs the same whatever the data.


def _data(tenant, rule, count: int) -> Execution:
    """`count` executions of `rule`, every third one failed and retried (so the list holds
    attempts linked both ways); returns a running one with `count` log lines and 3 steps."""
    executions = [make_execution(tenant=tenant, rule=rule, status="failed" if n % 3 == 0 else "running")
                  for n in range(count)]
    for execution in executions[::3]:
        services.execution_retry(tenant_id=tenant.pk, execution_id=execution.pk, actor="system")
    add_logs(executions[1], count)
    add_steps(executions[1], 3)
    return executions[1]


@pytest.fixture
def warm_api(api):
    """`api` after one request: a key's first use in a minute also writes its last_used_at, and
    its row is then kept by the worker for API_KEY_CACHE_SECONDS (rbac/key_cache.py), so the
    requests below make no key query."""
    assert api.get("rules").status_code == 200
    return api


@pytest.mark.parametrize("count", [5, 60])
def test_an_executions_page_takes_two_queries_whatever_the_data(warm_api, tenant, rule,
                                                                django_assert_num_queries, count):
    _data(tenant, rule, count)

    with django_assert_num_queries(1):  # executions (+ rule state, next attempt)
        response = warm_api.get("executions?page_size=50")
    assert len(response.json()["data"]) == min(50, count + len(range(0, count, 3)))

    with django_assert_num_queries(1):  # executions
        warm_api.get(f"executions?status=failed,running&automation_rule_id={rule.pk}&page_size=50")
    with django_assert_num_queries(1):  # executions after the cursor
        warm_api.get(response.json()["pagination"]["next"] or "executions?page_size=50")


@pytest.mark.parametrize("count", [5, 60])
def test_a_rules_executions_page_takes_three_queries_whatever_the_data(warm_api, tenant, rule,
                                                                      django_assert_num_queries, count):
    _data(tenant, rule, count)

    with django_assert_num_queries(2):  # the rule (404 if absent), executions
        response = warm_api.get(f"rules/{rule.pk}/executions?page_size=50")
    assert len(response.json()["data"]) == min(50, count + len(range(0, count, 3)))


@pytest.mark.parametrize("count", [5, 60])
def test_a_rules_page_takes_two_queries_whatever_the_data(warm_api, tenant, django_assert_num_queries, count):
    for n in range(count):
        make_rule(tenant=tenant, name=f"rule {n}", is_enabled=bool(n % 2))

    with django_assert_num_queries(1):  # rules
        response = warm_api.get("rules?page_size=50")
    assert len(response.json()["data"]) == min(50, count)


@pytest.mark.parametrize("count", [5, 60])
def test_a_logs_page_takes_one_query_whatever_the_data(warm_api, tenant, rule, django_assert_num_queries, count):
    execution = _data(tenant, rule, count)

    with django_assert_num_queries(1):  # log lines
        response = warm_api.get(f"executions/{execution.pk}/logs?page_size=50")
    assert len(response.json()["data"]) == min(50, count)
    with django_assert_num_queries(1):  # log lines filtered
        warm_api.get(f"executions/{execution.pk}/logs?level=info,error&after=2&page_size=50")
    with django_assert_num_queries(2):  # no log lines: whether the execution exists (404 if not)
        empty = warm_api.get(f"executions/{execution.pk}/logs?step_key=no-such-step")
    assert empty.status_code == 200 and empty.json()["data"] == []
