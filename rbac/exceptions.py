"""Errors of rbac's services. Their messages name no command-line flag or form field: commands
and the admin say how to do it differently in their own words (see RoleHeld)."""


class RbacError(Exception):
    """A refused change of roles, role assignments or keys; `detail` says why."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(RbacError):
    """No role, key or staff group of that name."""


class Conflict(RbacError):
    """The change conflicts with what is stored (a name taken, a role already held)."""


class Invalid(RbacError):
    """A value the service refuses whatever is stored; `field` names the argument."""

    def __init__(self, detail: str, *, field: str):
        super().__init__(detail)
        self.field = field


class RoleHeld(Conflict):
    """The user already holds another role in the tenant, and replacing it was not asked for."""

    def __init__(self, *, username: str, tenant: str, held: str, wanted: str):
        self.username, self.tenant, self.held, self.wanted = username, tenant, held, wanted
        super().__init__(self.with_hint("it changes only when replaced on purpose (for all of the user's keys there)"))

    def with_hint(self, hint: str) -> str:
        """The refusal with the caller's way of replacing the role, e.g. a command's flag."""
        return f"{self.username} already holds the role {self.held!r} in {self.tenant}; {hint}."
