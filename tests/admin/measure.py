"""How fast the admin's executions pages are at a million rows, on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/admin_scale .venv/bin/python -m tests.admin.measure

It migrates that database, fills it once with `--rows` executions (20 tenants, 10 rules each, 90
days, every status; one execution with 200 steps and 10,000 log lines) by SQL, ANALYZEs, and
prints the median time and the query count of each page, for a superuser and for tenant-scoped
staff, through Django's test client (no network)."""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "measure-only")
os.environ.setdefault("API_KEY_PEPPER", "measure-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from executions.models import Execution  # noqa: E402
from rbac.services import role_assign, role_get  # noqa: E402
from tenants.models import Tenant  # noqa: E402

# A UUIDv7-shaped id from a timestamp and a seed: time-ordered like the app's own ids.
UUID7 = """(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3) || '-8' || substr(h, 18, 3)
            || '-' || substr(h, 21, 12))::uuid"""
HEX = "lpad(to_hex(floor(extract(epoch from {ts}) * 1000)::bigint), 12, '0') || md5({seed})"

FILL = [f"""
INSERT INTO tenants_tenant (id, name, slug, created_at)
SELECT {UUID7}, 'Tenant ' || t, 'tenant-' || t, now() - interval '100 days'
FROM generate_series(0, 19) t, LATERAL (SELECT {HEX.format(ts="now() - interval '100 days' + t * interval '1 s'",
                                                         seed="'tenant' || t")} AS h) x
""", f"""
INSERT INTO executions_automationrule (id, tenant_id, name, description, trigger, actions, timeout_seconds,
                                       is_enabled, version, created_at, updated_at)
SELECT {UUID7}, tenant.id, 'Rule ' || r || ' of ' || tenant.slug, '', 'event.' || (r % 4), '[{{"type": "http"}}]',
       3600, true, 1, now() - interval '99 days', now() - interval '99 days'
FROM (SELECT id, slug, row_number() OVER (ORDER BY slug) - 1 AS t FROM tenants_tenant) tenant,
     generate_series(0, 9) r,
     LATERAL (SELECT {HEX.format(ts="now() - interval '99 days'", seed="tenant.slug || r")} AS h) x
""", """
CREATE TEMP TABLE rule_ids AS
SELECT id, tenant_id, row_number() OVER (ORDER BY id) - 1 AS k FROM executions_automationrule
""", f"""
INSERT INTO executions_execution (id, tenant_id, rule_id, rule_version, status, trigger_data, execution_context,
    triggered_by, external_ref, idempotency_key, request_fingerprint, attempt, actions_total, actions_successful,
    actions_failed, error_message, error_stack, started_at, completed_at, duration_ms, log_count, step_count,
    created_at, updated_at)
SELECT {UUID7}, rule.tenant_id, rule.id, 1, status, jsonb_build_object('order_id', n), '{{}}', 'engine',
       CASE WHEN n % 2 = 0 THEN 'order-' || n END, CASE WHEN n % 3 = 0 THEN 'idem-' || n END, '', 1, 3,
       CASE WHEN status = 'completed' THEN 3 ELSE 1 END, CASE WHEN status = 'failed' THEN 1 ELSE 0 END,
       CASE WHEN status = 'failed' THEN 'CRM answered 502 Bad Gateway for order ' || n END,
       CASE WHEN status = 'failed' THEN 'Traceback (most recent call last): CrmError' END,
       CASE WHEN status NOT IN ('pending', 'skipped') THEN ts + interval '50 ms' END,
       CASE WHEN status NOT IN ('pending', 'running') THEN ts + interval '1 s' END,
       CASE WHEN status NOT IN ('pending', 'running', 'skipped') THEN 950 END, 0, 0, ts, ts
FROM (SELECT n, now() - n * (interval '90 days' / {{rows}}) AS ts,
             (ARRAY['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed',
                    'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed',
                    'failed', 'failed', 'running', 'pending', 'cancelled', 'timeout'])[n % 20 + 1]
                 || '' AS status
      FROM generate_series(1, {{rows}}) n) s
JOIN rule_ids rule ON rule.k = s.n % 200,
     LATERAL (SELECT {HEX.format(ts="s.ts", seed="s.n::text")} AS h) x
"""]

DETAIL = ["""
INSERT INTO executions_executionstep (tenant_id, execution_id, key, name, type, status, position, started_at,
                                      completed_at, output, error, created_at, updated_at)
SELECT e.tenant_id, e.id, 'step-' || p, 'Step ' || p, 'http', CASE WHEN p = 199 THEN 'failed' ELSE 'completed' END,
       p, e.started_at + p * interval '4 ms', e.started_at + (p + 1) * interval '4 ms', NULL, NULL, now(), now()
FROM executions_execution e, generate_series(0, 199) p WHERE e.id = %(id)s
""", """INSERT INTO executions_executionlog (tenant_id, execution_id, sequence, timestamp, level, message, metadata)
SELECT e.tenant_id, e.id, s, e.started_at + s * interval '1 ms', (ARRAY['debug', 'info', 'warn', 'error'])[s %% 4 + 1],
       'line ' || s, '{}'
FROM executions_execution e, generate_series(1, 10000) s WHERE e.id = %(id)s
""", """
UPDATE executions_execution SET step_count = 200, log_count = 10000 WHERE id = %(id)s
"""]


def fill(rows: int) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in FILL:
            cursor.execute(statement.replace("{rows}", str(int(rows))))
        detailed = Execution.objects.filter(status="failed").order_by("-created_at").values_list("pk", flat=True)[0]
        for statement in DETAIL:
            cursor.execute(statement, {"id": detailed})
        cursor.execute("ANALYZE")
    print(f"filled {rows:,} executions in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def timed(client: Client, url: str, runs: int) -> tuple[float, int, float]:
    """(median milliseconds, queries, milliseconds of the slowest query) of GET url."""
    client.get(url)
    times, queries = [], None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = captured.captured_queries
    slowest = max(float(q["time"]) for q in queries) * 1000
    return statistics.median(times), len(queries), slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Give a PostgreSQL DATABASE_URL: the measure is of PostgreSQL's plans.")
    call_command("migrate", verbosity=0)
    if not Execution.objects.exists():
        fill(options.rows)
    users = get_user_model().objects
    root = users.filter(username="measure-root").first() or users.create_superuser("measure-root", "", "x")
    staff = users.filter(username="measure-staff").first()
    if staff is None:
        staff = users.create_user("measure-staff", password="x", is_staff=True)
        from django.contrib.auth.models import Permission

        staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="executions"))
        for tenant in Tenant.objects.order_by("slug")[:2]:
            role_assign(user=staff, tenant=tenant, role=role_get(name="admin"))

    tenant = Tenant.objects.order_by("slug").first()
    rule = tenant.rules.order_by("name").first()
    failed = Execution.objects.filter(status="failed").order_by("-created_at").first()
    some = Execution.objects.filter(tenant=tenant, external_ref__isnull=False).order_by("-created_at")[1000]
    year, month = failed.started_at.year, failed.started_at.month
    base = "/admin/executions/execution/"
    pages = [
        ("superuser", root, "list, unfiltered", base),
        ("superuser", root, "list, page 50", f"{base}?p=50"),
        ("superuser", root, "status=failed", f"{base}?status__exact=failed"),
        ("superuser", root, "tenant", f"{base}?tenant={tenant.pk}"),
        ("superuser", root, "tenant + status", f"{base}?tenant={tenant.pk}&status__exact=failed"),
        ("superuser", root, "rule", f"{base}?rule={rule.pk}"),
        ("superuser", root, "trigger", f"{base}?trigger=event.1"),
        ("superuser", root, "date: one month", f"{base}?started_at__year={year}&started_at__month={month}"),
        ("superuser", root, "search: execution id", f"{base}?q={some.pk}"),
        ("superuser", root, "search: external ref", f"{base}?q={some.external_ref}"),
        ("superuser", root, "search: error text", f"{base}?q=Gateway+for+order+99"),
        ("superuser", root, "search: rule name", f"{base}?q=Rule+3+of+tenant-1"),
        ("superuser", root, "one execution (200 steps, 10,000 lines)", f"{base}{failed.pk}/change/"),
        ("superuser", root, "rules list", "/admin/executions/automationrule/"),
        ("superuser", root, "dashboard (admin index)", "/admin/"),
        ("staff of 2 tenants", staff, "list, unfiltered", base),
        ("staff of 2 tenants", staff, "status=failed", f"{base}?status__exact=failed"),
        ("staff of 2 tenants", staff, "search: error text", f"{base}?q=Gateway+for+order+99"),
        ("staff of 2 tenants", staff, "dashboard (admin index)", "/admin/"),
    ]
    print(f"{Execution.objects.count():,} executions; median of {options.runs} runs\n")
    print("| who | page | ms | queries | slowest query ms |\n| --- | --- | ---: | ---: | ---: |")
    clients = {}
    for who, user, name, url in pages:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        median, count, slowest = timed(client, url, options.runs)
        print(f"| {who} | {name} | {median:.0f} | {count} | {slowest:.1f} |")


if __name__ == "__main__":
    main()
