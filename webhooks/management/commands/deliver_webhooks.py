import signal
import sys

from config.commands import Command as BaseCommand
from webhooks.worker import Worker


class Command(BaseCommand):
    help = ("Sends due webhook deliveries. Without --once it runs until stopped; SIGTERM or SIGINT finish "
            "the attempts in hand first. Several may run at once on PostgreSQL.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait when there is nothing to do (default 1).")

    def handle(self, *args, **options):
        worker = Worker()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, lambda *_: worker.stop())
        try:
            if options["once"]:
                tally = worker.run_once()
            else:
                tally = worker.run_forever(interval=options["interval"], on_round=self._progress(options))
        finally:
            worker.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        counts = {"events": tally.dispatched, "succeeded": tally.succeeded, "retrying": tally.retrying,
                  "failed": tally.failed}
        if not options["once"] and self.stdout.isatty():
            self.stdout.write("")
        self.emit(options, counts, f"{tally.dispatched} events; {tally.succeeded} delivered, {tally.retrying} to "
                                   f"retry, {tally.failed} failed.")

    def _progress(self, options):
        """On a terminal, one line rewritten in place after each round."""
        if options["json"] or not sys.stdout.isatty():
            return None

        def show(tally):
            self.stdout.write(f"\r{tally.dispatched} events, {tally.succeeded} delivered, {tally.retrying} to retry, "
                              f"{tally.failed} failed", ending="")
            self.stdout.flush()

        return show
