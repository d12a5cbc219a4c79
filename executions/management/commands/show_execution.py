import json
from datetime import datetime

from django.core.management.base import CommandError

from config.commands import Command as BaseCommand
from config.times import iso
from config.uuids import parse_uuid
from executions import lifecycle, selectors
from executions.api.bodies import execution_body
from executions.api.links import api_root
from executions.models import Execution

LOG_LINES = 20
STACK_LINES = 5
OUTPUT_LINES = 20
MESSAGE_WIDTH = 200


def duration(started: datetime | None, completed: datetime | None) -> str:
    if started is None or completed is None:
        return "-"
    ms = max(0, int((completed - started).total_seconds() * 1000))
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def one_line(text: str | None, width: int = MESSAGE_WIDTH) -> str:
    """`text` on one terminal line: newlines shown as ⏎, long text cut with …."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\t", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Rows aligned in columns under `header`; the last column is not padded."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


class Command(BaseCommand):
    help = ("Prints one execution for a terminal: status and its reason, timing, counters, error, output, steps "
            "and the last log lines. With --json, the API's body of the execution.")

    def add_arguments(self, parser):
        parser.add_argument("id", metavar="ID", help="The execution's id (a UUID).")

    def handle(self, *args, **options):
        execution_id = parse_uuid(options["id"])
        if execution_id is None:
            raise CommandError(f"{options['id']!r} is not an execution id: a UUID in its 36-character form.")
        found = selectors.execution_find(execution_id=execution_id)
        if found is None:
            raise CommandError(f"No execution {execution_id}.")
        if options["json"]:
            body = execution_body(tenant_id=found.tenant_id, execution_id=execution_id, root=api_root(None))
            self.emit(options, json.loads(body), prose="")
            return
        steps = selectors.execution_steps(tenant_id=found.tenant_id, execution_id=execution_id)
        last_logs = selectors.execution_last_logs(tenant_id=found.tenant_id, execution_id=execution_id,
                                                  limit=LOG_LINES)[::-1]
        self.stdout.write("\n".join(self.view(found, steps, last_logs)))

    def view(self, execution, steps, last_logs) -> list[str]:
        rule, tenant = execution.rule, execution.tenant
        attempt = f"{execution.attempt}"
        if execution.retry_of_id:
            attempt += f" (retry of {execution.retry_of_id})"
        if execution.next_attempt_ref:
            attempt += f", retried as {execution.next_attempt_ref}"
        fields = [
            ("Execution", str(execution.pk)),
            ("Rule", f"{rule.name} ({rule.pk}, version {execution.rule_version})"),
            ("Tenant", f"{tenant.name} ({tenant.slug}, {tenant.pk})"),
            ("Status", self.style.SUCCESS(execution.status) if execution.status == Execution.Status.COMPLETED
             else self.style.ERROR(execution.status) if execution.status in lifecycle.FAILED
             else self.style.WARNING(execution.status) if execution.status == Execution.Status.WAITING
             else execution.status),
        ]
        if execution.status_reason:
            fields.append(("Reason", one_line(execution.status_reason)))
        if execution.waiting_until:
            fields.append(("Waiting until", iso(execution.waiting_until)))
        fields += [
            ("Attempt", attempt),
            ("Created", iso(execution.created_at)),
            ("Started", iso(execution.started_at) or "-"),
            ("Completed", iso(execution.completed_at) or "-"),
            ("Duration", "-" if execution.duration_ms is None else f"{execution.duration_ms} ms"),
            ("Actions", f"{execution.actions_total} total, {execution.actions_successful} successful, "
                        f"{execution.actions_failed} failed"),
        ]
        if execution.triggered_by:
            fields.append(("Triggered by", execution.triggered_by))
        if execution.external_ref:
            fields.append(("External ref", execution.external_ref))
        if execution.error_message or execution.failed_action_index is not None:
            error = one_line(execution.error_message) or "-"
            if execution.failed_action_index is not None:
                error += f" (failed action {execution.failed_action_index})"
            fields.append(("Error", error))
        width = max(len(label) for label, _ in fields) + 2
        lines = [f"{label.ljust(width)}{value}" for label, value in fields]
        if execution.error_stack:
            stack = execution.error_stack.splitlines()
            lines += [" " * width + one_line(line) for line in stack[:STACK_LINES]]
            if len(stack) > STACK_LINES:
                more = len(stack) - STACK_LINES
                lines.append(" " * width + f"… {more} more line{'s' if more > 1 else ''}")

        if execution.output is not None:
            # Pretty JSON, its first lines only, each on one terminal line: an output may be 256 KiB.
            output = json.dumps(execution.output, indent=2, ensure_ascii=False).splitlines()
            lines += ["", "Output", *(one_line(line) for line in output[:OUTPUT_LINES])]
            if len(output) > OUTPUT_LINES:
                more = len(output) - OUTPUT_LINES
                lines.append(f"… {more} more line{'s' if more > 1 else ''} (show_execution --json prints it whole)")

        lines += ["", f"Steps ({len(steps)})"]
        if steps:
            lines += table(
                ("POS", "KEY", "STATUS", "STARTED", "DURATION", "ERROR"),
                [(str(step.position), step.key, step.status, iso(step.started_at) or "-",
                  duration(step.started_at, step.completed_at), one_line(step.error, 80))
                 for step in steps],
            )
        else:
            lines.append("(none)")

        total = execution.log_count
        shown = f"last {len(last_logs)} of {total}" if total > len(last_logs) else f"{total}"
        lines += ["", f"Log lines ({shown})"]
        if last_logs:
            lines += table(
                ("SEQ", "TIME", "LEVEL", "MESSAGE"),
                [(str(line.sequence), iso(line.timestamp), line.level, one_line(line.message))
                 for line in last_logs],
            )
        else:
            lines.append("(none)")
        return lines
