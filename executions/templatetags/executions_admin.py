"""The admin index's dashboard, as a tag: the default admin site stays as it is, and the index
template asks for the dashboard of the request's user."""

import json

from django import template

from executions.admin.dashboard import execution_dashboard
from rbac.admin_scope import request_scope

register = template.Library()


@register.inclusion_tag("admin/executions/dashboard.html", takes_context=True)
def executions_dashboard(context):
    request = context["request"]
    user = request.user
    if not (user.has_perm("executions.view_execution") or user.has_perm("executions.change_execution")):
        return {"show": False}
    return {"show": True, "dashboard": execution_dashboard(scope=request_scope(request))}


@register.filter
def pretty_json_text(value) -> str:
    """A JSON value indented for a <pre> (the template escapes it)."""
    return json.dumps(value, indent=2, ensure_ascii=False)
