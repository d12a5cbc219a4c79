"""Explicit routes: DRF routers neither nest nor make the trailing slash optional."""

from django.urls import re_path

from executions.api.views import (
    ApiRootViewSet,
    ExecutionViewSet,
    FailureViewSet,
    LogViewSet,
    RuleExecutionViewSet,
    RuleViewSet,
    StepViewSet,
)

app_name = "executions"
EXECUTION = r"(?P<execution_id>[^/]+)"
RULE = r"(?P<rule_id>[^/]+)"
STEP = r"(?P<step_key>[^/]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view, name=name)


urlpatterns = [
    route("", ApiRootViewSet.as_view({"get": "retrieve"}), "api-root"),
    route("executions", ExecutionViewSet.as_view({"get": "list", "post": "create"}), "execution-list"),
    # Before the detail route, whose pattern would take these names as ids.
    route("executions/bulk-retry", ExecutionViewSet.as_view({"post": "bulk_retry"}), "execution-bulk-retry"),
    route("executions/bulk-cancel", ExecutionViewSet.as_view({"post": "bulk_cancel"}), "execution-bulk-cancel"),
    route(f"executions/{EXECUTION}", ExecutionViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
          "execution-detail"),
    route(f"executions/{EXECUTION}/retry", ExecutionViewSet.as_view({"post": "retry"}), "execution-retry"),
    route(f"executions/{EXECUTION}/cancel", ExecutionViewSet.as_view({"post": "cancel"}), "execution-cancel"),
    route(f"executions/{EXECUTION}/events", ExecutionViewSet.as_view({"get": "events"}), "execution-events"),
    route(f"executions/{EXECUTION}/steps", StepViewSet.as_view({"get": "list", "post": "create"}),
          "step-list"),
    route(f"executions/{EXECUTION}/steps/{STEP}",
          StepViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), "step-detail"),
    route(f"executions/{EXECUTION}/logs", LogViewSet.as_view({"get": "list", "post": "create"}),
          "log-list"),
    route("failures", FailureViewSet.as_view({"get": "list"}), "failure-list"),
    route("rules", RuleViewSet.as_view({"get": "list", "post": "create"}), "rule-list"),
    route(f"rules/{RULE}", RuleViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
          "rule-detail"),
    route(f"rules/{RULE}/executions", RuleExecutionViewSet.as_view({"get": "list"}),
          "rule-execution-list"),
    route(f"rules/{RULE}/executions/{EXECUTION}", RuleExecutionViewSet.as_view({"get": "retrieve"}),
          "rule-execution-detail"),
]
