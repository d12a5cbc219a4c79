"""Failure groups (GET /failures): a tenant's failed and timed-out executions of a window, grouped
by error fingerprint. Two queries whatever the numbers: the groups (one grouped scan of the
partial index exec_tenant_failures), then their sample messages."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count, Max, Min, Q, TextField
from django.db.models.functions import Cast

from executions import selectors
from executions.fingerprints import normalised
from executions.models import Execution

MAX_GROUPS = 100
MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class FailureGroup:
    error_fingerprint: str
    automation_rule_id: UUID
    rule_name: str
    message: str
    count: int
    retryable: int
    first_seen: datetime
    last_seen: datetime
    sample_execution_id: UUID


def _in_window(failures, since: datetime, until: datetime):
    # Only a failed or timed-out execution has a fingerprint (services._move sets it on those moves
    # alone, and a final status never changes): no status test, so the partial index
    # exec_tenant_failures (tenant, created_at, error_fingerprint, rule) answers the scan by itself.
    return failures.filter(error_fingerprint__isnull=False, created_at__gte=since, created_at__lt=until)


def _grouped(failures, group_by: tuple[str, ...], limit: int) -> list[dict]:
    """The groups of `failures` by fingerprint (and `group_by`), most executions first (ties by
    fingerprint), each with its counts, times and a sample's normalised message: two queries."""
    rows = list(
        failures.values("error_fingerprint", "rule_id", "rule__name", *group_by)
        .annotate(
            count=Count("id"),
            # What a retry would accept now: not retried yet, its rule enabled (both statuses retry).
            retryable=Count("id", filter=Q(next_attempt__isnull=True, rule__is_enabled=True)),
            first_seen=Min("created_at"),
            last_seen=Max("created_at"),
            # Ids are UUIDv7: the greatest is the newest, a sample whose message stands for them all.
            sample=Max(Cast("id", TextField())),
        )
        .order_by("-count", "error_fingerprint")[:limit]
    )
    for row in rows:
        row["sample"] = UUID(str(row["sample"]))
    messages = dict(Execution.objects.filter(pk__in=[row["sample"] for row in rows]).values_list("pk", "error_message"))
    for row in rows:
        row["message"] = normalised(messages.get(row["sample"]) or "")
    return rows


def _group_fields(row: dict) -> dict:
    return {"error_fingerprint": row["error_fingerprint"], "automation_rule_id": row["rule_id"],
            "rule_name": row["rule__name"], "message": row["message"], "count": row["count"],
            "retryable": row["retryable"], "first_seen": row["first_seen"], "last_seen": row["last_seen"],
            "sample_execution_id": row["sample"]}


def failure_groups(*, tenant_id: UUID, since: datetime, until: datetime, rule_id: UUID | None = None,
                   limit: int = MAX_GROUPS) -> list[FailureGroup]:
    """The groups of the tenant's window [since, until), most executions first."""
    failures = _in_window(selectors.execution_queryset(tenant_id=tenant_id), since, until)
    if rule_id is not None:
        failures = failures.filter(rule_id=rule_id)
    return [FailureGroup(**_group_fields(row)) for row in _grouped(failures, (), limit)]


@dataclass(frozen=True)
class TenantFailureGroup(FailureGroup):
    """A failure group with the tenant it belongs to, for a reader of several tenants (the admin)."""

    tenant_id: UUID
    tenant_name: str
    tenant_slug: str


def failure_groups_of_tenants(*, tenant_ids: list[UUID] | None, since: datetime, until: datetime,
                              limit: int = MAX_GROUPS) -> list[TenantFailureGroup]:
    """failure_groups over several tenants at once (every tenant when `tenant_ids` is None), each
    group naming its tenant, most executions first: the same two queries whatever the number of
    tenants (a group is one tenant's: its fingerprint names a rule)."""
    if tenant_ids is not None and not tenant_ids:
        return []
    failures = _in_window(Execution.objects.all(), since, until)
    if tenant_ids is not None:
        failures = failures.filter(tenant_id__in=tenant_ids)
    return [
        TenantFailureGroup(**_group_fields(row), tenant_id=row["tenant_id"], tenant_name=row["tenant__name"],
                           tenant_slug=row["tenant__slug"])
        for row in _grouped(failures, ("tenant_id", "tenant__name", "tenant__slug"), limit)
    ]
