import argparse
import time
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from config.commands import Command as BaseCommand
from config.commands import bounded_int
from executions import bulk
from executions.api.filters import ExecutionFilter, execution_selection
from executions.exceptions import Invalid
from rbac.commands import tenant_argument

BAR_WIDTH = 24
# A bar rewritten after every execution would cost more than the retry on a slow terminal.
REDRAW_EVERY = 10
SKIP_REASONS = {
    "already_retried": "already retried",
    "not_retryable_status": "not in a retryable status",
    "rule_disabled": "of a disabled rule",
}


def fingerprint_argument(value: str) -> str:
    """An error fingerprint, checked by the list's own filter of it."""
    try:
        return ExecutionFilter.base_filters["error_fingerprint"].field.clean(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"must be an error fingerprint (16 lowercase hexadecimal characters), not {value!r}") from None


class Progress:
    """One line on a terminal's stderr, rewritten every few executions: a bar of those taken and the rate."""

    def __init__(self, stderr, *, dry_run: bool):
        self.stderr, self.verb, self.start = stderr, "checked" if dry_run else "done", time.monotonic()

    def update(self, done: int, total: int) -> None:
        if done % REDRAW_EVERY and done != total:
            return
        share = done / total if total else 1.0
        rate = done / max(time.monotonic() - self.start, 1e-9)
        bar = "#" * int(share * BAR_WIDTH)
        self._write(f"\r[{bar:<{BAR_WIDTH}}] {share:4.0%} {done:,} of {total:,} {self.verb} | "
                    f"{rate:,.0f} executions/s ")

    def finish(self) -> None:
        self._write("\r" + " " * 80 + "\r")

    def _write(self, text: str) -> None:
        self.stderr.write(text, style_func=lambda plain: plain, ending="")
        self.stderr.flush()


def summary(answer: dict, *, fingerprint: str, tenant: str, seconds: float) -> str:
    matched, taken = answer["matched"], len(answer["results"])
    if not matched:
        return f"No execution of {tenant} with the error fingerprint {fingerprint} is left to retry."
    noun = "execution" if matched == 1 else "executions"
    text = f"{matched:,} {noun} of {tenant} with the error fingerprint {fingerprint} not yet retried"
    text += f"; the oldest {taken:,} taken (--limit)." if answer["more"] else "."
    skipped = ", ".join(f"{count:,} {SKIP_REASONS.get(reason, reason)}" for reason, count in answer["skipped"].items())
    if answer["dry_run"]:
        text += f" Would retry {answer['acted']:,}" + (f" and skip {skipped}" if skipped else "")
        return text + " (dry run: nothing was changed)."
    text += f" Retried {answer['acted']:,}" + (f", skipped {skipped}," if skipped else "")
    rate = f", {answer['acted'] / seconds:,.0f} executions/s" if seconds and answer["acted"] else ""
    return text + f" in {seconds:.1f} s{rate}."


class Command(BaseCommand):
    help = ("Retries a tenant's executions that have one error fingerprint (a group of GET /failures), oldest first "
            "up to --limit, each as its own retry would do it (one short transaction each, its events, actor "
            "'system'), skipping those already retried, not in a retryable status or of a disabled rule. Selects "
            "exactly as POST /executions/bulk-retry with {\"filter\": {\"error_fingerprint\": FP}}; --json prints "
            "that endpoint's answer.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG_OR_ID",
                            help="The tenant whose executions to retry.")
        parser.add_argument("--fingerprint", required=True, type=fingerprint_argument, metavar="FP",
                            help="The error fingerprint of the group (16 lowercase hexadecimal characters).")
        parser.add_argument("--limit", type=bounded_int(bulk.MAX_LIMIT), default=bulk.DEFAULT_LIMIT, metavar="N",
                            help=f"Take at most N executions, oldest first (default {bulk.DEFAULT_LIMIT}, "
                                 f"at most {bulk.MAX_LIMIT}).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Say what each would do (retry, or why not); change nothing.")

    def handle(self, *args, **options):
        tenant = tenant_argument(options["tenant"])
        fingerprint, dry_run = options["fingerprint"], options["dry_run"]
        try:
            selection = execution_selection(tenant_id=tenant.pk, given={"error_fingerprint": fingerprint})
        except Invalid as error:  # the argument was checked as the filter checks it: a defect if reached
            raise CommandError(f"--fingerprint: {error.detail}") from None
        progress = Progress(self.stderr, dry_run=dry_run) if self.stderr.isatty() else None
        started = time.monotonic()
        try:
            result = bulk.bulk_act(action=bulk.RETRY, tenant_id=tenant.pk, selection=selection, actor="system",
                                   dry_run=dry_run, limit=options["limit"],
                                   progress=progress.update if progress else None)
        except KeyboardInterrupt:  # the retry in hand rolled back; those before it committed
            raise CommandError("Interrupted: the executions retried before Ctrl-C stay retried; a dry run shows "
                               "what is left.", returncode=130) from None
        finally:
            if progress:
                progress.finish()
        answer = asdict(result)
        prose = summary(answer, fingerprint=fingerprint, tenant=f"{tenant.name} ({tenant.slug})",
                        seconds=time.monotonic() - started)
        self.emit(options, answer, prose)
