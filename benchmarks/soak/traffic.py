"""The soak's clients: engines that write as an automation engine does and retry as one would,
readers that read as a dashboard does, and a prober that says when the service answers.

Retries (what counts as acknowledged):
- A start is sent with an Idempotency-Key and resent with the same key and body until an answer
  comes; it is acknowledged by a 201 or a 200 (the repeat of a start that was made).
- A PATCH, a step: resent until answered. A 409 on a resend (a final execution PATCHed again, a
  step key used twice) means the lost attempt was stored: the client reads the object and counts
  the write as confirmed when it holds what was sent.
- A log batch is not idempotent (two sends store it twice), so it is resent only when a read shows
  it is not there: after no answer (or a 5xx, whose transaction may have committed before the
  answer was lost) the engine reads the execution's lines after the last sequence it knows and
  looks for the batch's marker. Whole: confirmed, not resent. None: resent. In part: a half batch,
  which the checker reports. The engine is the execution's only writer, so any line after that
  sequence is one of its own.
5xx and no answer wait (Retry-After, capped at a second so that the run keeps its pressure) and
try again; 4xx are the client's mistakes and end that write."""

import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass

from benchmarks.soak.record import ACKNOWLEDGED, CONFIRMED, IN_DOUBT, REFUSED, Batch, Call, ExecutionRecord, Record

API = "/api/v1/automation"
# Longer than gunicorn's timeout (30 s): a request that got no answer in this time was killed with
# its worker, so it cannot commit after the client has looked for it.
TIMEOUT = 35
MAX_WAIT = 1.0
LEVELS = ("debug", "info", "info", "info", "warn", "error")


@dataclass
class Answer:
    status: int  # 0: no answer
    body: dict | None
    retry_after: float


class Api:
    """One keep-alive HTTP/1.1 connection of one client thread, recording every call."""

    def __init__(self, port: int, key: str, record: Record):
        self.port, self.key, self.record = port, key, record
        self.connection: http.client.HTTPConnection | None = None

    def call(self, endpoint: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        sent = {"x-api-key": self.key, "Content-Type": "application/json", **(headers or {})}
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            self.connection.request(method, path, body=data, headers=sent)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
            retry_after = float(response.getheader("Retry-After") or 0)
            if response.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            status, raw, retry_after = 0, b"", 0.0
        self.record.calls.append(Call(endpoint, started, time.monotonic() - started, status))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Answer(status, parsed, retry_after)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _retryable(answer: Answer) -> bool:
    return answer.status == 0 or answer.status >= 500 or answer.status == 429


def _pause(answer: Answer, attempt: int) -> None:
    wait = answer.retry_after or 0.05 * 2 ** min(attempt, 5)
    time.sleep(min(wait, MAX_WAIT) * random.uniform(0.5, 1.0))


class Client(threading.Thread):
    def __init__(self, name: str, port: int, key: str, record: Record, stopping: threading.Event,
                 give_up: threading.Event):
        super().__init__(name=name, daemon=True)
        self.api = Api(port, key, record)
        self.record = record
        self.stopping = stopping  # no new work after this
        self.give_up = give_up  # no more retries after this: the run is over
        self.random = random.Random(name)
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as error:  # reported by the run, never swallowed
            self.failure = error
        finally:
            self.api.close()

    def until_answered(self, endpoint: str, method: str, path: str, body: dict | None = None,
                       headers: dict | None = None) -> tuple[Answer, int]:
        """(the first answer that is not a 5xx, 429 or silence, attempts made); status 0 when the
        run ended first."""
        attempt = 0
        while True:
            answer = self.api.call(endpoint, method, path, body, headers)
            attempt += 1
            if not _retryable(answer) or self.give_up.is_set():
                return answer, attempt
            _pause(answer, attempt)


class Engine(Client):
    """Runs executions one after another: start, running, steps with log batches between them,
    then completed or failed."""

    def __init__(self, *args, rule_id: str, shared: "Shared", think: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_id, self.shared, self.think = rule_id, shared, think

    def work(self) -> None:
        while not self.stopping.is_set():
            self.one_execution()

    def sleep(self) -> None:
        if self.think:
            time.sleep(self.random.uniform(0, self.think))

    def one_execution(self) -> None:
        key = uuid.uuid4().hex
        steps = self.random.randint(1, 5)
        body = {"automation_rule_id": self.rule_id, "trigger_data": {"soak": key, "engine": self.name},
                "external_ref": key, "triggered_by": self.name, "actions_total": steps}
        answer, _ = self.until_answered("POST /executions", "POST", f"{API}/executions", body,
                                        {"Idempotency-Key": key})
        if answer.status not in (200, 201):
            self.record.unacknowledged_starts.append(key)
            return
        execution = ExecutionRecord(key=key, execution_id=answer.body["data"]["execution_id"])
        self.record.executions.append(execution)
        self.shared.add(execution)
        self.sleep()
        if not self.move(execution, {"status": "running"}):
            return
        for index in range(steps):
            for _ in range(self.random.randint(0, 3)):
                if self.stopping.is_set() or not self.append(execution):
                    break
                self.sleep()
            if not self.add_step(execution, index):
                return
            self.sleep()
        failed = self.random.random() < 0.2
        final = {"status": "failed", "actions_successful": steps - 1, "actions_failed": 1,
                 "error_message": f"step s{steps - 1} answered 502", "failed_action_index": steps - 1} if failed \
            else {"status": "completed", "actions_successful": steps, "output": {"orders": steps}}
        self.move(execution, final)

    def move(self, execution: ExecutionRecord, changes: dict) -> bool:
        path = f"{API}/executions/{execution.execution_id}"
        answer, attempts = self.until_answered("PATCH /executions/{id}", "PATCH", path, changes)
        if answer.status == 200:
            execution.statuses.append(changes["status"])
            return True
        if answer.status == 409 and attempts > 1 and self.holds(path, "status", changes["status"]):
            execution.statuses.append(changes["status"])  # the lost attempt was stored
            self.record.confirmations += 1
            return True
        return False

    def add_step(self, execution: ExecutionRecord, index: int) -> bool:
        key = f"s{index}"
        body = {"key": key, "name": f"Step {index}", "type": "http", "status": "completed",
                "output": {"index": index}}
        path = f"{API}/executions/{execution.execution_id}/steps"
        answer, attempts = self.until_answered("POST /executions/{id}/steps", "POST", path, body)
        if answer.status == 201:
            execution.steps.append(key)
            return True
        if answer.status == 409 and attempts > 1 and self.holds(f"{path}/{key}", "key", key):
            execution.steps.append(key)
            self.record.confirmations += 1
            return True
        return False

    def holds(self, path: str, name: str, value) -> bool:
        answer, _ = self.until_answered("GET (confirm)", "GET", path)
        return answer.status == 200 and answer.body["data"].get(name) == value

    def append(self, execution: ExecutionRecord) -> bool:
        size = self.random.randint(1, 500)
        batch = Batch(batch_id=uuid.uuid4().hex, size=size)
        execution.batches.append(batch)
        entries = [{"level": self.random.choice(LEVELS), "message": f"soak line {line} of {size}: did a thing",
                    "action_index": line % 7, "metadata": {"batch": batch.batch_id, "line": line, "of": size}}
                   for line in range(size)]
        path = f"{API}/executions/{execution.execution_id}/logs"
        known = self.shared.last_sequence(execution)
        while True:
            answer = self.api.call("POST /executions/{id}/logs", "POST", path, {"entries": entries})
            if 200 <= answer.status < 300:
                data = answer.body["data"]
                batch.state, batch.first, batch.last = ACKNOWLEDGED, data["first_sequence"], data["last_sequence"]
                self.shared.stored(execution, batch.last)
                return True
            if not _retryable(answer):
                batch.state = REFUSED
                return False
            _pause(answer, batch.resent + 1)
            if answer.status == 429:
                continue  # refused before any write
            found = self.find(execution, batch, after=known)
            if found is None:  # the run ended before a read answered
                return False
            if found:
                if len(found) == size and found == list(range(found[0], found[0] + size)):
                    batch.state, batch.first, batch.last = CONFIRMED, found[0], found[-1]
                    self.record.confirmations += 1
                    self.shared.stored(execution, batch.last)
                    return True
                batch.state = IN_DOUBT  # a half batch: the checker reports it
                return False
            if self.give_up.is_set():
                return False
            batch.resent += 1

    def find(self, execution: ExecutionRecord, batch: Batch, *, after: int) -> list[int] | None:
        """The sequences of the batch's lines after `after`, or None when no read answered in time."""
        path = f"{API}/executions/{execution.execution_id}/logs?after={after}&page_size=1000"
        sequences = []
        while path:
            answer, _ = self.until_answered("GET /executions/{id}/logs?after", "GET", path)
            if answer.status != 200:
                return None
            sequences += [line["sequence"] for line in answer.body["data"]
                          if (line.get("metadata") or {}).get("batch") == batch.batch_id]
            following = answer.body["pagination"]["next"]
            path = following[following.index(API):] if following else None
        return sequences


class Shared:
    """The executions engines made and the last sequence each knows, for the readers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.executions: list[ExecutionRecord] = []
        self.last: dict[str, int] = {}

    def add(self, execution: ExecutionRecord) -> None:
        with self.lock:
            self.executions.append(execution)

    def stored(self, execution: ExecutionRecord, last: int) -> None:
        with self.lock:
            self.last[execution.execution_id] = max(last, self.last.get(execution.execution_id, 0))

    def last_sequence(self, execution: ExecutionRecord) -> int:
        with self.lock:
            return self.last.get(execution.execution_id, 0)

    def pick(self, rng: random.Random) -> tuple[str, int] | None:
        with self.lock:
            if not self.executions:
                return None
            execution = self.executions[-rng.randint(1, min(50, len(self.executions)))]  # recent ones
            return execution.execution_id, self.last.get(execution.execution_id, 0)


class Reader(Client):
    """A dashboard: lists, details, and tails of running executions' logs with `after=`."""

    def __init__(self, *args, shared: Shared, think: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared, self.think = shared, think

    def work(self) -> None:
        while not self.stopping.is_set():
            picked = self.shared.pick(self.random)
            choice = self.random.random()
            if picked is None or choice < 0.2:
                answer = self.api.call("GET /executions", "GET", f"{API}/executions?page_size=20")
            elif choice < 0.3:
                answer = self.api.call("GET /executions?status", "GET",
                                       f"{API}/executions?status=running,failed&page_size=20")
            elif choice < 0.6:
                answer = self.api.call("GET /executions/{id}", "GET", f"{API}/executions/{picked[0]}")
            else:
                after = max(0, picked[1] - self.random.randint(0, 300))
                answer = self.api.call("GET /executions/{id}/logs?after", "GET",
                                       f"{API}/executions/{picked[0]}/logs?after={after}&page_size=500")
            if _retryable(answer):
                _pause(answer, 1)
            elif self.think:
                time.sleep(self.random.uniform(0, self.think))


class Prober(threading.Thread):
    """Asks an API read every 0.1 s: (time answered, status) samples that show when the service
    answers (by the answer's time: a request sent just before a fault may be the one it broke)."""

    def __init__(self, port: int, key: str, stopping: threading.Event):
        super().__init__(name="prober", daemon=True)
        self.api = Api(port, key, Record(tenant_id=str(uuid.UUID(int=0))))
        self.stopping = stopping
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            answer = self.api.call("probe", "GET", f"{API}/executions?page_size=1")
            self.samples.append((time.monotonic(), answer.status))
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
        self.api.close()
