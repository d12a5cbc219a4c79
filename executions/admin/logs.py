"""Every log line of one execution for staff: a page of lines by sequence (a keyset: ?after=N,
?before=N, or ?before=end for the newest; never an offset), narrowed by level, step and text, and
the same lines as a JSON-lines download streamed in keyset chunks."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict

from config.times import iso
from executions import selectors
from executions.models import Execution, ExecutionLog

PAGE_SIZE = 100
NEWEST = "end"
DOWNLOAD_CHUNK = 1000
LEVELS = tuple(ExecutionLog.Level.values)


def _sequence(value: str | None) -> int | None:
    """A sequence from the query, or None for a missing or malformed one (the first page)."""
    if value is None or not value.isdigit() or len(value) > 10:
        return None
    return int(value)


@dataclass(frozen=True)
class LogQuery:
    """Which lines a request asks for: where the page starts and what narrows it."""

    after: int | None = None
    before: int | None = None
    newest: bool = False
    levels: list[str] = field(default_factory=list)
    step: str = ""
    contains: str = ""

    @classmethod
    def of(cls, query: QueryDict) -> "LogQuery":
        return cls(
            after=_sequence(query.get("after")), before=_sequence(query.get("before")),
            newest=query.get("before") == NEWEST,
            levels=[level for level in query.getlist("level") if level in LEVELS],
            step=query.get("step", "").strip()[:100], contains=query.get("q", "").strip()[:200],
        )

    def narrowing(self) -> dict:
        """The filters as selector arguments."""
        return {"levels": self.levels or None, "step_key": self.step or None, "contains": self.contains or None}

    def filters_query(self, **position) -> str:
        """The query string of these filters at another position (after=N or before=N)."""
        pairs = [("level", level) for level in self.levels]
        pairs += [(name, value) for name, value in (("step", self.step), ("q", self.contains)) if value]
        pairs += [(name, value) for name, value in position.items() if value is not None]
        return urlencode(pairs)


@dataclass(frozen=True)
class LogPage:
    lines: list[ExecutionLog]
    # Query strings of the neighbouring pages, or None where there is none.
    earlier: str | None
    later: str | None
    first: str
    newest: str


def log_page(execution: Execution, query: LogQuery, *, size: int = PAGE_SIZE) -> LogPage:
    """One page of lines, oldest first, and its neighbours: one query (one line more than the page
    tells whether there is another page in the direction read)."""
    common = {"tenant_id": execution.tenant_id, "execution_id": execution.pk, **query.narrowing()}
    if query.before is not None or query.newest:
        # Past the last sequence handed out: the newest lines.
        before = execution.log_count + 1 if query.newest else query.before
        lines = selectors.execution_logs(before=before, limit=size + 1, **common)
        more_earlier, lines = len(lines) > size, lines[-size:]
        more_later = before <= execution.log_count
    else:
        lines = selectors.execution_logs(after=query.after, limit=size + 1, **common)
        more_later, lines = len(lines) > size, lines[:size]
        more_earlier = bool(query.after)
    return LogPage(
        lines=lines,
        earlier=query.filters_query(before=lines[0].sequence) if lines and more_earlier else None,
        later=query.filters_query(after=lines[-1].sequence) if lines and more_later else None,
        first=query.filters_query(),
        newest=query.filters_query(before=NEWEST),
    )


def log_line_json(line: ExecutionLog) -> str:
    return json.dumps({
        "sequence": line.sequence, "timestamp": iso(line.timestamp), "level": line.level, "message": line.message,
        "step_key": line.step_key, "action_index": line.action_index, "event_type": line.event_type,
        "metadata": line.metadata,
    }, ensure_ascii=False)


def log_lines_jsonl(execution: Execution, query: LogQuery) -> Iterator[str]:
    """Every line the filters keep, oldest first, one JSON object a line, read in keyset chunks so
    that neither the server nor the database holds them all at once."""
    after = 0
    common = {"tenant_id": execution.tenant_id, "execution_id": execution.pk, **query.narrowing()}
    while True:
        lines = selectors.execution_logs(after=after, limit=DOWNLOAD_CHUNK, **common)
        if lines:
            yield "".join(log_line_json(line) + "\n" for line in lines)
        if len(lines) < DOWNLOAD_CHUNK:
            return
        after = lines[-1].sequence
