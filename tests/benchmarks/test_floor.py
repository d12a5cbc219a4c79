"""The floor answers the benchmarked requests as the API does, from the bench data."""

import base64
import io
import json

import psycopg
import pytest

from benchmarks import floor, load_data
from benchmarks.endpoints import log_batch, start_body

READ_KEY, WRITE_KEY, ROOT = "ak_Reader00_secret", "ak_Writer00_secret", "http://testserver/api/v1/automation"


@pytest.fixture
def call(bench_data, monkeypatch):
    monkeypatch.setenv("FLOOR_DATABASE_URL", bench_data.url)
    monkeypatch.setattr(floor, "TENANTS", {READ_KEY: bench_data.tenant, WRITE_KEY: bench_data.write_tenant})
    monkeypatch.setattr(floor, "_connection", None)

    def call(method: str, path: str, key: str = READ_KEY, body: str = "") -> tuple[int, dict | None, dict]:
        path, _, query = f"/api/v1/automation{path}".partition("?")
        answer = {}
        content = b"".join(floor.application(
            {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_X_API_KEY": key,
             "HTTP_HOST": "testserver", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body.encode())},
            lambda status, headers: answer.update(status=int(status.split()[0]), headers=dict(headers)),
        ))
        return answer["status"], json.loads(content), answer["headers"]

    yield call
    if floor._connection is not None:
        floor._connection.close()
    load_data.clear_writes(bench_data)  # the data stays as loaded for the other tests


def test_detail_is_the_execution_with_its_steps_logs_and_links(call, bench_data):
    execution_id = bench_data.detail_pool[0]
    status, body, _ = call("GET", f"/executions/{execution_id}")
    data = body["data"]
    assert status == 200
    assert data["execution_id"] == execution_id and data["tenant"] == bench_data.tenant
    assert [step["position"] for step in data["steps"]] == [0, 1, 2, 3, 4]
    assert [line["sequence"] for line in data["logs"]] == list(range(1, 51)) and data["logs_truncated"] is False
    assert data["_links"]["self"] == {"href": f"{ROOT}/executions/{execution_id}", "method": "GET"}
    assert data["created_at"].endswith("Z")


def test_another_tenants_execution_is_not_found(call, bench_data):
    with psycopg.connect(bench_data.url) as conn:
        (other,) = conn.execute("SELECT id::text FROM executions_execution WHERE tenant_id <> %s LIMIT 1",
                                (bench_data.tenant,)).fetchone()
    assert call("GET", f"/executions/{other}")[0] == 404
    assert call("GET", f"/executions/{other}/events")[0] == 404
    assert call("GET", f"/executions/{other}/logs")[0] == 404


def test_a_long_execution_shows_its_last_lines_and_pages_its_logs(call, bench_data):
    execution_id = bench_data.logs_pool[0]
    data = call("GET", f"/executions/{execution_id}")[1]["data"]
    assert [line["sequence"] for line in data["logs"]] == list(range(801, 1001)) and data["logs_truncated"]
    status, page, _ = call("GET", f"/executions/{execution_id}/logs")
    assert status == 200 and [line["sequence"] for line in page["data"]] == list(range(1, 201))
    cursor = page["pagination"]["next"].rsplit("cursor=", 1)[1]
    assert json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))) == ["n", 200]


def test_list_is_the_tenants_newest_first_with_a_next_page(call, bench_data):
    status, page, _ = call("GET", "/executions?page_size=50")
    created = [(item["created_at"], item["execution_id"]) for item in page["data"]]
    assert status == 200 and len(created) == 50 and created == sorted(created, reverse=True)
    assert {item["tenant"] for item in page["data"]} == {bench_data.tenant}
    assert page["pagination"]["next"].startswith(f"{ROOT}/executions?page_size=50&cursor=")
    completed = call("GET", "/executions?page_size=50&status=completed")[1]["data"]
    assert completed and {item["status"] for item in completed} == {"completed"}


def test_an_engine_run_starts_moves_and_records_its_events(call, bench_data):
    status, started, headers = call("POST", "/executions", WRITE_KEY, start_body(bench_data.write_rule))
    execution_id = started["data"]["execution_id"]
    assert status == 201 and headers["Location"] == f"{ROOT}/executions/{execution_id}"
    assert started["data"]["status"] == "pending" and started["data"]["actions_total"] == 3
    assert call("PATCH", f"/executions/{execution_id}", WRITE_KEY, '{"status": "running"}')[1]["data"]["started_at"]
    status, done, _ = call("PATCH", f"/executions/{execution_id}", WRITE_KEY,
                           '{"status": "completed", "actions_successful": 3}')
    assert status == 200 and done["data"]["duration_ms"] >= 0 and done["data"]["actions_successful"] == 3
    assert call("PATCH", f"/executions/{execution_id}", WRITE_KEY, '{"status": "running"}')[0] == 409
    events = call("GET", f"/executions/{execution_id}/events", WRITE_KEY)[1]["data"]
    assert [(e["type"], e["previous_status"], e["status"]) for e in events] == [
        ("execution.created", None, "pending"), ("execution.status_changed", "pending", "running"),
        ("execution.completed", "running", "completed")]


def test_appended_lines_take_the_next_sequences(call, bench_data):
    execution_id = call("POST", "/executions", WRITE_KEY, start_body(bench_data.write_rule))[1]["data"]["execution_id"]
    first = call("POST", f"/executions/{execution_id}/logs", WRITE_KEY, log_batch())
    second = call("POST", f"/executions/{execution_id}/logs", WRITE_KEY, log_batch())
    assert first[:2] == (201, {"data": {"count": 100, "first_sequence": 1, "last_sequence": 100}})
    assert second[1] == {"data": {"count": 100, "first_sequence": 101, "last_sequence": 200}}
    logs = call("GET", f"/executions/{execution_id}/logs?page_size=1000", WRITE_KEY)[1]["data"]
    assert [line["sequence"] for line in logs] == list(range(1, 201))
    assert logs[3]["step_key"] == "action-3" and logs[3]["metadata"] == {"attempt": 1, "duration_ms": 23}
