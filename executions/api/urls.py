"""Explicit routes: DRF routers neither nest nor make the trailing slash optional."""

from django.urls import re_path

from executions.api.views import ExecutionViewSet, LogViewSet, RuleExecutionViewSet, RuleViewSet, StepViewSet

app_name = "executions"
ID = r"(?P<pk>[^/]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view, name=name)


urlpatterns = [
    route("executions", ExecutionViewSet.as_view({"get": "list", "post": "create"}), "execution-list"),
    route(f"executions/{ID}", ExecutionViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
          "execution-detail"),
    route(f"executions/{ID}/retry", ExecutionViewSet.as_view({"post": "retry"}), "execution-retry"),
    route(f"executions/{ID}/cancel", ExecutionViewSet.as_view({"post": "cancel"}), "execution-cancel"),
    route(f"executions/{ID}/events", ExecutionViewSet.as_view({"get": "events"}), "execution-events"),
    route(r"executions/(?P<execution_id>[^/]+)/steps", StepViewSet.as_view({"get": "list", "post": "create"}),
          "step-list"),
    route(r"executions/(?P<execution_id>[^/]+)/steps/(?P<key>[^/]+)",
          StepViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), "step-detail"),
    route(r"executions/(?P<execution_id>[^/]+)/logs", LogViewSet.as_view({"get": "list", "post": "create"}),
          "log-list"),
    route("rules", RuleViewSet.as_view({"get": "list", "post": "create"}), "rule-list"),
    route(f"rules/{ID}", RuleViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
          "rule-detail"),
    route(r"rules/(?P<rule_id>[^/]+)/executions", RuleExecutionViewSet.as_view({"get": "list"}),
          "rule-execution-list"),
    route(rf"rules/(?P<rule_id>[^/]+)/executions/{ID}", RuleExecutionViewSet.as_view({"get": "retrieve"}),
          "rule-execution-detail"),
]
