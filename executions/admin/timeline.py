"""The steps of an execution as a timeline picture: one horizontal bar per step, from its start to
its end, coloured by status, drawn as inline SVG by the change page's template (no script)."""

from dataclasses import dataclass
from datetime import datetime

from executions.admin.display import STATUS_COLOURS, duration_text
from executions.models import Execution, ExecutionStep

WIDTH = 1000
LABEL_WIDTH = 230
NOTE_WIDTH = 150
ROW_HEIGHT = 26
BAR_HEIGHT = 16
AXIS_HEIGHT = 24
PLOT_X = LABEL_WIDTH
PLOT_WIDTH = WIDTH - LABEL_WIDTH - NOTE_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str
    status: str
    fill: str
    title: str
    note: str
    text_y: str
    bar_y: str
    x: str | None  # None: the step has not started
    width: str | None
    running: bool


@dataclass(frozen=True)
class Tick:
    x: str
    text: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    plot_x: int
    plot_end: int
    note_x: int
    axis_y: int
    bars: list[Bar]
    ticks: list[Tick]


def _ms(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() * 1000


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3] if moment else "—"


def step_timeline(execution: Execution, steps: list[ExecutionStep], *, now: datetime) -> Timeline | None:
    """The picture's geometry, or None when there are no steps. A running step's bar reaches to
    the execution's end, or to now while it runs; a step that has not started has no bar."""
    if not steps:
        return None
    starts = [s.started_at for s in steps if s.started_at] + ([execution.started_at] if execution.started_at else [])
    open_end = execution.completed_at or now
    ends = [s.completed_at or open_end for s in steps if s.started_at] + (
        [execution.completed_at] if execution.completed_at else [])
    origin = min(starts) if starts else None
    span = max(1.0, _ms(max(ends), origin)) if origin and ends else 1.0
    scale = PLOT_WIDTH / span

    bars = []
    for row, step in enumerate(steps):
        top = AXIS_HEIGHT + row * ROW_HEIGHT
        fill = STATUS_COLOURS.get(step.status, ("#757575", "#fff"))[0]
        label = step.name or step.key
        label = label if len(label) <= 32 else label[:31] + "…"
        if step.started_at and origin:
            end = step.completed_at or open_end
            x = _ms(step.started_at, origin) * scale
            width = max(2.0, _ms(end, step.started_at) * scale)
            took = duration_text(_ms(end, step.started_at))
            note = took if step.completed_at else f"{took}…"
            title = (f"{step.key} · {step.status} · {_clock(step.started_at)} → "
                     f"{_clock(step.completed_at) if step.completed_at else 'still running'} · {took}")
            x_text, width_text = f"{PLOT_X + x:.1f}", f"{min(width, PLOT_WIDTH - x):.1f}"
        else:
            note, title, x_text, width_text = "not started", f"{step.key} · {step.status} · not started", None, None
        bars.append(Bar(
            label=label, status=step.status, fill=fill, title=title, note=note,
            text_y=f"{top + BAR_HEIGHT / 2 + 6:.0f}", bar_y=f"{top + 3}", x=x_text, width=width_text,
            running=step.started_at is not None and step.completed_at is None,
        ))
    ticks = [Tick(x=f"{PLOT_X + PLOT_WIDTH * share:.1f}", text="0" if share == 0 else f"+{duration_text(span * share)}")
             for share in (0, 0.25, 0.5, 0.75, 1)] if origin else []
    return Timeline(
        width=WIDTH, height=AXIS_HEIGHT + len(steps) * ROW_HEIGHT + 6, plot_x=PLOT_X, plot_end=PLOT_X + PLOT_WIDTH,
        note_x=PLOT_X + PLOT_WIDTH + 8, axis_y=AXIS_HEIGHT - 8, bars=bars, ticks=ticks,
    )
