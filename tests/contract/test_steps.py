"""Steps over HTTP: adding, reading, updating and listing them, their lifecycle and server-stamped
times, and `previous_step` / `next_step` in the execution."""

import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from executions.models import ExecutionStep
from tests.factories import API, add_steps, assert_problem, detail, make_execution

ROOT = f"http://testserver{API}"
STEP_STATUSES = ("pending", "running", "completed", "failed", "skipped", "cancelled")
FINISHED = ("completed", "failed", "skipped", "cancelled")
ALLOWED_MOVES = {
    "pending": {"running", "skipped", "cancelled"},
    "running": {"completed", "failed", "cancelled"},
}


def parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@pytest.fixture
def steps(api, execution):
    """POSTs a step to `execution` and returns the response."""

    def add(key: str = "fetch", **fields):
        return api.post(f"executions/{execution.pk}/steps", {"key": key, **fields})

    return add


def step_of(api, execution, key: str) -> dict:
    response = api.get(f"executions/{execution.pk}/steps/{key}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


# Adding and reading


def test_adding_a_step_answers_201_with_location_and_the_step(api, execution, steps):
    response = steps("fetch-order", name="Fetch the order", type="http")

    assert response.status_code == 201, response.content
    assert response["Location"] == f"{ROOT}/executions/{execution.pk}/steps/fetch-order"
    assert response.json()["data"] == {
        "key": "fetch-order", "name": "Fetch the order", "type": "http", "status": "pending", "position": 0,
        "started_at": None, "completed_at": None, "output": None, "error": None,
    }
    assert api.get(response["Location"]).json()["data"] == response.json()["data"]


def test_steps_take_positions_in_order_of_creation(api, execution, steps):
    for key in ("c", "a", "b"):
        assert steps(key).status_code == 201

    listed = api.get(f"executions/{execution.pk}/steps").json()["data"]

    assert [(s["key"], s["position"]) for s in listed] == [("c", 0), ("a", 1), ("b", 2)]
    assert [s["key"] for s in detail(api, execution.pk)["steps"]] == ["c", "a", "b"]


@pytest.mark.parametrize("key", ["a", "A-z_0.9:x", "x" * 100, "step:1.retry-2", "0"])
def test_a_key_of_1_to_100_allowed_characters_is_taken(api, execution, steps, key):
    assert steps(key).status_code == 201
    assert step_of(api, execution, key)["key"] == key


@pytest.mark.parametrize("key", ["", "x" * 101, "a b", "a/b", "a?b", "é", "a\x00b", "a\nb", "a\n", " a",
                                 5, 1.5, True, None, ["a"]])
def test_a_key_outside_the_pattern_is_400(execution, steps, key):
    assert "key" in assert_problem(steps(key), 400)["errors"]
    assert not ExecutionStep.objects.exists()


def test_a_key_used_twice_in_an_execution_is_409(api, tenant, rule, execution, steps):
    steps("fetch", name="first")

    body = assert_problem(steps("fetch", name="second"), 409)

    assert "fetch" in body["detail"]
    assert [s["name"] for s in api.get(f"executions/{execution.pk}/steps").json()["data"]] == ["first"]
    other = make_execution(tenant=tenant, rule=rule)
    assert api.post(f"executions/{other.pk}/steps", {"key": "fetch"}).status_code == 201


@pytest.mark.parametrize(("field", "value"), [
    ("status", "done"), ("status", None), ("name", 5), ("name", "x" * 256), ("type", ["http"]),
    ("started_at", "yesterday"), ("completed_at", 1714560000), ("error", 5), ("output", {"a": "\x00"}),
    ("output", {"\x00": 1}), ("position", 3), ("colour", "red"), ("started_at", "0001-01-01T00:00:00+01:00"),
])
def test_a_step_with_an_invalid_field_is_400_naming_it(execution, steps, field, value):
    assert field in assert_problem(steps("fetch", **{field: value}), 400)["errors"]
    assert not ExecutionStep.objects.exists()


def test_a_step_that_completes_before_it_starts_is_400(steps):
    response = steps("fetch", status="completed", started_at="2024-05-01T12:00:00Z",
                     completed_at="2024-05-01T11:00:00Z")

    assert "completed_at" in assert_problem(response, 400)["errors"]


def test_an_unknown_step_key_is_404(api, execution, steps):
    steps("fetch")

    assert_problem(api.get(f"executions/{execution.pk}/steps/other"), 404)
    assert_problem(api.patch(f"executions/{execution.pk}/steps/other", {"status": "running"}), 404)
    assert_problem(api.get(f"executions/{execution.pk}/steps/a%20b"), 404)
    assert_problem(api.get(f"executions/{uuid.uuid4()}/steps/fetch"), 404)
    assert_problem(api.get(f"executions/{uuid.uuid4()}/steps"), 404)
    assert_problem(api.post(f"executions/{uuid.uuid4()}/steps", {"key": "fetch"}), 404)
    assert_problem(api.get("executions/nope/steps"), 400)


# Status and times


@pytest.mark.parametrize("status", STEP_STATUSES)
def test_a_step_may_be_created_in_any_status_with_its_own_times(api, execution, steps, status):
    response = steps("fetch", status=status, started_at="2024-05-01T12:00:00Z",
                     completed_at="2024-05-01T12:00:01.250000Z")

    assert response.status_code == 201, response.content
    body = response.json()["data"]
    assert (body["status"], body["started_at"], body["completed_at"]) == (
        status, "2024-05-01T12:00:00Z", "2024-05-01T12:00:01.250000Z",
    )
    assert step_of(api, execution, "fetch") == body


@pytest.mark.parametrize(("status", "started", "completed"), [
    ("pending", False, False),
    ("running", True, False),
    ("completed", True, True),
    ("failed", True, True),
    ("skipped", False, True),
    ("cancelled", False, True),
])
def test_creating_a_step_without_times_stamps_those_of_its_status(api, execution, steps, status, started,
                                                                 completed):
    before = timezone.now()
    body = steps("fetch", status=status).json()["data"]
    after = timezone.now()

    for field, stamped in (("started_at", started), ("completed_at", completed)):
        if stamped:
            assert body[field].endswith("Z")
            assert before <= parse(body[field]) <= after
        else:
            assert body[field] is None
    assert step_of(api, execution, "fetch") == body


def test_a_finished_step_reported_with_its_end_only_is_not_given_a_later_start(api, execution, steps):
    response = steps("fetch", status="completed", completed_at="2024-05-01T12:00:00Z")

    assert response.status_code == 201, response.content
    body = response.json()["data"]
    assert body["completed_at"] == "2024-05-01T12:00:00Z"
    assert body["started_at"] is None or parse(body["started_at"]) <= parse(body["completed_at"])


def test_client_times_with_any_offset_are_shown_in_utc_with_z(api, execution, steps):
    body = steps("fetch", status="completed", started_at="2024-05-01T14:00:00+02:00",
                 completed_at="2024-05-01T06:30:00.5-05:30").json()["data"]

    assert body["started_at"] == "2024-05-01T12:00:00Z"
    assert body["completed_at"] == "2024-05-01T12:00:00.500000Z"
    assert step_of(api, execution, "fetch")["started_at"] == "2024-05-01T12:00:00Z"

    api.patch(f"executions/{execution.pk}/steps/fetch", {"completed_at": "2024-05-02T00:00:00+00:00"})
    assert step_of(api, execution, "fetch")["completed_at"] == "2024-05-02T00:00:00Z"


def _move(api, execution, key: str, status: str, **fields):
    return api.patch(f"executions/{execution.pk}/steps/{key}", {"status": status, **fields})


def test_moves_stamp_started_and_completed_times_when_the_client_gives_none(api, execution, steps):
    steps("fetch")

    before = timezone.now()
    running = _move(api, execution, "fetch", "running").json()["data"]
    completed = _move(api, execution, "fetch", "completed").json()["data"]
    after = timezone.now()

    assert running["completed_at"] is None
    assert before <= parse(running["started_at"]) <= after
    assert completed["started_at"] == running["started_at"]
    assert parse(running["started_at"]) <= parse(completed["completed_at"]) <= after


def test_moves_keep_the_times_the_client_gives(api, execution, steps):
    steps("fetch")

    _move(api, execution, "fetch", "running", started_at="2024-05-01T12:00:00Z")
    body = _move(api, execution, "fetch", "failed", completed_at="2024-05-01T12:00:03Z", error="HTTP 502").json()

    assert (body["data"]["started_at"], body["data"]["completed_at"]) == ("2024-05-01T12:00:00Z",
                                                                          "2024-05-01T12:00:03Z")
    assert body["data"]["error"] == "HTTP 502"


@pytest.mark.parametrize("target", ["skipped", "cancelled"])
def test_a_pending_step_skipped_or_cancelled_gets_an_end_but_no_start(api, execution, steps, target):
    steps("fetch")

    body = _move(api, execution, "fetch", target).json()["data"]

    assert body["status"] == target
    assert body["started_at"] is None
    assert body["completed_at"] is not None


@pytest.mark.parametrize(("current", "target"), [(c, t) for c in STEP_STATUSES for t in STEP_STATUSES if c != t])
def test_a_step_moves_only_along_its_lifecycle(api, execution, steps, current, target):
    steps("fetch", status=current)
    before = step_of(api, execution, "fetch")

    response = _move(api, execution, "fetch", target)

    if target in ALLOWED_MOVES.get(current, set()):
        assert response.status_code == 200, response.content
        assert response.json()["data"]["status"] == target
    else:
        body = assert_problem(response, 409)
        assert current in body["detail"] and target in body["detail"]
        assert step_of(api, execution, "fetch") == before


def test_output_is_replaced_not_merged(api, execution, steps):
    steps("fetch", output={"a": 1, "nested": {"x": 1}})

    replaced = api.patch(f"executions/{execution.pk}/steps/fetch", {"output": {"nested": {"y": 2}}})

    assert replaced.json()["data"]["output"] == {"nested": {"y": 2}}
    assert step_of(api, execution, "fetch")["output"] == {"nested": {"y": 2}}


@pytest.mark.parametrize("output", [[1, "two", {"three": 3}], "text", 42, 1.5, True, None, {}, [],
                                    {"deep": [[{"a": None}]]}])
def test_output_is_any_json(api, execution, steps, output):
    assert steps("fetch", output=output).json()["data"]["output"] == output
    assert step_of(api, execution, "fetch")["output"] == output
    api.patch(f"executions/{execution.pk}/steps/fetch", {"output": {"was": output}})
    assert step_of(api, execution, "fetch")["output"] == {"was": output}


def test_a_patch_changes_only_the_fields_it_sends(api, execution, steps):
    steps("fetch", name="Fetch", type="http", output={"a": 1})

    body = api.patch(f"executions/{execution.pk}/steps/fetch", {"error": "slow"}).json()["data"]

    assert (body["name"], body["type"], body["output"], body["error"], body["status"]) == (
        "Fetch", "http", {"a": 1}, "slow", "pending")


@pytest.mark.parametrize("change", [{"key": "other"}, {"status": "over"}, {"output": {"\x00": 1}},
                                    {"started_at": "never"}, {"colour": "red"}])
def test_a_patch_with_an_invalid_field_is_400_and_changes_nothing(api, execution, steps, change):
    steps("fetch")
    before = step_of(api, execution, "fetch")

    errors = assert_problem(api.patch(f"executions/{execution.pk}/steps/fetch", change), 400)["errors"]

    assert next(iter(change)) in errors
    assert step_of(api, execution, "fetch") == before


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "timeout", "skipped"])
def test_steps_of_a_final_execution_can_be_neither_added_nor_changed(api, tenant, rule, status):
    execution = make_execution(tenant=tenant, rule=rule, status="running" if status != "skipped" else "pending")
    api.post(f"executions/{execution.pk}/steps", {"key": "fetch"})
    assert api.patch(f"executions/{execution.pk}", {"status": status}).status_code == 200

    assert_problem(api.post(f"executions/{execution.pk}/steps", {"key": "other"}), 409)
    assert_problem(api.patch(f"executions/{execution.pk}/steps/fetch", {"status": "running"}), 409)
    assert_problem(api.patch(f"executions/{execution.pk}/steps/fetch", {"output": {"late": True}}), 409)
    assert [(s["key"], s["status"], s["output"]) for s in api.get(f"executions/{execution.pk}/steps").json()[
        "data"]] == [("fetch", "pending", None)]


# previous_step and next_step


def test_previous_step_is_the_latest_finished_and_next_step_the_first_pending(api, execution, steps):
    steps("a", status="completed", completed_at="2024-05-01T12:00:05Z", started_at="2024-05-01T12:00:00Z")
    steps("b", status="failed", completed_at="2024-05-01T12:00:03Z", started_at="2024-05-01T12:00:00Z")
    steps("c", status="running")
    steps("d")
    steps("e")

    body = detail(api, execution.pk)

    assert body["previous_step"] == step_of(api, execution, "a")  # the latest end, not the highest position
    assert body["next_step"] == step_of(api, execution, "d")


def test_previous_step_ties_go_to_the_higher_position(api, execution, steps):
    for key, status in (("a", "completed"), ("b", "skipped"), ("c", "failed"), ("d", "pending")):
        response = steps(key, status=status, started_at=None,
                         completed_at=None if status == "pending" else "2024-05-01T12:00:00Z")
        assert response.status_code == 201, response.content

    assert detail(api, execution.pk)["previous_step"]["key"] == "c"


def test_previous_and_next_step_follow_the_steps_as_they_move(api, execution, steps):
    body = detail(api, execution.pk)
    assert (body["previous_step"], body["next_step"]) == (None, None)

    steps("a")
    steps("b")
    assert (detail(api, execution.pk)["previous_step"], detail(api, execution.pk)["next_step"]["key"]) == (None, "a")

    _move(api, execution, "a", "running")
    assert detail(api, execution.pk)["next_step"]["key"] == "b"

    _move(api, execution, "a", "completed")
    _move(api, execution, "b", "cancelled")
    body = detail(api, execution.pk)
    assert body["previous_step"]["key"] == "b"
    assert body["previous_step"] == step_of(api, execution, "b")  # a full step object
    assert body["next_step"] is None


def test_next_step_is_null_once_the_execution_is_final(api, execution, steps):
    steps("a", status="completed")
    steps("b")
    assert detail(api, execution.pk)["next_step"]["key"] == "b"

    api.patch(f"executions/{execution.pk}", {"status": "failed"})

    body = detail(api, execution.pk)
    assert body["next_step"] is None
    assert body["previous_step"]["key"] == "a"


# What steps leave alone


def test_steps_never_change_the_executions_counters(api, execution, steps):
    api.patch(f"executions/{execution.pk}", {"actions_total": 5, "actions_successful": 1})

    steps("a", status="completed")
    steps("b", status="failed")
    steps("c", status="running")
    _move(api, execution, "c", "completed")

    body = detail(api, execution.pk)
    assert (body["actions_total"], body["actions_successful"], body["actions_failed"]) == (5, 1, 0)
    assert body["status"] == "running"


def test_step_changes_record_no_event(api, execution, steps):
    events = api.get(f"executions/{execution.pk}/events").json()["data"]

    steps("a")
    _move(api, execution, "a", "running")
    _move(api, execution, "a", "failed")
    steps("b", status="completed")

    assert api.get(f"executions/{execution.pk}/events").json()["data"] == events


# Listing


def test_the_steps_are_one_array_without_pagination(api, execution):
    add_steps(execution, 120)

    response = api.get(f"executions/{execution.pk}/steps")

    assert response.status_code == 200
    assert set(response.json()) == {"data"}
    assert [s["position"] for s in response.json()["data"]] == list(range(120))
    assert response.json()["data"] == detail(api, execution.pk)["steps"]


def test_the_steps_of_an_execution_without_any_are_an_empty_array(api, execution):
    assert api.get(f"executions/{execution.pk}/steps").json() == {"data": []}


@pytest.mark.parametrize("query", ["page_size=10", "cursor=abc", "status=pending"])
def test_the_steps_take_no_query_parameters(api, execution, query):
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"executions/{execution.pk}/steps?{query}"), 400)["errors"]


def test_the_steps_list_only_their_executions_steps(api, tenant, rule, execution):
    add_steps(execution, 2)
    other = make_execution(tenant=tenant, rule=rule)
    add_steps(other, 3)

    assert len(api.get(f"executions/{execution.pk}/steps").json()["data"]) == 2
    assert len(api.get(f"executions/{other.pk}/steps").json()["data"]) == 3
