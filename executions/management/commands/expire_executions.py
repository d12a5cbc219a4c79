from config.commands import Command as BaseCommand
from executions.services import executions_expire


class Command(BaseCommand):
    help = ("Moves to timeout every pending or running execution that outran its rule's timeout_seconds, and "
            "every waiting one whose waiting_until lies more than that in the past (one without waiting_until "
            "waits until it is moved). Safe to run while the API is writing (e.g. from cron every minute).")

    def handle(self, *args, **options):
        expired = executions_expire()
        ids = [str(pk) for pk in expired]
        noun = "execution" if len(ids) == 1 else "executions"
        self.emit(
            options,
            {"expired": len(ids), "ids": ids},
            "\n".join([f"Moved {len(ids)} {noun} to timeout.", *ids]),
        )
