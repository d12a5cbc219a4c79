import signal
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from config.commands import Command as BaseCommand
from config.commands import bounded_int
from executions import retention
from rbac.commands import tenant_argument

MAX_DAYS = 36_500
BAR_WIDTH = 24


@contextmanager
def interrupts_between_batches():
    """While inside, a first Ctrl-C only asks to stop (the batch in flight finishes and commits);
    a second raises KeyboardInterrupt at once (the batch in flight rolls back). Yields the event
    that says it was asked."""
    asked = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield asked
        return

    def handler(signum, frame):
        if asked.is_set():
            raise KeyboardInterrupt
        asked.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, previous)


class Progress:
    """One line on a terminal's stderr, rewritten after each batch: a bar of candidates read,
    counts and rates."""

    def __init__(self, stderr, total: int):
        self.stderr, self.total, self.examined, self.start = stderr, total, 0, time.monotonic()

    def update(self, examined: int, totals: dict[str, int]) -> None:
        self.examined += examined
        share = min(1.0, self.examined / self.total) if self.total else 1.0
        elapsed = max(time.monotonic() - self.start, 1e-9)
        bar = "#" * int(share * BAR_WIDTH)
        self._write(
            f"\r[{bar:<{BAR_WIDTH}}] {share:4.0%} {totals['executions']:,} executions, {totals['log_lines']:,} "
            f"log lines | {totals['executions'] / elapsed:,.0f} executions/s, "
            f"{totals['log_lines'] / elapsed:,.0f} lines/s "
        )

    def finish(self) -> None:
        self._write("\r" + " " * 100 + "\r")

    def _write(self, text: str) -> None:
        self.stderr.write(text, style_func=lambda plain: plain, ending="")
        self.stderr.flush()


def summary(totals: dict[str, int], seconds: float, *, dry_run: bool, interrupted: bool) -> str:
    owned = [f"{count:,} {name.replace('_', ' ')}" for name, count in totals.items() if name != "executions"]
    noun = "execution" if totals["executions"] == 1 else "executions"
    what = f"{totals['executions']:,} {noun} with {', '.join(owned[:-1])} and {owned[-1]}"
    rate = f"{totals['log_lines'] / seconds:,.0f} log lines/s, " if seconds else ""
    rate += f"{totals['executions'] / seconds:,.0f} executions/s" if seconds else ""
    timing = f"in {seconds:.1f} s" + (f" ({rate})" if rate and not dry_run else "")
    if dry_run:
        text = f"Would delete {what} (dry run: nothing was deleted; counted {timing})."
    else:
        text = f"Deleted {what} {timing}."
    if interrupted:
        text = f"Interrupted between batches. {text} Run it again to go on."
    return text


class Command(BaseCommand):
    help = ("Deletes final executions created more than DAYS ago, with their steps, log lines and events, in "
            "batches of --batch-size executions, each its own short transaction. A retry chain goes whole or "
            "stays whole: an execution whose next attempt is younger or unfinished is kept with it. Safe to run "
            "while the API writes (e.g. from cron daily). Ctrl-C stops after the batch in flight (exit code 130).")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, type=bounded_int(MAX_DAYS), metavar="DAYS",
                            help="Delete final executions created more than DAYS days ago.")
        parser.add_argument("--tenant", metavar="SLUG_OR_ID", help="Only this tenant's executions (default: all).")
        parser.add_argument("--batch-size", type=bounded_int(retention.MAX_BATCH_SIZE), metavar="N",
                            default=retention.DEFAULT_BATCH_SIZE,
                            help=f"Executions per transaction (default {retention.DEFAULT_BATCH_SIZE}).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")

    def handle(self, *args, **options):
        tenant = tenant_argument(options["tenant"]) if options["tenant"] is not None else None
        tenant_id = tenant.pk if tenant else None
        cutoff = timezone.now() - timedelta(days=options["older_than"])
        dry_run = options["dry_run"]
        totals = dict.fromkeys(retention.count_names(), 0)
        progress = None
        if self.stderr.isatty():
            progress = Progress(self.stderr, retention.executions_prunable_count(cutoff=cutoff, tenant_id=tenant_id))
        started = time.monotonic()
        interrupted = False
        batches = retention.executions_prune(cutoff=cutoff, tenant_id=tenant_id, batch_size=options["batch_size"],
                                             dry_run=dry_run)
        with interrupts_between_batches() as asked:
            try:
                for batch in batches:
                    for name, count in batch.counts.items():
                        totals[name] += count
                    if progress:
                        progress.update(batch.examined, totals)
                    if asked.is_set():
                        interrupted = True
                        break
            except KeyboardInterrupt:  # a second Ctrl-C: the batch in flight rolled back
                interrupted = True
            finally:
                batches.close()
                if progress:
                    progress.finish()
        seconds = time.monotonic() - started
        payload = {**totals, "seconds": round(seconds, 3)}
        if dry_run:
            payload["dry_run"] = True
        if interrupted:
            payload["interrupted"] = True
        self.emit(options, payload, summary(totals, seconds, dry_run=dry_run, interrupted=interrupted))
        if interrupted:
            self.stdout.flush()
            raise SystemExit(130)
