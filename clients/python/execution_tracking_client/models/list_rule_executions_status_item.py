from enum import StrEnum


class ListRuleExecutionsStatusItem(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    PENDING = "pending"
    RUNNING = "running"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"
    WAITING = "waiting"

    def __str__(self) -> str:
        return str(self.value)
