"""How the admin draws statuses, levels, durations and JSON."""

import json
from datetime import UTC, datetime

from django.utils.html import format_html

# Status -> (background, text) colour, readable on the light and the dark admin theme.
STATUS_COLOURS = {
    "pending": ("#757575", "#fff"),
    "running": ("#1565c0", "#fff"),
    "waiting": ("#6a1b9a", "#fff"),
    "completed": ("#2e7d32", "#fff"),
    "failed": ("#c62828", "#fff"),
    "cancelled": ("#6d4c41", "#fff"),
    "timeout": ("#ef6c00", "#fff"),
    "skipped": ("#9e9e9e", "#fff"),
}
LEVEL_COLOURS = {
    "debug": ("#9e9e9e", "#fff"),
    "info": ("#1565c0", "#fff"),
    "warn": ("#ef6c00", "#fff"),
    "error": ("#c62828", "#fff"),
}
BADGE = ('<span class="status-badge status-{}" style="background:{};color:{};padding:2px 8px;'
         'border-radius:10px;font-size:11px;font-weight:600;white-space:nowrap">{}</span>')


def status_badge(status: str, reason: str | None = None) -> str:
    """The status as a coloured badge; its reason, when there is one, shows on hover."""
    background, colour = STATUS_COLOURS.get(status, ("#757575", "#fff"))
    badge = format_html(BADGE, status, background, colour, status)
    return format_html('<span title="{}">{}</span>', reason, badge) if reason else badge


def level_badge(level: str) -> str:
    background, colour = LEVEL_COLOURS.get(level, ("#757575", "#fff"))
    return format_html(BADGE, level, background, colour, level)


def duration_text(milliseconds: int | float | None) -> str:
    if milliseconds is None:
        return "—"
    if milliseconds < 1000:
        return f"{int(milliseconds)} ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def pretty_json(value) -> str:
    return format_html('<pre class="pretty-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False))


def pretty_json_or_none(value) -> str:
    """Pretty JSON, or a dash for a value never reported (SQL NULL; a reported JSON null reads the same)."""
    return "—" if value is None else pretty_json(value)


def moment_text(moment: datetime | None) -> str:
    """A timestamp to the millisecond, in UTC as the API gives it."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
