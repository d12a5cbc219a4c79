"""Errors of the tenants' services."""


class TenantError(Exception):
    """A refused change of tenants; `detail` says why."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Invalid(TenantError):
    """A value refused whatever is stored (a slug that is no slug, or is shaped like a UUID)."""


class Conflict(TenantError):
    """A slug another tenant has."""
