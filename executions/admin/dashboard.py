"""The admin index's dashboard: what ran in the last 24 hours per tenant, and what failed last."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count
from django.utils import timezone

from executions.models import Execution
from rbac.selectors import StaffScope

STATUSES = tuple(Execution.Status.values)
FAILURES_SHOWN = 10


@dataclass(frozen=True)
class TenantActivity:
    tenant_id: UUID
    name: str
    counts: list[tuple[str, int]]  # (status, count) in the order of STATUSES
    total: int


@dataclass(frozen=True)
class Dashboard:
    since: datetime
    statuses: tuple[str, ...]
    tenants: list[TenantActivity]
    failures: list[Execution]


def execution_dashboard(*, scope: StaffScope, now: datetime | None = None) -> Dashboard:
    """Two queries whatever the number of executions: counts grouped by tenant and status, and the
    newest failures (both on indexes that lead with created_at or status)."""
    since = (now or timezone.now()) - timedelta(hours=24)
    rows = (
        scope.restrict(Execution.objects.filter(created_at__gte=since))
        .values_list("tenant_id", "tenant__name", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[UUID, dict[str, int]] = {}
    names: dict[UUID, str] = {}
    for tenant_id, name, status, count in rows:
        names[tenant_id] = name
        counts.setdefault(tenant_id, {})[status] = count
    tenants = sorted(
        (TenantActivity(tenant_id, names[tenant_id], [(s, by_status.get(s, 0)) for s in STATUSES],
                        sum(by_status.values()))
         for tenant_id, by_status in counts.items()),
        key=lambda activity: activity.name.lower(),
    )
    failures = list(
        scope.restrict(Execution.objects.filter(status=Execution.Status.FAILED))
        .select_related("rule", "tenant")
        .only("id", "status", "created_at", "completed_at", "error_message", "attempt", "tenant_id", "tenant__name",
              "rule_id", "rule__name")
        .order_by("-created_at", "-id")[:FAILURES_SHOWN]
    )
    return Dashboard(since=since, statuses=STATUSES, tenants=tenants, failures=failures)
