"""The soak's verdict: the client's record of acknowledged writes against what the database holds.

`check(record, connection)` reads only the record's tenant, through any DB-API connection whose
cursor takes `%s` parameters (psycopg's, or Django's `connection` in tests, on PostgreSQL or
SQLite), and writes nothing. Each log line a soak engine sends carries `{"batch", "line", "of"}` in
its metadata, so a batch can be found whole, in part or twice without trusting sequences."""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from benchmarks.soak.record import IN_DOUBT, SETTLED, Record

# Kinds of problem, each a failure of the run.
LOST_EXECUTION = "lost execution"
DUPLICATE_EXECUTION = "duplicate execution"
UNKNOWN_EXECUTION = "execution nobody started"
LOST_STEP = "lost step"
LOST_LINES = "lost log lines"
DUPLICATE_BATCH = "log batch stored twice"
HALF_BATCH = "half-written log batch"
MOVED_BATCH = "log batch at other sequences than acknowledged"
UNMARKED_LINES = "log lines no engine sent"
SEQUENCE_GAP = "sequences not contiguous"
EVENTS = "events not one per status change"
SERVER_ERROR = "5xx answer"

# The event each move records (the contract's Events section).
EVENT_OF = {
    "pending": "execution.created", "running": "execution.status_changed", "waiting": "execution.status_changed",
    "skipped": "execution.status_changed", "completed": "execution.completed", "failed": "execution.failed",
    "timeout": "execution.timed_out", "cancelled": "execution.cancelled",
}


@dataclass
class Findings:
    """What the checker found: counts of acknowledged writes against those found exactly once, and
    every problem by kind."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def add(self, kind: str, message: str) -> None:
        self.problems[kind].append(message)

    def summary(self, limit: int = 5) -> str:
        lines = [f"{what}: {acknowledged:,} acknowledged, {found:,} found exactly once"
                 for what, (acknowledged, found) in self.counts.items()]
        lines += [f"note: {note}" for note in self.notes]
        for kind, messages in self.problems.items():
            if messages:
                lines.append(f"FAILED {kind}: {len(messages)}")
                lines += [f"  {message}" for message in messages[:limit]]
                if len(messages) > limit:
                    lines.append(f"  ... and {len(messages) - limit} more")
        return "\n".join(lines)


def check(record: Record, connection) -> Findings:
    found = Findings()
    database = _Database(connection, record.tenant_id)
    _check_executions(record, database, found)
    _check_steps(record, database, found)
    _check_logs(record, database, found)
    _check_events(record, database, found)
    _check_answers(record, found)
    return found


class _Database:
    """The tenant's rows the checks need, read once."""

    def __init__(self, connection, tenant_id: str):
        self.connection = connection
        sqlite = getattr(connection, "vendor", "postgresql") == "sqlite"
        tenant = uuid.UUID(tenant_id).hex if sqlite else uuid.UUID(tenant_id)  # Django keeps UUIDs as hex there
        batch, size = (("json_extract(metadata, '$.batch')", "json_extract(metadata, '$.of')") if sqlite
                       else ("metadata->>'batch'", "(metadata->>'of')::int"))
        self.executions = self._rows(
            "SELECT id, external_ref, idempotency_key, status, log_count FROM executions_execution "
            "WHERE tenant_id = %s", tenant)
        self.steps = self._rows(
            "SELECT execution_id, key, count(*) FROM executions_executionstep WHERE tenant_id = %s "
            "GROUP BY execution_id, key", tenant)
        # nosec: the two spellings of a JSON field are constants above; the tenant is a parameter.
        self.batches = self._rows(
            f"SELECT execution_id, {batch}, count(*), count(DISTINCT sequence), min(sequence), max(sequence), "  # nosec B608
            f"max({size}) FROM executions_executionlog WHERE tenant_id = %s GROUP BY execution_id, {batch}", tenant)
        self.sequences = self._rows(
            "SELECT execution_id, count(*), count(DISTINCT sequence), min(sequence), max(sequence) "
            "FROM executions_executionlog WHERE tenant_id = %s GROUP BY execution_id", tenant)
        self.events = self._rows(
            "SELECT execution_id, type, previous_status, status FROM executions_executionevent "
            "WHERE tenant_id = %s ORDER BY execution_id, created_at, id", tenant)

    def _rows(self, query: str, tenant) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(query, [tenant])
            return [(_id(row[0]), *row[1:]) for row in cursor.fetchall()]


def _id(value) -> str:
    return str(uuid.UUID(str(value)))


def _check_executions(record: Record, database: _Database, found: Findings) -> None:
    by_ref = defaultdict(list)
    for execution_id, external_ref, idempotency_key, *_ in database.executions:
        by_ref[external_ref].append((execution_id, idempotency_key))
    once = 0
    for execution in record.executions:
        rows = by_ref.get(execution.key, [])
        if not rows:
            found.add(LOST_EXECUTION, f"{execution.execution_id} (key {execution.key}) is not in the database")
        elif len(rows) > 1:
            found.add(DUPLICATE_EXECUTION, f"key {execution.key} made {len(rows)} executions: "
                                           f"{', '.join(sorted(row[0] for row in rows))}")
        elif rows[0] != (execution.execution_id, execution.key):
            found.add(LOST_EXECUTION, f"key {execution.key}: acknowledged as {execution.execution_id}, stored as "
                                      f"{rows[0][0]} with key {rows[0][1]}")
        else:
            once += 1
    found.counts["executions"] = (len(record.executions), once)
    stored_unacknowledged = 0
    for key in record.unacknowledged_starts:
        rows = by_ref.get(key, [])
        stored_unacknowledged += bool(rows)
        if len(rows) > 1:
            found.add(DUPLICATE_EXECUTION, f"key {key} (never acknowledged) made {len(rows)} executions")
    if record.unacknowledged_starts:
        found.notes.append(f"{len(record.unacknowledged_starts)} starts never acknowledged, "
                           f"{stored_unacknowledged} of them stored once (allowed: the answer was lost)")
    known = {execution.key for execution in record.executions} | set(record.unacknowledged_starts)
    for ref, rows in by_ref.items():
        if ref not in known:
            found.add(UNKNOWN_EXECUTION, f"{', '.join(row[0] for row in rows)} (external_ref {ref})")


def _check_steps(record: Record, database: _Database, found: Findings) -> None:
    stored = {(execution_id, key): count for execution_id, key, count in database.steps}
    acknowledged = once = 0
    for execution in record.executions:
        for key in execution.steps:
            acknowledged += 1
            count = stored.get((execution.execution_id, key), 0)
            once += count == 1
            if count != 1:
                found.add(LOST_STEP, f"step {key} of {execution.execution_id} stored {count} times")
    found.counts["steps"] = (acknowledged, once)


def _check_logs(record: Record, database: _Database, found: Findings) -> None:
    stored = {(row[0], row[1]): row[2:] for row in database.batches}
    sent = {}
    batches = lines = batches_once = lines_once = 0
    for execution in record.executions:
        for batch in execution.batches:
            sent[(execution.execution_id, batch.batch_id)] = (execution, batch)
            count, distinct, first, last, _ = stored.get((execution.execution_id, batch.batch_id), (0,) * 5)
            where = f"batch {batch.batch_id} of {execution.execution_id}"
            if batch.state not in SETTLED:
                if batch.state == IN_DOUBT and count == batch.size:
                    found.notes.append(f"{where}: in doubt at the end, stored whole once")
                continue
            batches += 1
            lines += batch.size
            if count < batch.size:
                found.add(LOST_LINES, f"{where}: {batch.size - count} of its {batch.size} acknowledged lines "
                                      f"missing ({batch.state})")
            elif (first, last) != (batch.first, batch.last) and count == batch.size:
                found.add(MOVED_BATCH, f"{where}: stored at {first}..{last}, acknowledged {batch.first}..{batch.last}")
            lines_once += min(count, batch.size) if count <= batch.size else 0
            batches_once += count == distinct == batch.size and (first, last) == (batch.first, batch.last)
    found.counts["log batches"] = (batches, batches_once)
    found.counts["log lines"] = (lines, lines_once)

    for (execution_id, batch_id), (count, _, first, last, size) in stored.items():
        if batch_id is None:
            found.add(UNMARKED_LINES, f"{count} lines of {execution_id} carry no batch marker")
            continue
        where = f"batch {batch_id} of {execution_id}"
        if (execution_id, batch_id) not in sent:
            found.add(UNMARKED_LINES, f"{where}: {count} lines of a batch no engine recorded")
        if count > size:
            resent = sent.get((execution_id, batch_id), (None, None))[1]
            detail = f" (resent {resent.resent} times after lost answers)" if resent and resent.resent else ""
            found.add(DUPLICATE_BATCH, f"{where}: {count} lines for a batch of {size}{detail}")
        if count % size:
            found.add(HALF_BATCH, f"{where}: {count} lines of a batch of {size}")
        elif count == size and last - first + 1 != size:
            found.add(HALF_BATCH, f"{where}: its {size} lines are not contiguous ({first}..{last})")

    counts = {execution_id: log_count for execution_id, _, _, _, log_count in database.executions}
    seen = set()
    for execution_id, count, distinct, first, last in database.sequences:
        seen.add(execution_id)
        if not (count == distinct == last == counts.get(execution_id) and first == 1):
            found.add(SEQUENCE_GAP, f"{execution_id}: {count} lines ({distinct} distinct) at {first}..{last}, "
                                    f"log_count {counts.get(execution_id)}")
    for execution_id, log_count in counts.items():
        if execution_id not in seen and log_count:
            found.add(SEQUENCE_GAP, f"{execution_id}: log_count {log_count} but no lines")


def _check_events(record: Record, database: _Database, found: Findings) -> None:
    events = defaultdict(list)
    for execution_id, kind, previous, status in database.events:
        events[execution_id].append((kind, previous, status))
    current = {row[0]: row[3] for row in database.executions}
    acknowledged = once = 0
    for execution_id, status in current.items():
        chain = [event for event in events.get(execution_id, []) if event[0] != "execution.retried"]
        expected_previous = None
        for kind, previous, moved_to in chain:
            if previous != expected_previous or kind != EVENT_OF.get(moved_to) or moved_to == previous:
                found.add(EVENTS, f"{execution_id}: {kind} {previous} -> {moved_to} after {expected_previous}")
                break
            expected_previous = moved_to
        else:
            if expected_previous != status:
                found.add(EVENTS, f"{execution_id}: the events end at {expected_previous}, the execution is {status}")
    for execution in record.executions:
        statuses = [moved_to for _, _, moved_to in events.get(execution.execution_id, [])]
        acknowledged += len(execution.statuses)
        matched = Counter(statuses)
        once += sum(matched[status] == 1 for status in execution.statuses)
        if statuses[:len(execution.statuses)] != execution.statuses:
            found.add(EVENTS, f"{execution.execution_id}: acknowledged {' -> '.join(execution.statuses)}, "
                              f"events {' -> '.join(statuses) or 'none'}")
    found.counts["status changes (events)"] = (acknowledged, once)


def _check_answers(record: Record, found: Findings) -> None:
    errors = Counter((call.endpoint, call.status) for call in record.calls if call.status >= 500)
    for (endpoint, status), count in sorted(errors.items()):
        if status == 503 and record.chaos:
            found.notes.append(f"{count} × 503 on {endpoint} (allowed under chaos: the database was away)")
        else:
            found.add(SERVER_ERROR, f"{count} × {status} on {endpoint}")
