"""What the clients of a soak know: every write the service acknowledged, every request's answer.

Engines own their executions (one writer per execution, as a real engine is), so a record entry is
written by one thread only; the lists that several threads append to are appended whole objects
(atomic in CPython)."""

from dataclasses import dataclass, field

# How a log batch ended up, from the client's side.
ACKNOWLEDGED = "acknowledged"  # a 2xx answer with its first and last sequence
CONFIRMED = "confirmed"  # no answer (or a 5xx), then found whole by reading the tail before any resend
IN_DOUBT = "in_doubt"  # no answer, and the run ended before a read could settle it
REFUSED = "refused"  # a 4xx: the client's mistake, never stored
SETTLED = (ACKNOWLEDGED, CONFIRMED)


@dataclass
class Batch:
    """One log batch as sent: its marker (every line's metadata carries `batch`, `line`, `of`)."""

    batch_id: str
    size: int
    state: str = IN_DOUBT
    first: int | None = None
    last: int | None = None
    resent: int = 0  # times it was sent again after a lost answer and a read that found none of it


@dataclass
class ExecutionRecord:
    """An execution whose start was acknowledged, keyed by its Idempotency-Key (also its external_ref)."""

    key: str
    execution_id: str
    statuses: list[str] = field(default_factory=lambda: ["pending"])  # acknowledged moves, in order
    steps: list[str] = field(default_factory=list)  # acknowledged step keys
    batches: list[Batch] = field(default_factory=list)


@dataclass
class Call:
    endpoint: str  # "POST /executions", "GET /executions/{id}/logs?after", ...
    at: float  # time.monotonic() when sent
    seconds: float
    status: int  # 0: no answer (connection refused or reset, time-out)


@dataclass
class Record:
    tenant_id: str
    chaos: bool = False
    executions: list[ExecutionRecord] = field(default_factory=list)
    unacknowledged_starts: list[str] = field(default_factory=list)  # keys sent, never answered with a 2xx
    calls: list[Call] = field(default_factory=list)
    confirmations: int = 0  # writes confirmed by a read (or a 409) after a lost answer

    def settled_batches(self):
        return [(execution, batch) for execution in self.executions for batch in execution.batches
                if batch.state in SETTLED]
