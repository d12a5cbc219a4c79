"""The admin index's dashboard: what ran in the last 24 hours per tenant, and the failures no
retry has fixed yet (the unresolved ones), newest first."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count
from django.utils import timezone

from executions.admin.filters import unresolved_failures
from executions.models import Execution
from rbac.admin_scope import tenant_label
from rbac.selectors import StaffScope

STATUSES = tuple(Execution.Status.values)
FAILURES_SHOWN = 10
# Unresolved failures are counted up to this many ("more than" beyond): never a count of a big table.
UNRESOLVED_CAP = 1000


@dataclass(frozen=True)
class TenantActivity:
    tenant_id: UUID
    name: str
    label: str  # the name with the slug: two tenants may share a name
    counts: list[tuple[str, int]]  # (status, count) in the order of STATUSES
    total: int


@dataclass(frozen=True)
class Dashboard:
    since: datetime
    statuses: tuple[str, ...]
    tenants: list[TenantActivity]
    failures: list[Execution]  # the newest unresolved failures
    unresolved: int
    unresolved_capped: bool


def execution_dashboard(*, scope: StaffScope, now: datetime | None = None) -> Dashboard:
    """Three queries whatever the number of executions: counts grouped by tenant and status, the
    newest unresolved failures, and their count up to a cap (on indexes that lead with created_at or
    status; the retry check is an anti-join on the unique retry_of)."""
    since = (now or timezone.now()) - timedelta(hours=24)
    rows = (
        scope.restrict(Execution.objects.filter(created_at__gte=since))
        .values_list("tenant_id", "tenant__name", "tenant__slug", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[UUID, dict[str, int]] = {}
    names: dict[UUID, tuple[str, str]] = {}
    for tenant_id, name, slug, status, count in rows:
        names[tenant_id] = (name, slug)
        counts.setdefault(tenant_id, {})[status] = count
    tenants = sorted(
        (TenantActivity(tenant_id, names[tenant_id][0], tenant_label(*names[tenant_id]),
                        [(s, by_status.get(s, 0)) for s in STATUSES], sum(by_status.values()))
         for tenant_id, by_status in counts.items()),
        key=lambda activity: activity.label.lower(),
    )
    unresolved = unresolved_failures(scope.restrict(Execution.objects.all()))
    failures = list(
        unresolved.select_related("rule", "tenant")
        .only("id", "status", "status_reason", "created_at", "completed_at", "error_message", "attempt", "tenant_id",
              "tenant__name", "tenant__slug", "rule_id", "rule__name")
        .order_by("-created_at", "-id")[:FAILURES_SHOWN]
    )
    count = unresolved.order_by()[: UNRESOLVED_CAP + 1].count()
    return Dashboard(since=since, statuses=STATUSES, tenants=tenants, failures=failures,
                     unresolved=min(count, UNRESOLVED_CAP), unresolved_capped=count > UNRESOLVED_CAP)
