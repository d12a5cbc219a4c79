"""The admin of executions and rules; importing the package registers them."""

from executions.admin.executions import ExecutionAdmin
from executions.admin.rules import RuleAdmin

__all__ = ["ExecutionAdmin", "RuleAdmin"]
