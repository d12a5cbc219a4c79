"""The admin of executions and rules; importing the package registers them, and names the site
after the service it runs (the default admin site: its header, title and index)."""

from django.contrib import admin

from executions.admin.executions import ExecutionAdmin
from executions.admin.rules import RuleAdmin

admin.site.site_header = "Execution tracking"
admin.site.site_title = "Execution tracking"
admin.site.index_title = "Execution tracking: runs, rules and access"

__all__ = ["ExecutionAdmin", "RuleAdmin"]
