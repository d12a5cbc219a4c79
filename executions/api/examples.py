"""Realistic examples for the schema: one order-confirmation run of a three-action rule, failed at
its second action, as the API answers it. tests/test_schema_conformance.py holds each example to
exactly the fields of its component, so they cannot drift from the bodies."""

from types import SimpleNamespace

from drf_spectacular.utils import OpenApiExample

from config.problems import problem_type
from executions.api.links import api_root_links, execution_links, failure_group_links, rule_links

ROOT = "https://tracking.example.com/api/v1/automation"
TENANT = "01936f0e-5a1b-7c3d-8e4f-5a6b7c8d9e0f"
RULE = "01936f0e-7b2c-7d4e-9f50-6b7c8d9e0f1a"
EXECUTION = "01936f10-2c3d-7e4f-a061-7c8d9e0f1a2b"
EVENT = "01936f10-2c3e-7f50-b172-8d9e0f1a2b3c"

# What links need of an execution (documents.LinkState's attributes).
LINK_STATE = SimpleNamespace(pk=EXECUTION, rule_id=RULE, status="failed", retry_of_id=None, rule_is_enabled=True,
                             next_attempt_ref=None)


ACTIONS = [
    {"type": "http", "name": "Reserve stock", "url": "https://inventory.example/reserve"},
    {"type": "email", "name": "Email the customer", "template": "order-confirmation"},
    {"type": "slack", "name": "Tell #orders", "channel": "#orders"},
]

RULE_BODY = {
    "id": RULE,
    "name": "Order confirmation",
    "description": "Reserve stock, email the customer and tell the team.",
    "trigger": "order.created",
    "actions": ACTIONS,
    "timeout_seconds": 900,
    "is_enabled": True,
    "version": 2,
    "created_at": "2026-11-02T09:15:00Z",
    "updated_at": "2026-11-20T16:40:12Z",
    "_links": rule_links(SimpleNamespace(pk=RULE), ROOT),
}

STEPS = [
    {"key": "reserve-stock", "name": "Reserve stock", "type": "http", "status": "completed", "position": 0,
     "started_at": "2026-11-25T10:00:00.120Z", "completed_at": "2026-11-25T10:00:00.480Z",
     "output": {"reservation": "R-88213"}, "error": None},
    {"key": "email-customer", "name": "Email the customer", "type": "email", "status": "failed", "position": 1,
     "started_at": "2026-11-25T10:00:00.500Z", "completed_at": "2026-11-25T10:00:03.010Z",
     "output": None, "error": "SMTP 451: temporary failure, try again later"},
    {"key": "notify-slack", "name": "Tell #orders", "type": "slack", "status": "cancelled", "position": 2,
     "started_at": None, "completed_at": "2026-11-25T10:00:03.020Z", "output": None, "error": None},
]

LOG_LINES = [
    {"sequence": 1, "timestamp": "2026-11-25T10:00:00.125Z", "level": "info", "message": "Reserving 2 items",
     "action_index": 0, "step_key": "reserve-stock", "event_type": None, "metadata": {"items": 2}},
    {"sequence": 2, "timestamp": "2026-11-25T10:00:03.005Z", "level": "error",
     "message": "SMTP 451 from mail.example: temporary failure", "action_index": 1, "step_key": "email-customer",
     "event_type": "smtp.error", "metadata": {"attempts": 3}},
]

EXECUTION_ITEM = {
    "execution_id": EXECUTION,
    "automation_rule_id": RULE,
    "trigger_data": {"order_id": 4711, "customer": "c-1029"},
    "status": "failed",
    "status_reason": "The mail server refused the message three times.",
    "waiting_until": None,
    "started_at": "2026-11-25T10:00:00.100Z",
    "completed_at": "2026-11-25T10:00:03.030Z",
    "duration_ms": 2930,
    "actions_total": 3,
    "actions_successful": 1,
    "actions_failed": 1,
    "error_message": "SMTP 451: temporary failure, try again later",
    "error_stack": None,
    "failed_action_index": 1,
    "execution_context": {"engine": "orders-worker-2"},
    "tenant": TENANT,
    "attempt": 1,
    "retry_of": None,
    "triggered_by": "webhook:shop",
    "idempotency_key": "order-4711-confirmation",
    "external_ref": "order-4711",
    "rule_version": 2,
    "error_fingerprint": "5d1e0c3a9b7f2e46",
    "created_at": "2026-11-25T10:00:00.010Z",
    "updated_at": "2026-11-25T10:00:03.030Z",
    "_links": execution_links(LINK_STATE, ROOT),
}

_detail = {name: value for name, value in EXECUTION_ITEM.items() if name != "_links"}
EXECUTION_BODY = {
    **_detail,
    "output": None,
    "logs": LOG_LINES,
    "logs_truncated": False,
    "steps": STEPS,
    "previous_step": STEPS[1],
    "next_step": None,
    "_links": EXECUTION_ITEM["_links"],
}

EVENTS = [
    {"id": EVENT, "type": "execution.created", "created_at": "2026-11-25T10:00:00.010Z", "previous_status": None,
     "status": "pending", "actor": "key:Xk3p9QaZ", "data": {}},
    {"id": "01936f10-2c3f-7061-8283-9e0f1a2b3c4d", "type": "execution.failed",
     "created_at": "2026-11-25T10:00:03.030Z", "previous_status": "running", "status": "failed",
     "actor": "key:Xk3p9QaZ", "data": {}},
]


def _page(items: list) -> dict:
    return {"data": items, "pagination": {"next": f"{ROOT}/executions?page_size=1&cursor=WyJuIiwiMjAyNiJd",
                                          "previous": None}}


def answer(summary: str, value: dict) -> OpenApiExample:
    return OpenApiExample(summary, value=value, response_only=True)


def sent(summary: str, value: dict) -> OpenApiExample:
    return OpenApiExample(summary, value=value, request_only=True)


# Request bodies
START = {"automation_rule_id": RULE, "trigger_data": {"order_id": 4711, "customer": "c-1029"},
         "triggered_by": "webhook:shop", "external_ref": "order-4711", "idempotency_key": "order-4711-confirmation"}
REPORT = {"status": "failed", "status_reason": "The mail server refused the message three times.",
          "actions_successful": 1, "actions_failed": 1, "failed_action_index": 1,
          "error_message": "SMTP 451: temporary failure, try again later"}
STEP_NEW = {"key": "email-customer", "name": "Email the customer", "type": "email", "status": "running"}
STEP_CHANGE = {"status": "failed", "error": "SMTP 451: temporary failure, try again later"}
LOGS_NEW = {"entries": [{"level": "info", "message": "Reserving 2 items", "step_key": "reserve-stock",
                         "action_index": 0, "metadata": {"items": 2}}]}
RULE_NEW = {"name": "Order confirmation", "trigger": "order.created", "actions": ACTIONS, "timeout_seconds": 900}
CANCEL = {"reason": "The customer cancelled the order."}

# Problems, by status
REQUEST_ID = "5f0c7a1e-3b7d-4c52-9d1e-2f8a6b4c0d13"


def _problem(kind: str, status: int, title: str, detail: str, **more) -> dict:
    return {"type": problem_type(kind), "title": title, "status": status, "detail": detail, "request_id": REQUEST_ID,
            **more}


PROBLEMS = {
    400: ("Invalid fields", _problem(
        "validation-error", 400, "The request body or parameters are invalid",
        "trigger_data: This field is required. (and 1 more)",
        errors={"trigger_data": ["This field is required."],
                "automation_rule_id": ["Must be a UUID in its canonical hyphenated form."]})),
    401: ("No valid key", _problem("not-authenticated", 401, "Authentication is required",
                                   "The API key is revoked.")),
    403: ("Not allowed", _problem("forbidden", 403, "Not allowed",
                                  "Your role lacks the permission automation:execute.")),
    404: ("No such object", _problem("not-found", 404, "Not found", f"No execution {EXECUTION}.")),
    409: ("A conflict with the current state", _problem(
        "conflict", 409, "The request conflicts with the current state",
        "The execution is completed, a final status, and can no longer change (requested: failed).")),
    413: ("Too large", _problem("payload-too-large", 413, "The body is too large",
                                "The body is over 8388608 bytes.")),
    429: ("Too many requests", _problem("rate-limited", 429, "Too many requests",
                                        "Request rate limit exceeded; retry in 12 seconds.")),
}

# Response bodies, by component: each is {"data": ...} (and pagination for a page).
API_ROOT = {"data": {"_links": api_root_links(ROOT)}}
FINGERPRINT = EXECUTION_ITEM["error_fingerprint"]
FAILURE_GROUPS = {"data": [{
    "error_fingerprint": FINGERPRINT, "automation_rule_id": RULE, "rule_name": "Order confirmation",
    "message": "SMTP <n>: temporary failure, try again later", "count": 1843, "retryable": 1790,
    "first_seen": "2026-11-25T09:02:11.431Z", "last_seen": "2026-11-25T10:00:00.010Z",
    "sample_execution_id": EXECUTION, "_links": failure_group_links(FINGERPRINT, ROOT),
}]}
BULK_RETRY = {"filter": {"error_fingerprint": FINGERPRINT}, "dry_run": True, "limit": 2}
BULK_DRY_RUN = {"data": {"dry_run": True, "matched": 1843, "more": True, "acted": 1,
                         "skipped": {"already_retried": 1}, "results": [
                             {"execution_id": EXECUTION, "outcome": "would_retry", "next_attempt": None},
                             {"execution_id": "01936f10-4d5e-7f60-8172-839405a6b7c8", "outcome": "already_retried",
                              "next_attempt": None}]}}
BULK_CANCEL = {"filter": {"status": ["waiting"], "automation_rule_id": RULE}, "reason": "The approval flow moved.",
               "limit": 100}
BULK_CANCELLED = {"data": {"dry_run": False, "matched": 1, "more": False, "acted": 1, "skipped": {}, "results": [
    {"execution_id": EXECUTION, "outcome": "cancelled", "next_attempt": None}]}}
EXECUTION_ENVELOPE = {"data": EXECUTION_BODY}
EXECUTION_PAGE = _page([EXECUTION_ITEM])
RULE_ENVELOPE = {"data": RULE_BODY}
RULE_PAGE = _page([RULE_BODY])
STEP_ENVELOPE = {"data": STEPS[1]}
STEP_LIST = {"data": STEPS}
LOG_PAGE = _page(LOG_LINES)
EVENT_LIST = {"data": EVENTS}
LOGS_APPENDED = {"data": {"count": 1, "first_sequence": 3, "last_sequence": 3}}
