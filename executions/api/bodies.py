"""The JSON bodies of the API. Executions, steps, log lines and events are written by the database
(documents.py declares their fields); this module adds their `_links` and shapes the rest (rules)
from model rows. The `*OutputSerializer` classes in serializers.py document the same shapes."""

from uuid import UUID

import orjson

from config.times import iso
from executions import selectors
from executions.api import documents
from executions.api.links import execution_links, rule_links
from executions.models import AutomationRule


def rule_body(rule: AutomationRule, root: str) -> dict:
    return {
        "id": str(rule.pk),
        "name": rule.name,
        "description": rule.description,
        "trigger": rule.trigger,
        "actions": rule.actions,
        "timeout_seconds": rule.timeout_seconds,
        "is_enabled": rule.is_enabled,
        "version": rule.version,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "_links": rule_links(rule, root),
    }


def extended(document: str, members: dict) -> bytes:
    """A body the database wrote, with `members` (links, an embedded rule) added at its end."""
    head = documents.finish(document).encode()[:-1].rstrip()
    separator = b"" if head.endswith(b"{") else b","
    return head + separator + orjson.dumps(members)[1:]


def execution_body(*, tenant_id: UUID, execution_id: UUID, root: str, names: tuple[str, ...] | None = None,
                   with_rule: bool = False, rule_id: UUID | None = None) -> bytes | None:
    """One execution, whole (or its `names` fields), with `rule` when asked and its `_links`; None
    when the tenant has no such execution (of `rule_id`, when given)."""
    found = documents.execution_document(tenant_id=tenant_id, execution_id=execution_id, names=names,
                                         rule_id=rule_id)
    if found is None:
        return None
    document, state = found
    members = {}
    if with_rule:
        members["rule"] = rule_body(selectors.rule_get(tenant_id=tenant_id, rule_id=state.rule_id), root)
    members["_links"] = execution_links(state, root)
    return extended(document, members)


def execution_item_body(row, root: str) -> bytes:
    """A list item: a row of documents.with_documents(...) with the LinkState columns."""
    return extended(row.document, {"_links": execution_links(row, root)})


def array(items: list[str]) -> bytes:
    """A JSON array of bodies the database wrote."""
    return ("[" + ",".join(documents.finish(item) for item in items) + "]").encode()
