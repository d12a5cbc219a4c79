class RbacError(Exception):
    """A refused change of tenants, roles or keys; the message says why."""
