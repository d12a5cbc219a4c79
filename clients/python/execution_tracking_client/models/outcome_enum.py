from enum import StrEnum


class OutcomeEnum(StrEnum):
    ALREADY_RETRIED = "already_retried"
    CANCELLED = "cancelled"
    NOT_CANCELLABLE_STATUS = "not_cancellable_status"
    NOT_RETRYABLE_STATUS = "not_retryable_status"
    RETRIED = "retried"
    RULE_DISABLED = "rule_disabled"
    WOULD_CANCEL = "would_cancel"
    WOULD_RETRY = "would_retry"

    def __str__(self) -> str:
        return str(self.value)
