"""The endpoints `make bench` measures (issue 10's table), and the requests each sends."""

import json
from dataclasses import dataclass

API = "/api/v1/automation"
LOG_BATCH = 100
# An engine's reports during a run (PATCH /executions/{id}).
RUNNING = '{"status": "running"}'
COMPLETED = '{"status": "completed", "actions_successful": 3, "output": {"emails_sent": 1}}'


@dataclass(frozen=True)
class Endpoint:
    """One line of the table: what wrk sends, and which figure is compared with the floor."""

    name: str
    title: str
    script: str  # in benchmarks/lua
    paths: list[str]
    key: str  # "read" (the bench tenant's key) or "write" (the bench-writes tenant's)
    goal: float
    # The figure compared: requests, log lines or whole runs per second.
    unit: str = "req/s"
    body: str | None = None

    def requests(self) -> list[tuple[str, str, str | None]]:
        """(method, path, body) of one request, or of one whole run, where `{execution_id}` is the
        id the answer before gave."""
        if self.name == "run":
            execution = f"{self.paths[0]}/{{execution_id}}"
            return [("POST", self.paths[0], self.body), ("PATCH", execution, RUNNING), ("PATCH", execution, COMPLETED)]
        return [("POST" if self.body else "GET", self.paths[0], self.body)]

    def figure(self, load) -> float:
        if self.unit == "lines/s":
            return load.requests_per_second * LOG_BATCH
        if self.unit == "runs/s":
            return load.runs_per_second
        return load.requests_per_second


def log_batch() -> str:
    """POST /logs: LOG_BATCH lines such as an engine writes."""
    entries = [
        {"timestamp": f"2026-01-01T12:00:{i % 60:02d}.{i:03d}Z", "level": "warn" if i % 17 == 0 else "info",
         "message": f"Action {i % 5}: POST https://api.example.com/v1/orders answered 200 in {20 + i} ms",
         "action_index": i % 5, "step_key": f"action-{i % 5}", "event_type": "action.completed",
         "metadata": {"attempt": 1, "duration_ms": 20 + i}}
        for i in range(LOG_BATCH)
    ]
    return json.dumps({"entries": entries})


def start_body(rule: str) -> str:
    """POST /executions: what an engine sends to start a run."""
    return json.dumps({
        "automation_rule_id": rule,
        "trigger_data": {"order_id": 123456, "customer_id": "cus_00012345", "amount": 129.5, "currency": "EUR"},
        "triggered_by": "engine-eu-1", "external_ref": "order-123456",
    })


def endpoints(data, ingest_targets: list[str]) -> list[Endpoint]:
    """Every measured endpoint over `data` (a load_data.BenchData)."""
    executions = f"{API}/executions"
    return [
        Endpoint("detail", "GET /executions/{id}", "get.lua",
                 [f"{executions}/{id}" for id in data.detail_pool], "read", 0.60),
        Endpoint("list", "GET /executions?page_size=50", "get.lua", [f"{executions}?page_size=50"], "read", 0.45),
        Endpoint("list_status", "GET /executions?page_size=50&status=completed", "get.lua",
                 [f"{executions}?page_size=50&status=completed"], "read", 0.45),
        Endpoint("logs", "GET /executions/{id}/logs", "get.lua",
                 [f"{executions}/{id}/logs" for id in data.logs_pool], "read", 0.50),
        Endpoint("events", "GET /executions/{id}/events", "get.lua",
                 [f"{executions}/{id}/events" for id in data.detail_pool], "read", 0.50),
        Endpoint("ingest", f"POST /executions/{{id}}/logs ({LOG_BATCH} lines)", "ingest.lua",
                 [f"{executions}/{id}/logs" for id in ingest_targets], "write", 0.50, "lines/s", log_batch()),
        Endpoint("run", "POST /executions, PATCH running, PATCH completed", "engine_run.lua", [executions], "write",
                 0.35, "runs/s", start_body(data.write_rule)),
    ]
