"""Domain errors raised by services; the problem handler maps them to HTTP statuses."""


class DomainError(Exception):
    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    """No such object in the tenant."""


class Conflict(DomainError):
    """The request conflicts with the object's current state."""


class Invalid(DomainError):
    """A value is invalid against stored state (e.g. a counter past `actions_total`)."""


class IllegalTransition(Conflict):
    """A status move the lifecycle does not allow."""


class AlreadyRetried(Conflict):
    """An execution is retried at most once: it has its next attempt."""


class RuleDisabled(Conflict):
    """An execution of a disabled rule cannot be started or retried."""


class IdempotencyConflict(Conflict):
    """An idempotency key reused with another body."""
