"""Bench data: N executions of one tenant, with their steps, log lines and events, in a PostgreSQL
database named after the size (`bench_<N>`) that is kept and reused between runs.

    .venv/bin/python benchmarks/load_data.py [--executions 1000000] [--reload]

The schema comes from the project's migrations (`manage.py migrate`); the rows are written with
COPY in one transaction, so an interrupted load leaves nothing half done, and a `bench_meta` table
written last says the database is complete. What is loaded:

- tenant `bench`: N executions over 90 days, newest last, in every status, across 20 rules (one
  disabled), each with 0 to 5 steps (`index % 6`) and 50 log lines; some are retries of the one
  before; a few (`long_stride`) have 1,000 lines, for pages of logs.
- tenants `other-1` to `other-3`: N / 10 executions of the same shape between the bench tenant's,
  so that every read has to scope by tenant.
- 2,000 users of the other tenants with a key each, so that the key lookup is made among many.
- tenant `bench-writes`: one rule and nothing else; the write benchmarks work there, and
  `run.py` deletes what they made, so the read data stays as loaded.

Ids are UUIDv7 made from each row's created_at (laid out as uuid6.uuid7 does), so index order
follows time as it does in production.

As fast as COPY goes: text COPY in batches of 20,000 rows, with FREEZE (the tables are emptied in
the same transaction, so no vacuum has to rewrite the rows afterwards); the secondary indexes are
dropped first and made again after, from their definitions as the migrations left them (checked);
foreign key triggers are off for the session, the generator writing consistent rows (a test
checks them). Then VACUUM (ANALYZE). PostgreSQL parsing the COPY is the bound (the generator
uses a third of a core): at 10,000 executions it loads 160,000 log lines a second, so a million
executions (56 million lines, about 22 GB) should take 10 to 15 minutes on this machine.
"""

import argparse
import os
import random
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
# Bump when the shape of the data changes: a database made by another version is loaded again.
GENERATOR_VERSION = 3
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SEED = 20240610

LINES = 50
LONG_LINES = 1000
DAYS = 90
OTHER_TENANTS = 3
# Every OTHER_EVERY-th bench execution is followed by another tenant's.
OTHER_EVERY = 10
BENCH_RULES = 20
DISABLED_RULE = 19
POOL = 100
KEYS = 2000
PREFIX_ALPHABET = string.ascii_letters + string.digits
STEP_TYPES = ("email", "http", "slack", "crm", "webhook")
ACTOR = "key:Bk7Qm2Xp"

LOADED_TABLES = ("executions_execution", "executions_executionstep", "executions_executionlog",
                 "executions_executionevent")
FINAL = frozenset({"completed", "failed", "cancelled", "timeout", "skipped"})
RETRYABLE = frozenset({"failed", "timeout", "cancelled"})
# (status, weight): mostly finished runs, as a tracker holds after some months.
STATUSES = (("completed", 70), ("failed", 10), ("running", 4), ("pending", 2), ("waiting", 2), ("cancelled", 4),
            ("timeout", 3), ("skipped", 5))
EVENT_OF_STATUS = {
    "running": "execution.status_changed", "waiting": "execution.status_changed",
    "skipped": "execution.status_changed", "completed": "execution.completed", "failed": "execution.failed",
    "timeout": "execution.timed_out", "cancelled": "execution.cancelled",
}
REASONS = {"waiting": "awaiting approval from finance", "skipped": "no orders to sync",
           "cancelled": "superseded by a newer run"}


def database_name(executions: int) -> str:
    return f"bench_{executions}"


def database_url(executions: int) -> str:
    return f"{SERVER}/{database_name(executions)}"


@dataclass(frozen=True)
class BenchData:
    """What the benchmark needs to know of a loaded database."""

    url: str
    executions: int
    tenant: str
    write_tenant: str
    write_rule: str
    # Bench executions with 5 steps and 50 lines, spread over the table (the detail's subjects).
    detail_pool: list[str]
    # Bench executions with 1,000 lines (pages of logs).
    logs_pool: list[str]

    @classmethod
    def from_meta(cls, url: str, meta: dict) -> "BenchData":
        return cls(url, meta["executions"], meta["tenant"], meta["write_tenant"], meta["write_rule"],
                   meta["detail_pool"], meta["logs_pool"])


# Ids and timestamps


def uuid7_at(micros: int, bits: int) -> str:
    """A UUIDv7 for the millisecond of `micros` (since the epoch) with 74 random `bits`."""
    value = ((micros // 1000) << 80) | (0x7 << 76) | ((bits >> 62) & 0xFFF) << 64 | (0b10 << 62) | (bits & (2**62 - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def timestamp(micros: int | None) -> str:
    """COPY text of a timestamptz, or NULL."""
    if micros is None:
        return r"\N"
    seconds, fraction = divmod(micros, 1_000_000)
    return f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(seconds))}.{fraction:06d}+00"


def text(value) -> str:
    """COPY text of a value: NULL, or its text with COPY's escapes."""
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def row(*fields: str) -> str:
    return "\t".join(fields) + "\n"


# The plan: every execution as generated, the same on every pass


@dataclass(frozen=True)
class Rule:
    id: str
    tenant: str
    actions: int
    enabled: bool


@dataclass(slots=True)
class Run:
    """One execution as the generator makes it; every table's rows derive from it."""

    id: str
    bits: int
    tenant: str
    rule: Rule
    index: int  # within its tenant
    status: str
    created: int  # microseconds since the epoch
    started: int | None
    completed: int | None
    steps: int
    lines: int
    attempt: int = 1
    retry_of: "Run | None" = None
    counters: tuple[int, int, int] = (0, 0, 0)
    waiting_until: int | None = None


@dataclass(frozen=True)
class Layout:
    """The tenants and rules of a database, and how its executions are spread among them."""

    executions: int
    start: int  # microseconds since the epoch of the first execution
    tenant: str
    others: list[str]
    write_tenant: str
    rules: list[Rule]
    other_rules: list[Rule]
    write_rule: Rule

    @property
    def total(self) -> int:
        return self.executions + self.executions // OTHER_EVERY

    @property
    def long_stride(self) -> int:
        """One bench execution in this many has LONG_LINES lines: 1,000 at the full size, 10 at least."""
        return max(10, min(1000, self.executions // 20))


def make_layout(executions: int, rng: random.Random) -> Layout:
    now = int(time.time() * 1_000_000)
    start = now - DAYS * 86_400_000_000

    def new_id() -> str:
        return uuid7_at(start, rng.getrandbits(74))

    tenant, write_tenant = new_id(), new_id()
    others = [new_id() for _ in range(OTHER_TENANTS)]
    rules = [Rule(new_id(), tenant, 3 if i % 4 == 3 else 5, i != DISABLED_RULE) for i in range(BENCH_RULES)]
    other_rules = [Rule(new_id(), other, 4, True) for other in others for _ in range(2)]
    return Layout(executions, start, tenant, others, write_tenant, rules, other_rules,
                  Rule(new_id(), write_tenant, 3, True))


def plan(layout: Layout):
    """Yields every execution in created order. Seeded: each pass (one per table) sees the same runs."""
    rng = random.Random(SEED + 1)
    spacing = DAYS * 86_400_000_000 // layout.total
    statuses, weights = zip(*STATUSES, strict=True)
    previous = None
    slot = 0
    for index in range(layout.executions):
        run = _run(rng, layout, slot, spacing, statuses, weights, tenant=layout.tenant, index=index,
                   rule=layout.rules[index % BENCH_RULES], previous=previous)
        previous = run
        slot += 1
        yield run
        if index % OTHER_EVERY == OTHER_EVERY - 1:
            other = index // OTHER_EVERY
            rule = layout.other_rules[other % len(layout.other_rules)]
            yield _run(rng, layout, slot, spacing, statuses, weights, tenant=rule.tenant, index=other, rule=rule,
                       previous=None)
            slot += 1


def _run(rng, layout: Layout, slot: int, spacing: int, statuses, weights, *, tenant: str, index: int,
         rule: Rule, previous: Run | None) -> Run:
    created = layout.start + slot * spacing + rng.randrange(spacing // 2 + 1)
    # A run right after a retryable one of an enabled rule is sometimes its retry (of its rule),
    # made once that one ended.
    retry_of = None
    if previous is not None and previous.status in RETRYABLE and previous.rule.enabled and rng.random() < 0.3:
        retry_of, rule = previous, previous.rule
        created = max(created, previous.completed + 1_000_000)
    bits = rng.getrandbits(74)
    status = rng.choices(statuses, weights)[0]
    started = None
    if status not in ("pending", "skipped") and not (status == "cancelled" and index % 2):
        started = created + rng.randrange(50_000, 2_000_000)
    completed = None
    if status in FINAL:
        completed = (started or created) + rng.randrange(200_000, 120_000_000)
    long = tenant == layout.tenant and index % layout.long_stride == layout.long_stride // 2
    run = Run(uuid7_at(created, bits), bits, tenant, rule, index, status, created, started, completed,
              steps=index % 6, lines=LONG_LINES if long else LINES)
    if retry_of is not None:
        run.retry_of, run.attempt = retry_of, retry_of.attempt + 1
    total = rule.actions
    done = index % total
    run.counters = {
        "completed": (total, total, 0), "failed": (total, done, 1), "running": (total, done, 0),
        "waiting": (total, done, 0), "timeout": (total, done, 0),
        "cancelled": (total, done if started else 0, 0),
    }.get(status, (total, 0, 0))
    if status == "waiting" and index % 2 == 0:
        run.waiting_until = started + 3_600_000_000
    return run


# Rows of each table


def execution_row(run: Run) -> str:
    total, successful, failed = run.counters
    status = run.status
    error = {"failed": f"SMTP 451 for order {run.index}: mailbox busy, try again later",
             "timeout": f"Timed out after 3600 s waiting for the CRM (order {run.index})"}.get(status)
    stack = ("Traceback (most recent call last):\n  File \"engine/actions/email.py\", line 88, in send\n"
             "    client.send(message)\nSMTPError: 451 mailbox busy") if status == "failed" else None
    output = f'{{"emails_sent": 1, "crm_id": "crm_{run.index:08d}"}}' if status == "completed" else None
    return row(
        run.id, run.tenant, run.rule.id, "1", status, text(REASONS.get(status)), timestamp(run.waiting_until),
        text(output),
        f'{{"order_id": {100000 + run.index}, "customer_id": "cus_{run.index % 50000:08d}", '
        f'"amount": {run.index % 997 + 0.5}, "currency": "EUR"}}',
        '{"engine": "bench-engine", "region": "eu-west-1", "engine_version": "2.4.1"}',
        "engine-eu-1", f"order-{run.index}", f"start-{run.index}" if run.index % 3 == 0 else r"\N",
        "", str(run.attempt), run.retry_of.id if run.retry_of else r"\N", r"\N",
        str(total), str(successful), str(failed), text(error), text(stack),
        str(successful) if status == "failed" else r"\N",
        timestamp(run.started), timestamp(run.completed),
        str((run.completed - run.started) // 1000) if run.started and run.completed else r"\N",
        str(run.lines), str(run.steps), timestamp(run.created), timestamp(run.completed or run.started or run.created),
    )


EXECUTION_COLUMNS = (
    "id", "tenant_id", "rule_id", "rule_version", "status", "status_reason", "waiting_until", "output",
    "trigger_data", "execution_context", "triggered_by", "external_ref", "idempotency_key", "request_fingerprint",
    "attempt", "retry_of_id", "retry_key", "actions_total", "actions_successful", "actions_failed", "error_message",
    "error_stack", "failed_action_index", "started_at", "completed_at", "duration_ms", "log_count", "step_count",
    "created_at", "updated_at",
)


def step_statuses(run: Run) -> list[str]:
    """Each step's status, consistent with the execution's."""
    n = run.steps
    if run.started is None:  # pending, skipped, or cancelled before it started
        return [run.status] * n
    if run.status == "completed":
        return ["completed"] * n
    if run.status in ("running", "waiting"):
        done = n // 2
        return ["completed"] * done + ["running"] + ["pending"] * (n - done - 1) if n else []
    last = {"failed": "failed", "timeout": "failed", "cancelled": "cancelled"}[run.status]
    return ["completed"] * (n - 1) + [last] if n else []


def step_rows(run: Run, next_id: int) -> list[str]:
    rows = []
    begin = run.started or run.created
    span = ((run.completed or begin + 10_000_000) - begin) // max(run.steps, 1)
    for position, status in enumerate(step_statuses(run)):
        start = begin + position * span if run.started and status not in ("pending", "skipped") else None
        if status in ("completed", "failed", "cancelled"):
            end = (start or begin) + span // 2
        elif status == "skipped":
            end = begin
        else:
            end = None
        kind = STEP_TYPES[position % len(STEP_TYPES)]
        rows.append(row(
            str(next_id + position), run.tenant, run.id, f"action-{position}", f"Send {kind}", kind, status,
            str(position), timestamp(start), timestamp(end),
            f'{{"status_code": 200, "duration_ms": {span // 2000}}}' if status == "completed" else r"\N",
            "HTTP 503 from crm.example.com" if status == "failed" else r"\N",
            timestamp(start or run.created), timestamp(end or start or run.created),
        ))
    return rows


STEP_COLUMNS = ("id", "tenant_id", "execution_id", "key", "name", "type", "status", "position", "started_at",
                "completed_at", "output", "error", "created_at", "updated_at")


def event_rows(run: Run) -> list[str]:
    """The run's history, and the retried event of the run it retries (recorded when this one was made)."""
    moves = [(None, "pending", "execution.created", run.created)]
    if run.started:
        moves.append(("pending", "running", EVENT_OF_STATUS["running"], run.started))
    if run.status == "waiting":
        moves.append(("running", "waiting", EVENT_OF_STATUS["waiting"], run.started + 1_000_000))
    if run.status in FINAL:
        moves.append((moves[-1][1], run.status, EVENT_OF_STATUS[run.status], run.completed))
    rows = []
    for offset, (previous, status, kind, at) in enumerate(moves):
        data = '{"reason": "superseded by a newer run"}' if status == "cancelled" else "{}"
        actor = "system" if status == "timeout" else ACTOR
        rows.append(row(uuid7_at(at, run.bits + offset + 1), run.tenant, run.id, kind, timestamp(at),
                        text(previous), status, actor, data))
    if run.retry_of is not None:
        original = run.retry_of
        rows.append(row(uuid7_at(run.created, run.bits + 99), original.tenant, original.id, "execution.retried",
                        timestamp(run.created), original.status, original.status, ACTOR,
                        f'{{"next_attempt": "{run.id}"}}'))
    return rows


EVENT_COLUMNS = ("id", "tenant_id", "execution_id", "type", "created_at", "previous_status", "status", "actor", "data")


def _line_tail(sequence: int) -> str:
    """The columns of a log line after its timestamp: the same for every execution (only sizes matter)."""
    action = sequence % 5
    level = "debug" if sequence % 10 == 0 else "warn" if sequence % 17 == 0 else "info"
    labelled = sequence % 7 != 0
    return "\t".join((
        level,
        f"Action {action} ({STEP_TYPES[action]}): POST https://api.example.com/v1/orders answered 200 "
        f"in {sequence * 7 % 400 + 20} ms",
        str(action) if labelled else r"\N",
        f"action-{action}" if labelled else r"\N",
        ("action.completed" if sequence % 2 else "action.started") if labelled else r"\N",
        f'{{"attempt": 1, "duration_ms": {sequence * 7 % 400 + 20}}}' if sequence % 3 else "{}",
    ))


LINE_TAILS = [""] + [_line_tail(sequence) for sequence in range(1, LONG_LINES + 1)]
# A line's time is its execution's start plus 20 ms per sequence: (whole seconds after it, fraction).
LINE_OFFSETS = [divmod(sequence * 20, 1000) for sequence in range(LONG_LINES + 1)]
LOG_COLUMNS = ("id", "tenant_id", "execution_id", "sequence", "timestamp", "level", "message", "action_index",
               "step_key", "event_type", "metadata")


def log_rows(run: Run, next_id: int) -> list[str]:
    begin = (run.started or run.created) // 1_000_000
    seconds = [time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(begin + k))
               for k in range(LINE_OFFSETS[run.lines][0] + 1)]
    prefix = f"\t{run.tenant}\t{run.id}\t"
    rows = []
    for sequence in range(1, run.lines + 1):
        whole, millis = LINE_OFFSETS[sequence]
        rows.append(f"{next_id + sequence - 1}{prefix}{sequence}\t{seconds[whole]}.{millis:03d}+00\t"
                    f"{LINE_TAILS[sequence]}\n")
    return rows


# Loading


class Progress:
    """A bar redrawn on one line of a terminal; elsewhere only the closing line."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.start, self.shown = label, total, time.monotonic(), 0.0
        self.tty = sys.stderr.isatty()

    def update(self, done: int, count: int) -> None:
        """`done` of `total` steps, having made `count` things."""
        now = time.monotonic()
        if not self.tty or now - self.shown < 0.2:
            return
        self.shown = now
        elapsed = now - self.start
        share = done / self.total if self.total else 1
        eta = elapsed / share - elapsed if share else 0
        sys.stderr.write(f"\r{self.label:<26} [{'#' * int(share * 30):<30}] {share:6.1%} {count:>12,} "
                         f"{count / max(elapsed, 1e-9):>9,.0f}/s eta {eta:5.0f}s ")
        sys.stderr.flush()

    def finish(self, count: int) -> None:
        if self.tty:
            sys.stderr.write("\r" + " " * 110 + "\r")
        sys.stderr.write(f"{self.label}: {count:,} in {time.monotonic() - self.start:.1f}s\n")


def copy_table(cursor, table: str, columns: tuple[str, ...], layout: Layout, rows_of) -> int:
    """COPYs the rows `rows_of(run, next_id)` gives for every run; returns how many."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    progress = Progress(table, layout.total)
    written, buffer, size = 0, [], 0
    with cursor.copy(statement) as copy:
        for done, run in enumerate(plan(layout), 1):
            rows = rows_of(run, written + 1)
            buffer.extend(rows)
            written += len(rows)
            size += len(rows)
            # Sent in batches: one call and one network write per 20,000 rows, not per row.
            if size >= 20_000:
                copy.write("".join(buffer))
                buffer, size = [], 0
                progress.update(done, written)
        copy.write("".join(buffer))
    progress.finish(written)
    return written


def secondary_indexes(cursor) -> list[tuple[str, str, str, str | None]]:
    """(table, index, definition, constraint definition) of the indexes of the loaded tables that
    are dropped during the load and made again after it, as the migrations made them: all but the
    primary keys, and but the partial indexes (few rows each, and PostgreSQL writes their
    condition back in another spelling than it was given, so it could not be checked as the same)."""
    cursor.execute("""
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), pg_get_constraintdef(c.oid)
        FROM pg_index x
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype = 'u'
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary
          AND x.indpred IS NULL
        ORDER BY 1, 2
    """, (list(LOADED_TABLES),))
    return cursor.fetchall()


def drop_indexes(cursor, indexes) -> None:
    # Building an index once over sorted data is much faster than keeping it up to date row by row.
    for table, name, _, constraint in indexes:
        if constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table),
                                                                               sql.Identifier(name)))
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))


def restore_indexes(cursor, indexes) -> None:
    progress = Progress("indexes", len(indexes))
    for done, (table, name, definition, constraint) in enumerate(indexes):
        progress.update(done, done)
        if constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(constraint)))
        else:
            cursor.execute(definition)
    progress.finish(len(indexes))
    if secondary_indexes(cursor) != indexes:
        raise RuntimeError("The indexes after the load differ from those the migrations made.")


def insert_tenants_and_rules(cursor, layout: Layout) -> None:
    tenants = [(layout.tenant, "Bench", "bench"), (layout.write_tenant, "Bench writes", "bench-writes")]
    tenants += [(tenant, f"Other {i}", f"other-{i}") for i, tenant in enumerate(layout.others, 1)]
    cursor.executemany("INSERT INTO tenants_tenant (id, name, slug, created_at) VALUES (%s, %s, %s, now())", tenants)
    rules = []
    for i, rule in enumerate([*layout.rules, *layout.other_rules, layout.write_rule]):
        actions = "[" + ", ".join(f'{{"type": "{STEP_TYPES[a]}"}}' for a in range(rule.actions)) + "]"
        trigger = ("order.created", "order.paid", "order.shipped", "order.refunded")[i % 4]
        rules.append((rule.id, rule.tenant, f"Order flow {i}", trigger, actions, rule.enabled))
    cursor.executemany(
        "INSERT INTO executions_automationrule (id, tenant_id, name, description, trigger, actions, timeout_seconds,"
        " is_enabled, version, created_at, updated_at) VALUES (%s, %s, %s, '', %s, %s, 3600, %s, 1, now(), now())",
        rules,
    )


def insert_keys(cursor, layout: Layout) -> None:
    """KEYS users of the other tenants, each a writer there with a key (whose secret nobody has),
    so that the key lookup every request makes finds its key among thousands, as in production."""
    rng = random.Random(SEED + 2)
    prefixes = set()
    while len(prefixes) < KEYS:
        prefixes.add("".join(rng.choices(PREFIX_ALPHABET, k=8)))
    cursor.executemany(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,"
        " date_joined) VALUES ('!', false, %s, '', '', '', false, true, now())",
        [(f"engine-{i:05d}",) for i in range(KEYS)],
    )
    cursor.execute("SELECT id FROM auth_user WHERE username LIKE 'engine-%' ORDER BY username")
    users = [user for (user,) in cursor.fetchall()]
    tenants = [layout.others[i % len(layout.others)] for i in range(KEYS)]
    cursor.executemany(
        "INSERT INTO rbac_roleassignment (created_at, role_id, tenant_id, user_id)"
        " VALUES (now(), (SELECT id FROM rbac_role WHERE name = 'writer'), %s, %s)",
        list(zip(tenants, users, strict=True)),
    )
    cursor.executemany(
        "INSERT INTO rbac_apikey (prefix, digest, name, created_at, usage_count, user_id, tenant_id)"
        " VALUES (%s, %s, 'engine', now(), 0, %s, %s)",
        [(prefix, f"{rng.getrandbits(256):064x}", user, tenant)
         for prefix, user, tenant in zip(sorted(prefixes), users, tenants, strict=True)],
    )


def pools(layout: Layout) -> tuple[list[str], list[str]]:
    """Up to POOL of the bench tenant's 5-step, 50-line executions and of its long ones, spread evenly."""
    detail, long = [], []
    for run in plan(layout):
        if run.tenant == layout.tenant:
            if run.lines == LONG_LINES:
                long.append(run.id)
            elif run.steps == 5:
                detail.append(run.id)
    return detail[:: max(1, len(detail) // POOL)][:POOL], long[:: max(1, len(long) // POOL)][:POOL]


def load(url: str, executions: int) -> dict:
    """Fills the migrated, empty database at `url`; returns what bench_meta records."""
    began = time.monotonic()
    layout = make_layout(executions, random.Random(SEED))
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        # Foreign key triggers off for this session: the generator writes consistent rows, and
        # tens of millions of deferred checks would be queued in memory. CHECK constraints apply.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        indexes = secondary_indexes(cursor)
        drop_indexes(cursor, indexes)
        # Emptied in this transaction, so that COPY may write the rows frozen: no later vacuum
        # pass has to rewrite 50 million rows to mark them visible.
        cursor.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, LOADED_TABLES))))
        insert_tenants_and_rules(cursor, layout)
        insert_keys(cursor, layout)
        counts = {
            "executions": copy_table(cursor, "executions_execution", EXECUTION_COLUMNS, layout,
                                     lambda run, _: [execution_row(run)]),
            "steps": copy_table(cursor, "executions_executionstep", STEP_COLUMNS, layout, step_rows),
            "events": copy_table(cursor, "executions_executionevent", EVENT_COLUMNS, layout,
                                 lambda run, _: event_rows(run)),
            "logs": copy_table(cursor, "executions_executionlog", LOG_COLUMNS, layout, log_rows),
        }
        restore_indexes(cursor, indexes)
        for table in ("executions_executionstep", "executions_executionlog"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        detail, long = pools(layout)
        meta = {
            "version": GENERATOR_VERSION, "executions": executions, "tenant": layout.tenant,
            "write_tenant": layout.write_tenant, "write_rule": layout.write_rule.id, "detail_pool": detail,
            "logs_pool": long, "rows": counts, "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        cursor.execute("CREATE TABLE bench_meta (data jsonb NOT NULL)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", (psycopg.types.json.Jsonb(meta),))
    with psycopg.connect(url, autocommit=True) as conn:
        print("vacuum analyze", file=sys.stderr, flush=True)
        conn.execute("VACUUM (ANALYZE)")
    meta["seconds"] = round(time.monotonic() - began)
    return meta


# The write benchmarks' tenant


def clear_writes(data: BenchData) -> None:
    """Deletes what the write benchmarks made, so that every run starts from the loaded data. Each
    table is reached through its execution's index: the tenant's rows are few in huge tables."""
    mine = "execution_id IN (SELECT id FROM executions_execution WHERE tenant_id = %(tenant)s)"
    with psycopg.connect(data.url) as conn:
        for table in ("executions_executionlog", "executions_executionstep", "executions_executionevent"):
            conn.execute(f"DELETE FROM {table} WHERE {mine}", {"tenant": data.write_tenant})
        conn.execute("DELETE FROM executions_execution WHERE tenant_id = %(tenant)s", {"tenant": data.write_tenant})


def make_ingest_targets(data: BenchData, count: int = POOL) -> list[str]:
    """Running executions of the write tenant for POST /logs, as the app would have started them."""
    now = int(time.time() * 1_000_000)
    rng = random.Random()
    ids = [uuid7_at(now + i, rng.getrandbits(74)) for i in range(count)]
    with psycopg.connect(data.url) as conn:
        conn.execute(
            "INSERT INTO executions_execution (id, tenant_id, rule_id, rule_version, status, trigger_data,"
            " execution_context, request_fingerprint, attempt, actions_total, actions_successful, actions_failed,"
            " log_count, step_count, started_at, created_at, updated_at)"
            " SELECT id, %(tenant)s, %(rule)s, 1, 'running', '{}', '{}', '', 1, 3, 0, 0, 0, 0, now(), now(), now()"
            " FROM unnest(%(ids)s::uuid[]) id",
            {"tenant": data.write_tenant, "rule": data.write_rule, "ids": ids},
        )
    return ids


def read_meta(url: str) -> dict | None:
    """The database's bench_meta, when the database exists, is complete and of this generator."""
    try:
        with psycopg.connect(url) as conn:
            exists = conn.execute("SELECT to_regclass('bench_meta') IS NOT NULL").fetchone()[0]
            meta = conn.execute("SELECT data FROM bench_meta").fetchone()[0] if exists else None
    except psycopg.OperationalError:
        return None
    return meta if meta and meta.get("version") == GENERATOR_VERSION else None


def migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", SECRET_KEY="bench-secret", API_KEY_PEPPER="bench-pepper")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def drop_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate_database(name: str) -> None:
    drop_database(name)
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure(executions: int, *, reload: bool = False) -> BenchData:
    """The loaded database of this size: reused when complete, else made and loaded. Migrations are
    applied either way, so that a reused database has the schema of the code being measured."""
    url = database_url(executions)
    meta = None if reload else read_meta(url)
    if meta is None:
        print(f"loading {executions:,} executions into {database_name(executions)} "
              f"(about {executions * 22e3 / 1e9:,.1f} GB)", file=sys.stderr, flush=True)
        recreate_database(database_name(executions))
        migrate(url)
        meta = load(url, executions)
        print(f"loaded {meta['rows']} in {meta['seconds']}s", file=sys.stderr, flush=True)
    else:
        migrate(url)
    return BenchData.from_meta(url, meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000, help="Executions of the bench tenant.")
    parser.add_argument("--reload", action="store_true", help="Load again even when a complete database exists.")
    args = parser.parse_args()
    data = ensure(args.executions, reload=args.reload)
    print(data.url)


if __name__ == "__main__":
    main()
