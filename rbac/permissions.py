from rest_framework.permissions import BasePermission

from rbac.authentication import KeyContext
from rbac.models import Permission

NO_ROLE = "The key's user holds no role in the key's tenant."


class HasPermission(BasePermission):
    """Allows a caller whose role in the key's tenant holds `code`."""

    code: str = ""

    def has_permission(self, request, view) -> bool:
        context = request.auth
        if not isinstance(context, KeyContext):
            return False  # DRF answers 401 for an unauthenticated request
        if context.permissions is None:
            self.message = NO_ROLE
            return False
        self.message = f"The key's role lacks the permission {self.code}."
        return self.code in context.permissions


class CanRead(HasPermission):
    """Allows holders of automation:read."""

    code = Permission.READ


class CanWrite(HasPermission):
    """Allows holders of automation:write."""

    code = Permission.WRITE


class CanExecute(HasPermission):
    """Allows holders of automation:execute."""

    code = Permission.EXECUTE
