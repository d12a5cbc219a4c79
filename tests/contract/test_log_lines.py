"""Log lines over HTTP: appending batches in one transaction, per-execution sequences, the line's
shape, limits, and reading them back by sequence with filters, pages and `after` for tailing."""

import json
import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from executions.models import ExecutionLog
from tests.factories import add_logs, assert_problem, make_execution

LINE_FIELDS = {"sequence", "timestamp", "level", "message", "action_index", "step_key", "event_type", "metadata"}


@pytest.fixture
def append(api, execution):
    """POSTs `entries` to `execution` (or `to`) and returns the response."""

    def post(entries, to=None):
        return api.post(f"executions/{(to or execution).pk}/logs", {"entries": entries})

    return post


def lines(api, execution, query: str = "") -> list[dict]:
    response = api.get(f"executions/{execution.pk}/logs{'?' + query if query else ''}")
    assert response.status_code == 200, response.content[:500]
    return response.json()["data"]


def messages(api, execution, query: str = "") -> list[str]:
    return [line["message"] for line in lines(api, execution, query)]


# Appending


def test_a_batch_answers_201_with_its_count_and_sequences(append):
    response = append([{"message": "one"}, {"message": "two"}, {"message": "three"}])

    assert response.status_code == 201, response.content
    assert response.json() == {"data": {"count": 3, "first_sequence": 1, "last_sequence": 3}}


def test_sequences_run_on_per_execution_in_the_order_received(api, tenant, rule, execution, append):
    other = make_execution(tenant=tenant, rule=rule)

    assert append([{"message": "a"}, {"message": "b"}]).json()["data"] == {
        "count": 2, "first_sequence": 1, "last_sequence": 2}
    assert append([{"message": "x"}], to=other).json()["data"] == {
        "count": 1, "first_sequence": 1, "last_sequence": 1}
    assert append([{"message": "c"}, {"message": "d"}, {"message": "e"}]).json()["data"] == {
        "count": 3, "first_sequence": 3, "last_sequence": 5}

    listed = lines(api, execution)
    assert [(line["sequence"], line["message"]) for line in listed] == list(enumerate("abcde", start=1))
    assert messages(api, other) == ["x"]


def test_a_line_has_the_contracts_fields_as_sent(api, execution, append):
    append([{
        "timestamp": "2024-05-01T14:00:00.125+02:00", "level": "warn", "message": "slow answer",
        "action_index": 2, "step_key": "fetch-order", "event_type": "http.response",
        "metadata": {"status": 200, "took_ms": 950, "nested": {"list": [1, None, "x"]}},
    }])

    (line,) = lines(api, execution)

    assert line == {
        "sequence": 1, "timestamp": "2024-05-01T12:00:00.125000Z", "level": "warn", "message": "slow answer",
        "action_index": 2, "step_key": "fetch-order", "event_type": "http.response",
        "metadata": {"status": 200, "took_ms": 950, "nested": {"list": [1, None, "x"]}},
    }


def test_optional_fields_of_a_line_default_to_null_and_an_empty_object(api, execution, append):
    append([{"message": "only a message", "level": "info"}])

    (line,) = lines(api, execution)

    assert set(line) == LINE_FIELDS
    assert (line["action_index"], line["step_key"], line["event_type"], line["metadata"]) == (None, None, None, {})


def test_a_line_without_timestamp_gets_the_time_it_was_received(api, execution, append):
    before = timezone.now()
    append([{"message": "now"}])
    after = timezone.now()

    stamp = lines(api, execution)[0]["timestamp"]

    assert stamp.endswith("Z")
    assert before <= datetime.fromisoformat(stamp) <= after


def test_order_is_by_sequence_even_when_timestamps_are_out_of_order(api, execution, append):
    append([
        {"message": "first", "timestamp": "2024-05-01T12:00:03Z"},
        {"message": "second", "timestamp": "2024-05-01T12:00:01Z"},
    ])
    append([{"message": "third", "timestamp": "2020-01-01T00:00:00Z"}, {"message": "fourth"}])

    assert messages(api, execution) == ["first", "second", "third", "fourth"]
    assert [line["message"] for line in api.get(f"executions/{execution.pk}").json()["data"]["logs"]] == [
        "first", "second", "third", "fourth"]


@pytest.mark.parametrize("level", ["debug", "info", "warn", "error"])
def test_each_level_is_taken(api, execution, append, level):
    assert append([{"message": "m", "level": level}]).status_code == 201
    assert lines(api, execution)[0]["level"] == level


def test_a_batch_may_hold_1000_lines(api, execution, append):
    response = append([{"message": f"line {n}"} for n in range(1000)])

    assert response.json()["data"] == {"count": 1000, "first_sequence": 1, "last_sequence": 1000}
    listed = lines(api, execution, "page_size=1000")
    assert [line["sequence"] for line in listed] == list(range(1, 1001))
    assert listed[-1]["message"] == "line 999"


@pytest.mark.parametrize("count", [0, 1001])
def test_a_batch_of_0_or_over_1000_lines_is_400_and_writes_nothing(execution, append, count):
    response = append([{"message": "m"}] * count)

    assert "entries" in assert_problem(response, 400)["errors"]
    assert not ExecutionLog.objects.exists()


@pytest.mark.parametrize("body", [{}, {"entries": {"message": "m"}}, {"entries": "m"}, {"entries": None},
                                  {"entries": [{"message": "m"}], "extra": 1}, [{"message": "m"}]])
def test_a_body_that_is_not_a_batch_is_400(api, execution, body):
    assert_problem(api.post(f"executions/{execution.pk}/logs", body), 400)
    assert not ExecutionLog.objects.exists()


def test_a_batch_with_one_invalid_line_writes_nothing_and_names_it(api, execution, append):
    entries = [{"message": f"line {n}"} for n in range(5)]
    entries[3] = {"message": 42}

    body = assert_problem(append(entries), 400)

    assert "entries.3.message" in body["errors"]
    assert not ExecutionLog.objects.exists()
    assert append([{"message": "next"}]).json()["data"]["first_sequence"] == 1  # no sequence was spent


@pytest.mark.parametrize(("entry", "field"), [
    ({}, "message"),
    ({"message": None}, "message"),
    ({"message": ["m"]}, "message"),
    ({"message": "m", "level": "fatal"}, "level"),
    ({"message": "m", "level": "INFO"}, "level"),
    ({"message": "m", "level": {}}, "level"),
    ({"message": "m", "level": ["info"]}, "level"),
    ({"message": "m", "timestamp": "yesterday"}, "timestamp"),
    ({"message": "m", "timestamp": "0001-01-01T00:00:00+01:00"}, "timestamp"),
    ({"message": "m", "action_index": -1}, "action_index"),
    ({"message": "m", "action_index": 2**31}, "action_index"),
    ({"message": "m", "action_index": "2"}, "action_index"),
    ({"message": "m", "step_key": 5}, "step_key"),
    ({"message": "m", "step_key": "x" * 101}, "step_key"),
    ({"message": "m", "metadata": [1, 2]}, "metadata"),
    ({"message": "m", "metadata": "text"}, "metadata"),
    ({"message": "m", "sequence": 7}, "sequence"),
])
def test_an_invalid_line_is_400_naming_its_field(execution, append, entry, field):
    body = assert_problem(append([{"message": "fine"}, entry]), 400)

    assert f"entries.1.{field}" in body["errors"]
    assert not ExecutionLog.objects.exists()


@pytest.mark.parametrize("message", ["x" * 8192, "é" * 4096, "€" * 2730 + "ab"])
def test_a_message_of_8192_bytes_is_taken(api, execution, append, message):
    assert len(message.encode()) == 8192
    assert append([{"message": message}]).status_code == 201
    assert lines(api, execution)[0]["message"] == message


@pytest.mark.parametrize("message", ["x" * 8193, "é" * 4096 + "x", "€" * 2731])
def test_a_message_over_8192_bytes_is_400(execution, append, message):
    assert len(message.encode()) == 8193
    assert "entries.0.message" in assert_problem(append([{"message": message}]), 400)["errors"]
    assert not ExecutionLog.objects.exists()


def _metadata_of(size: int) -> dict:
    """An object that is exactly `size` bytes as compact JSON."""
    metadata = {"k": "x" * (size - 8)}
    assert len(json.dumps(metadata, separators=(",", ":")).encode()) == size
    return metadata


def test_metadata_of_16_kib_as_json_is_taken(api, execution, append):
    metadata = _metadata_of(16 * 1024)

    assert append([{"message": "m", "metadata": metadata}]).status_code == 201
    assert lines(api, execution)[0]["metadata"] == metadata


def test_metadata_over_16_kib_as_json_is_400(execution, append):
    response = append([{"message": "m", "metadata": _metadata_of(16 * 1024 + 1)}])

    assert "entries.0.metadata" in assert_problem(response, 400)["errors"]
    assert not ExecutionLog.objects.exists()


@pytest.mark.parametrize(("entry", "field"), [
    ({"message": "a\x00b"}, "message"),
    ({"message": "m", "metadata": {"key": "a\x00b"}}, "metadata"),
    ({"message": "m", "metadata": {"a\x00b": 1}}, "metadata"),
    ({"message": "m", "metadata": {"deep": [{"x": ["\x00"]}]}}, "metadata"),
    ({"message": "m", "step_key": "a\x00"}, "step_key"),
    ({"message": "m", "event_type": "\x00"}, "event_type"),
])
def test_nul_characters_are_400_on_every_database(execution, append, entry, field):
    assert f"entries.0.{field}" in assert_problem(append([entry]), 400)["errors"]
    assert not ExecutionLog.objects.exists()


def test_action_index_and_step_key_need_not_name_a_step(api, execution, append):
    assert append([{"message": "m", "action_index": 99, "step_key": "never-made"}]).status_code == 201

    assert (lines(api, execution)[0]["action_index"], lines(api, execution)[0]["step_key"]) == (99, "never-made")
    assert api.get(f"executions/{execution.pk}/steps").json()["data"] == []


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "timeout", "skipped"])
def test_lines_may_be_appended_to_a_final_execution(api, tenant, rule, status, append):
    finished = make_execution(tenant=tenant, rule=rule, status=status)

    response = append([{"message": "late"}], to=finished)

    assert response.status_code == 201, response.content
    assert messages(api, finished) == ["late"]


def test_appending_leaves_status_counters_and_history_alone(api, execution, append):
    before = api.get(f"executions/{execution.pk}").json()["data"]
    events = api.get(f"executions/{execution.pk}/events").json()["data"]

    append([{"message": "m", "level": "error"}])

    after = api.get(f"executions/{execution.pk}").json()["data"]
    assert {k: after[k] for k in ("status", "actions_total", "actions_successful", "actions_failed")} == {
        k: before[k] for k in ("status", "actions_total", "actions_successful", "actions_failed")}
    assert api.get(f"executions/{execution.pk}/events").json()["data"] == events


def test_appending_to_a_missing_execution_is_404(api, append):
    assert_problem(api.post(f"executions/{uuid.uuid4()}/logs", {"entries": [{"message": "m"}]}), 404)
    assert_problem(api.post("executions/nope/logs", {"entries": [{"message": "m"}]}), 400)
    assert not ExecutionLog.objects.exists()


# Reading


def test_the_detail_and_the_logs_endpoint_show_the_same_lines(api, execution, append):
    append([
        {"message": "a", "level": "debug", "metadata": {"x": 1}},
        {"message": "b", "level": "error", "action_index": 0, "step_key": "s", "event_type": "e",
         "timestamp": "2024-05-01T12:00:00+05:00"},
    ])

    assert api.get(f"executions/{execution.pk}").json()["data"]["logs"] == lines(api, execution)


def test_the_logs_page_holds_200_lines_by_default(api, execution):
    add_logs(execution, 201)

    response = api.get(f"executions/{execution.pk}/logs").json()

    assert [line["sequence"] for line in response["data"]] == list(range(1, 201))
    assert response["pagination"]["previous"] is None
    following = api.get(response["pagination"]["next"]).json()
    assert [line["sequence"] for line in following["data"]] == [201]
    assert following["pagination"]["next"] is None


@pytest.mark.parametrize("page_size", ["0", "1001", "-1", "abc", ""])
def test_a_logs_page_size_outside_1_to_1000_is_400(api, execution, page_size):
    response = api.get(f"executions/{execution.pk}/logs?page_size={page_size}")

    assert "page_size" in assert_problem(response, 400)["errors"]


def test_logs_pages_walk_forward_and_back(api, execution):
    add_logs(execution, 7)

    forward, url = [], f"executions/{execution.pk}/logs?page_size=2"
    while url:
        page = api.get(url).json()
        forward.append([line["sequence"] for line in page["data"]])
        url = page["pagination"]["next"]
    assert forward == [[1, 2], [3, 4], [5, 6], [7]]

    backward, url = [], page["pagination"]["previous"]
    while url:
        page = api.get(url).json()
        backward.insert(0, [line["sequence"] for line in page["data"]])
        url = page["pagination"]["previous"]
    assert backward == [[1, 2], [3, 4], [5, 6]]


def test_logs_filter_by_level_action_index_and_step_key(api, execution, append):
    append([
        {"message": "1", "level": "info", "action_index": 0, "step_key": "fetch"},
        {"message": "2", "level": "error", "action_index": 0, "step_key": "fetch"},
        {"message": "3", "level": "debug", "action_index": 1, "step_key": "send"},
        {"message": "4", "level": "error", "action_index": 1},
        {"message": "5", "level": "warn"},
    ])

    assert messages(api, execution, "level=error") == ["2", "4"]
    assert messages(api, execution, "level=error,warn") == ["2", "4", "5"]
    assert messages(api, execution, "level=error&level=debug") == ["2", "3", "4"]
    assert messages(api, execution, "action_index=0") == ["1", "2"]
    assert messages(api, execution, "action_index=1&level=error") == ["4"]
    assert messages(api, execution, "step_key=fetch") == ["1", "2"]
    assert messages(api, execution, "step_key=nothing") == []


def test_after_gives_only_the_lines_past_a_sequence_so_a_client_can_tail(api, execution, append):
    append([{"message": "a"}, {"message": "b"}])
    seen = lines(api, execution)
    last = seen[-1]["sequence"]

    assert lines(api, execution, f"after={last}") == []

    append([{"message": "c"}])
    append([{"message": "d"}, {"message": "e"}])

    new = lines(api, execution, f"after={last}")
    assert [(line["sequence"], line["message"]) for line in new] == [(3, "c"), (4, "d"), (5, "e")]
    assert messages(api, execution, "after=0") == ["a", "b", "c", "d", "e"]
    assert messages(api, execution, "after=4&level=info") == ["e"]


def test_after_pages_keep_their_place(api, execution):
    add_logs(execution, 9)

    page = api.get(f"executions/{execution.pk}/logs?after=3&page_size=4").json()
    assert [line["sequence"] for line in page["data"]] == [4, 5, 6, 7]
    rest = api.get(page["pagination"]["next"]).json()
    assert [line["sequence"] for line in rest["data"]] == [8, 9]


@pytest.mark.parametrize("query", [
    "level=fatal", "level=", "level=info,", "action_index=-1", "action_index=x", "action_index=2147483648",
    "after=abc", "after=-1", "after=1.5", "step_key=", "colour=red", "cursor=abc", "sequence=3",
])
def test_an_invalid_logs_query_is_400_naming_the_parameter(api, execution, query):
    name = query.split("=")[0]

    assert name in assert_problem(api.get(f"executions/{execution.pk}/logs?{query}"), 400)["errors"]


def test_the_logs_of_a_missing_execution_are_404(api):
    assert_problem(api.get(f"executions/{uuid.uuid4()}/logs"), 404)
    assert_problem(api.get("executions/not-a-uuid/logs"), 400)


def test_the_logs_of_an_execution_without_lines_are_an_empty_page(api, execution):
    assert api.get(f"executions/{execution.pk}/logs").json() == {
        "data": [], "pagination": {"next": None, "previous": None}}
