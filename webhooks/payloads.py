"""The bodies that deliveries carry: `{"id", "type", "created_at", "tenant", "data"}`, where an
execution event's `data` is `{"execution": <the list item, with its _links>, "previous_status"}`."""

from datetime import datetime
from uuid import UUID

import orjson

from config.times import iso
from executions import selectors as execution_selectors
from executions.api import bodies, documents
from executions.api.links import api_root
from executions.models import Execution, ExecutionEvent
from webhooks.models import PING, Subscription


def execution_items(execution_ids: set[UUID]) -> dict[UUID, dict]:
    """The list items of these executions (as GET /executions shows them), by id: one query."""
    if not execution_ids:
        return {}
    executions = execution_selectors.with_link_state(Execution.objects.filter(pk__in=execution_ids))
    rows = documents.with_documents(executions, documents.EXECUTION_ITEM_FIELDS).values_list(
        "document", *documents.LinkState._fields, named=True)
    # Links are absolute: PUBLIC_BASE_URL, since no request is at hand.
    root = api_root()
    return {UUID(str(row.pk)): orjson.loads(bodies.execution_item_body(row, root)) for row in rows}


def event_payload(event: ExecutionEvent, execution: dict | None) -> dict:
    return {
        "id": str(event.pk),
        "type": event.type,
        "created_at": iso(event.created_at),
        "tenant": str(event.tenant_id),
        "data": {"execution": execution, "previous_status": event.previous_status},
    }


def ping_payload(*, ping_id: UUID, subscription: Subscription, at: datetime) -> dict:
    return {
        "id": str(ping_id),
        "type": PING,
        "created_at": iso(at),
        "tenant": str(subscription.tenant_id),
        "data": {"webhook_id": str(subscription.pk)},
    }


def body_text(payload: dict) -> str:
    """The JSON text that is sent and signed."""
    return orjson.dumps(payload).decode()
