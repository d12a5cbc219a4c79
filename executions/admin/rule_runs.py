"""How a rule has been running: its newest runs as a strip of coloured squares (Airflow's grid),
and per window (24 hours, 7 days) how many ran, how many succeeded, and how long a successful run
took (p50, p95). Two queries whatever the number of runs."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from executions import lifecycle, selectors
from executions.admin.display import STATUS_COLOURS, duration_text
from executions.models import AutomationRule, Execution

STRIP_LENGTH = 50
WINDOWS = (("24 hours", timedelta(hours=24)), ("7 days", timedelta(days=7)))
# The newest this many runs of the longest window are read: a rule that runs more often than that
# gets its figures from its newest runs, and the page says so.
RUNS_READ = 20_000
S = Execution.Status


@dataclass(frozen=True)
class Square:
    execution: Execution
    colour: str
    title: str


@dataclass(frozen=True)
class Window:
    label: str
    runs: int
    completed: int
    failed: int  # failed or timed out (lifecycle.FAILED)
    success_rate: str  # completed of those that ended by themselves, or "—"
    p50: str
    p95: str


@dataclass(frozen=True)
class RuleRuns:
    strip: list[Square]
    windows: list[Window]
    capped: bool


def percentile(ordered: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted values (None of none)."""
    if not ordered:
        return None
    return ordered[max(0, ceil(share * len(ordered)) - 1)]


def _square(execution: Execution) -> Square:
    started = execution.started_at or execution.created_at
    title = (f"{execution.status} · attempt {execution.attempt} · {started:%Y-%m-%d %H:%M:%S} UTC · "
             f"{duration_text(execution.duration_ms)}")
    if execution.status_reason:
        title += f" · {execution.status_reason}"
    return Square(execution=execution, colour=STATUS_COLOURS.get(execution.status, ("#757575",))[0], title=title)


def _window(label: str, rows: list[tuple]) -> Window:
    completed = sum(1 for _, status, _ in rows if status == S.COMPLETED)
    failed = sum(1 for _, status, _ in rows if status in lifecycle.FAILED)
    # Cancelled and skipped runs did not end by themselves: they count for neither.
    ended = completed + failed
    durations = sorted(duration for _, status, duration in rows if status == S.COMPLETED and duration is not None)
    return Window(
        label=label, runs=len(rows), completed=completed, failed=failed,
        success_rate=f"{100 * completed / ended:.1f} %" if ended else "—",
        p50=duration_text(percentile(durations, 0.5)), p95=duration_text(percentile(durations, 0.95)),
    )


def rule_runs(rule: AutomationRule, *, now: datetime) -> RuleRuns:
    strip = selectors.rule_recent_executions(tenant_id=rule.tenant_id, rule_id=rule.pk, limit=STRIP_LENGTH)
    longest = max(span for _, span in WINDOWS)
    rows = selectors.rule_run_times(tenant_id=rule.tenant_id, rule_id=rule.pk, since=now - longest,
                                    limit=RUNS_READ + 1)
    capped = len(rows) > RUNS_READ
    rows = rows[:RUNS_READ]
    windows = [_window(label, [row for row in rows if row[0] >= now - span]) for label, span in WINDOWS]
    # Oldest on the left, newest on the right, as the runs happened.
    return RuleRuns(strip=[_square(execution) for execution in reversed(strip)], windows=windows, capped=capped)
