from enum import StrEnum


class DeliveryType(StrEnum):
    EXECUTION_CANCELLED = "execution.cancelled"
    EXECUTION_COMPLETED = "execution.completed"
    EXECUTION_CREATED = "execution.created"
    EXECUTION_FAILED = "execution.failed"
    EXECUTION_RETRIED = "execution.retried"
    EXECUTION_STATUS_CHANGED = "execution.status_changed"
    EXECUTION_TIMED_OUT = "execution.timed_out"
    WEBHOOK_PING = "webhook.ping"

    def __str__(self) -> str:
        return str(self.value)
