"""Every `_links` of the API, from the state of the object: the one place that knows which
actions the lifecycle allows, so that links and lifecycle cannot disagree."""

from django.conf import settings

from executions.lifecycle import execution_can_cancel, execution_can_retry
from executions.models import AutomationRule

API_PATH = "/api/v1/automation"


def api_root(request=None) -> str:
    """The absolute root of the API: from the request, or PUBLIC_BASE_URL outside one."""
    if request is None:
        return settings.PUBLIC_BASE_URL + API_PATH
    return f"{request.scheme}://{request.get_host()}{API_PATH}"


def execution_url(root: str, execution_id) -> str:
    return f"{root}/executions/{execution_id}"


def step_url(root: str, execution_id, key: str) -> str:
    return f"{execution_url(root, execution_id)}/steps/{key}"


def logs_url(root: str, execution_id, *, after: int | None = None) -> str:
    """An execution's log lines; with `after`, those past that sequence number."""
    url = f"{execution_url(root, execution_id)}/logs"
    return url if after is None else f"{url}?after={after}"


def rule_url(root: str, rule_id) -> str:
    return f"{root}/rules/{rule_id}"


def _get(href: str) -> dict:
    return {"href": href, "method": "GET"}


def _post(href: str) -> dict:
    return {"href": href, "method": "POST"}


def execution_links(execution, root: str) -> dict:
    """Links of an execution from its documents.LinkState (or any object with the same
    attributes: its id, rule id, status, the rule's state, and the ids of its attempts)."""
    this = execution_url(root, execution.pk)
    next_attempt = execution.next_attempt_ref
    links = {
        "self": _get(this),
        "rule": _get(rule_url(root, execution.rule_id)),
        "steps": _get(f"{this}/steps"),
        "logs": _get(logs_url(root, execution.pk)),
        "events": _get(f"{this}/events"),
    }
    if execution_can_retry(execution, rule_is_enabled=execution.rule_is_enabled,
                           has_next_attempt=next_attempt is not None):
        links["retry"] = _post(f"{this}/retry")
    if execution_can_cancel(execution):
        links["cancel"] = _post(f"{this}/cancel")
    if execution.retry_of_id is not None:
        links["previous_attempt"] = _get(execution_url(root, execution.retry_of_id))
    if next_attempt is not None:
        links["next_attempt"] = _get(execution_url(root, next_attempt))
    return links


def rule_links(rule: AutomationRule, root: str) -> dict:
    this = rule_url(root, rule.pk)
    return {"self": _get(this), "executions": _get(f"{this}/executions")}


def api_root_links(root: str) -> dict:
    """Where a client starts: the collections, the schema and the docs."""
    site = root.removesuffix(API_PATH)
    return {
        "self": _get(root),
        "executions": _get(f"{root}/executions"),
        "rules": _get(f"{root}/rules"),
        "failures": _get(f"{root}/failures"),
        "webhooks": _get(f"{root}/webhooks"),
        "schema": _get(f"{site}/api/schema/"),
        "docs": _get(f"{site}/api/docs/"),
    }


def failure_group_links(fingerprint: str, root: str) -> dict:
    return {"executions": _get(f"{root}/executions?error_fingerprint={fingerprint}"),
            "bulk_retry": _post(f"{root}/executions/bulk-retry")}


def webhook_url(root: str, webhook_id) -> str:
    return f"{root}/webhooks/{webhook_id}"


def webhook_links(webhook_id, root: str) -> dict:
    this = webhook_url(root, webhook_id)
    return {"self": _get(this), "deliveries": _get(f"{this}/deliveries"),
            "rotate_secret": _post(f"{this}/rotate-secret"), "ping": _post(f"{this}/ping")}


def delivery_url(root: str, webhook_id, delivery_id) -> str:
    return f"{webhook_url(root, webhook_id)}/deliveries/{delivery_id}"


def delivery_links(webhook_id, delivery_id, root: str) -> dict:
    this = delivery_url(root, webhook_id, delivery_id)
    return {"self": _get(this), "webhook": _get(webhook_url(root, webhook_id)),
            "redeliver": _post(f"{this}/redeliver")}
