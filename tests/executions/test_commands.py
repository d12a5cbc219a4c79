"""seed_demo, expire_executions and show_execution."""

import io
import json
import re
import stat
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from executions import lifecycle, services
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep
from rbac.keys import key_split
from rbac.models import ApiKey, RoleAssignment
from tenants.models import Tenant
from tests.factories import ApiClient, add_logs, add_steps, make_execution, make_rule

pytestmark = pytest.mark.django_db

KEY = re.compile(r"ak_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def seed() -> dict:
    return json.loads(run("seed_demo", "--json"))


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def var_dir(settings, tmp_path):
    """seed_demo's var/ in a temporary folder (DEBUG stays off, as in production)."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def debug(settings, var_dir):
    settings.DEBUG = True
    return var_dir


# seed_demo


def test_seed_demo_makes_executions_in_every_status_with_steps_and_logs(var_dir):
    result = seed()
    tenant = Tenant.objects.get(slug="demo")
    assert result["tenant"] == str(tenant.pk) and result["created"] is True
    executions = Execution.objects.filter(tenant=tenant)
    assert set(executions.values_list("status", flat=True)) == set(Execution.Status.values)
    assert 3 <= AutomationRule.objects.filter(tenant=tenant).count() <= 4
    for execution in executions:
        assert ExecutionStep.objects.filter(execution=execution).exists(), execution.status
        assert ExecutionLog.objects.filter(execution=execution).exists(), execution.status
    assert set(ExecutionStep.objects.filter(tenant=tenant).values_list("status", flat=True)) == set(
        ExecutionStep.Status.values)


def test_seed_demo_includes_a_retried_chain_that_failed_and_then_succeeded(var_dir):
    seed()
    first = Execution.objects.get(tenant__slug="demo", external_ref="user-2001", attempt=1)
    retry = Execution.objects.get(retry_of=first)
    assert (first.status, retry.status, retry.attempt) == ("failed", "completed", 2)
    assert ExecutionEvent.objects.get(execution=first, type="execution.retried").actor == "staff:admin"
    assert retry.created_at - first.completed_at == timedelta(minutes=25)


def test_seed_demo_includes_unresolved_failures_and_failures_a_retry_fixed(var_dir):
    seed()
    failed = Execution.objects.filter(tenant__slug="demo", status__in=lifecycle.FAILED)
    unresolved = failed.filter(next_attempt__isnull=True)
    assert unresolved.filter(attempt=2, external_ref="user-2004").exists()  # retried, and failed again
    assert failed.filter(next_attempt__status="completed").count() >= 2
    assert unresolved.count() < failed.count()


def test_seed_demo_spreads_runs_over_the_past_week_and_has_some_running_now(var_dir):
    now = timezone.now()
    seed()
    executions = Execution.objects.filter(tenant__slug="demo")
    days = {started.date() for started in executions.exclude(started_at=None).values_list("started_at", flat=True)}
    assert len(days) >= 7
    assert executions.count() >= 50
    assert all(now - timedelta(days=8) < e.created_at <= timezone.now() for e in executions)
    running = executions.get(status="running")
    assert timedelta(0) < now - running.started_at < timedelta(minutes=2)
    assert executions.filter(status="pending", created_at__gte=now - timedelta(minutes=5)).exists()
    last_day = executions.filter(created_at__gte=now - timedelta(hours=24))
    assert {"completed", "failed", "running", "waiting"} <= set(last_day.values_list("status", flat=True))


def test_seed_demo_times_match_what_the_messages_say(var_dir):
    seed()
    tenant = Tenant.objects.get(slug="demo")
    for execution in Execution.objects.filter(tenant=tenant):
        lines = list(ExecutionLog.objects.filter(execution=execution).order_by("sequence"))
        assert [line.timestamp for line in lines] == sorted(line.timestamp for line in lines)
        end = execution.completed_at or timezone.now()
        assert all(execution.created_at <= line.timestamp <= end for line in lines), execution.external_ref
        if execution.duration_ms is not None:
            assert execution.duration_ms == int((execution.completed_at - execution.started_at) / timedelta(
                milliseconds=1))
    # "after 64.2 s" is how long the step took; a warning "after 30 minutes" comes 30 minutes in.
    report = Execution.objects.get(tenant=tenant, status="failed", rule__name="Nightly sales report")
    query = ExecutionStep.objects.get(execution=report, key="query-sales")
    assert query.completed_at - query.started_at == timedelta(seconds=64.2)
    assert ExecutionLog.objects.filter(execution=report, message="query-sales: completed after 64.2 s").exists()
    timed_out = Execution.objects.get(tenant=tenant, status="timeout")
    warning = ExecutionLog.objects.get(execution=timed_out, message="Query still running after 30 minutes")
    assert warning.timestamp - timed_out.started_at == timedelta(minutes=30)
    assert timed_out.duration_ms > 3600 * 1000
    for line in ExecutionLog.objects.filter(tenant=tenant, message__startswith="Slack answered slowly"):
        said = float(re.search(r"\((\d+\.\d) s\)", line.message).group(1))
        step = ExecutionStep.objects.get(execution_id=line.execution_id, key="notify-slack")
        assert abs((step.completed_at - step.started_at).total_seconds() - said) < 0.05


def test_seed_demo_includes_waiting_runs_and_a_completed_run_with_an_output(var_dir):
    before = timezone.now()
    seed()
    executions = Execution.objects.filter(tenant__slug="demo")

    approval = executions.get(status_reason="awaiting approval from finance")
    assert approval.status == "waiting" and approval.waiting_until > before
    breaker = executions.get(status_reason="paused by circuit breaker")
    assert breaker.status == "waiting" and breaker.waiting_until is None
    assert executions.filter(status="completed", output__isnull=False).exists()
    for execution in (approval, breaker):
        assert list(ExecutionEvent.objects.filter(execution=execution).order_by("id").values_list("type", "status"))[
            -1] == ("execution.status_changed", "waiting")


def test_seed_demo_makes_everything_through_the_services(var_dir):
    """Each execution has the history the services record: made, then one event per status move."""
    seed()
    for execution in Execution.objects.filter(tenant__slug="demo"):
        events = list(ExecutionEvent.objects.filter(execution=execution).order_by("id"))
        assert events[0].type == "execution.created"
        moves = [event for event in events if event.type != "execution.retried"]
        assert moves[-1].status == execution.status
        assert execution.log_count == ExecutionLog.objects.filter(execution=execution).count()
        if execution.is_final:
            assert execution.completed_at is not None


def test_seed_demo_key_is_an_admin_key_of_the_demo_tenant_that_reads_the_printed_execution(var_dir):
    result = seed()
    prefix, _ = key_split(result["api_key"])
    api_key = ApiKey.objects.get(prefix=prefix)
    assert api_key.tenant.slug == "demo" and api_key.user.username == "demo"
    assert RoleAssignment.objects.get(user=api_key.user, tenant=api_key.tenant).role.name == "admin"
    response = ApiClient(result["api_key"]).get(f"/api/v1/automation/executions/{result['execution_id']}")
    assert response.status_code == 200
    assert response.json()["data"]["execution_id"] == result["execution_id"]


def test_seed_demo_makes_a_staff_superuser_admin_with_the_printed_random_password(var_dir):
    result = seed()
    admin = get_user_model().objects.get(username="admin")
    assert result["admin_user"] == "admin"
    assert admin.is_staff and admin.is_superuser
    assert len(result["admin_password"]) >= 12
    assert admin.check_password(result["admin_password"])


def test_seed_demo_prints_the_key_the_admin_login_and_a_ready_curl_line(var_dir, settings):
    printed = run("seed_demo")
    tenant = Tenant.objects.get(slug="demo")
    execution = Execution.objects.get(tenant=tenant, external_ref="order-1001")
    key = KEY.search(printed).group(0)
    assert f"{settings.PUBLIC_BASE_URL}/admin/" in printed
    assert "admin" in printed
    assert (f"curl -H 'x-api-key: {key}' {settings.PUBLIC_BASE_URL}/api/v1/automation/executions/{execution.pk}"
            in printed)


def test_seed_demo_never_stores_the_key_secret(var_dir):
    result = seed()
    prefix, secret = key_split(result["api_key"])
    stored = "".join(serializers.serialize("json", model._default_manager.all()) for model in apps.get_models())
    assert prefix in stored
    assert secret not in stored
    assert result["admin_password"] not in stored


def test_seed_demo_without_debug_writes_no_file_and_never_prints_the_key_again(var_dir):
    first = run("seed_demo")
    key = KEY.search(first).group(0)
    counts = row_counts()
    second = run("seed_demo")
    assert list(var_dir.iterdir()) == []
    assert row_counts() == counts
    assert key not in second and not KEY.search(second)
    assert "already exists" in second and "nothing changed" in second
    assert "shown when it was made" in second


def test_seed_demo_without_debug_json_on_a_rerun_has_no_secrets(var_dir):
    first = seed()
    second = seed()
    assert second == {"tenant": first["tenant"], "api_key": None, "admin_user": "admin", "admin_password": None,
                      "execution_id": first["execution_id"], "created": False}


def test_seed_demo_run_twice_under_debug_changes_nothing_and_prints_the_same_credentials(debug):
    first_text = run("seed_demo")
    counts = row_counts()
    second_text = run("seed_demo")
    third = seed()
    assert row_counts() == counts
    key = KEY.search(first_text).group(0)
    assert KEY.search(second_text).group(0) == key == third["api_key"]
    assert "nothing changed" in second_text
    assert third["created"] is False
    assert ApiClient(key).get(f"executions/{third['execution_id']}").status_code == 200


def test_seed_demo_under_debug_keeps_the_credentials_in_a_private_file(debug):
    result = seed()
    path = debug / "demo-credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved == {field: result[field] for field in
                     ("tenant", "api_key", "admin_user", "admin_password", "execution_id")}
    assert [p.name for p in debug.iterdir()] == ["demo-credentials"]


def test_seed_demo_under_debug_seeds_anew_when_the_database_was_reset_but_the_file_remains(debug):
    stale = {"tenant": "01890a5d-ac96-774b-bcce-b302099a8057", "api_key": "ak_AAAAAAAA_" + "x" * 43,
             "admin_user": "admin", "admin_password": "old-password", "execution_id": None}
    (debug / "demo-credentials").write_text(json.dumps(stale))
    result = seed()
    assert result["created"] is True
    assert result["tenant"] == str(Tenant.objects.get(slug="demo").pk) != stale["tenant"]
    assert result["api_key"] != stale["api_key"]
    assert json.loads((debug / "demo-credentials").read_text())["api_key"] == result["api_key"]
    assert ApiClient(result["api_key"]).get(f"executions/{result['execution_id']}").status_code == 200


def test_seed_demo_under_debug_ignores_an_unreadable_file(debug):
    (debug / "demo-credentials").write_text("{not json")
    assert seed()["created"] is True
    assert seed()["created"] is False


def test_seed_demo_under_debug_does_not_print_a_saved_key_that_was_revoked(debug):
    first = seed()
    run("revoke_api_key", key_split(first["api_key"])[0])
    second = seed()
    assert second["created"] is False and second["api_key"] is None


def test_seed_demo_leaves_an_existing_admin_user_and_its_password_alone(var_dir):
    admin = get_user_model().objects.create_user(username="admin", password="mine-and-secret")
    printed = run("seed_demo")
    admin.refresh_from_db()
    assert "user admin (existed already; its password was not changed)" in printed
    assert admin.check_password("mine-and-secret")
    assert not admin.is_superuser
    assert Tenant.objects.filter(slug="demo").exists()


# expire_executions


def outrun(execution: Execution) -> None:
    """Ages an execution past its rule's timeout (test set-up: time cannot be moved otherwise)."""
    Execution.objects.filter(pk=execution.pk).update(created_at=F("created_at") - timedelta(hours=2),
                                                     started_at=F("started_at") - timedelta(hours=2))


def test_expire_executions_moves_only_executions_that_outran_their_rule_to_timeout(tenant):
    rule = make_rule(tenant=tenant, timeout_seconds=3600)
    late_pending = make_execution(tenant=tenant, rule=rule)
    late_running = make_execution(tenant=tenant, rule=rule, status="running")
    late_done = make_execution(tenant=tenant, rule=rule, status="completed")
    fresh = make_execution(tenant=tenant, rule=rule, status="running")
    for execution in (late_pending, late_running, late_done):
        outrun(execution)
    printed = run("expire_executions")
    assert printed.splitlines()[0] == "Moved 2 executions to timeout."
    assert set(printed.splitlines()[1:]) == {str(late_pending.pk), str(late_running.pk)}
    statuses = dict(Execution.objects.values_list("pk", "status"))
    assert statuses == {late_pending.pk: "timeout", late_running.pk: "timeout", late_done.pk: "completed",
                        fresh.pk: "running"}
    event = ExecutionEvent.objects.get(execution=late_running, type="execution.timed_out")
    assert (event.previous_status, event.status, event.actor) == ("running", "timeout", "system")


def test_expire_executions_json_counts_and_names_them(tenant):
    late = make_execution(tenant=tenant, status="running")
    outrun(late)
    assert json.loads(run("expire_executions", "--json")) == {"expired": 1, "ids": [str(late.pk)]}
    assert json.loads(run("expire_executions", "--json")) == {"expired": 0, "ids": []}


def test_expire_executions_times_out_waiting_executions_by_waiting_until_only(tenant):
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    overdue, open_ended = (make_execution(tenant=tenant, rule=rule, status="waiting") for _ in range(2))
    services.execution_report(tenant_id=tenant.pk, execution_id=overdue.pk, actor="system",
                              changes={"waiting_until": timezone.now() - timedelta(minutes=2)})
    outrun(open_ended)

    assert json.loads(run("expire_executions", "--json")) == {"expired": 1, "ids": [str(overdue.pk)]}

    assert Execution.objects.get(pk=open_ended.pk).status == "waiting"


def test_expire_executions_uses_each_rules_own_timeout(tenant):
    quick = make_execution(tenant=tenant, rule=make_rule(tenant=tenant, timeout_seconds=60), status="running")
    slow = make_execution(tenant=tenant, rule=make_rule(tenant=tenant, timeout_seconds=86400), status="running")
    outrun(quick)
    outrun(slow)
    run("expire_executions")
    quick.refresh_from_db()
    slow.refresh_from_db()
    assert (quick.status, slow.status) == ("timeout", "running")
    assert quick.duration_ms is not None and quick.duration_ms >= 2 * 3600 * 1000


# show_execution


@pytest.fixture
def failed(tenant):
    rule = make_rule(tenant=tenant, name="Ship the parcel")
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(execution, 3)
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="charge-card", name="Charge",
                         type="http", status="failed", error="Card declined")
    add_logs(execution, 25)
    stack = "\n".join(f"stack line {n}" for n in range(1, 11))
    return services.execution_report(
        tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
        changes={"status": "failed", "actions_total": 4, "actions_successful": 2, "actions_failed": 1,
                 "failed_action_index": 3, "error_message": "The card was declined", "error_stack": stack},
    )


def test_show_execution_prints_status_timing_counters_and_error(failed, tenant):
    printed = run("show_execution", str(failed.pk))
    for text in (str(failed.pk), "Ship the parcel", tenant.name, "failed", "The card was declined",
                 "stack line 1", "2 successful", "1 failed", "4 total", f"{failed.duration_ms} ms",
                 failed.started_at.isoformat().replace("+00:00", "Z")[:19],
                 failed.completed_at.isoformat().replace("+00:00", "Z")[:19]):
        assert text in printed, text
    assert "stack line 10" not in printed  # only the first lines of the stack
    assert re.search(r"^Attempt\s+1$", printed, re.MULTILINE)


def test_show_execution_prints_steps_as_an_aligned_table(failed):
    lines = run("show_execution", str(failed.pk)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("POS"))
    header, rows = lines[start], lines[start + 1:start + 5]
    for column in ("KEY", "STATUS", "STARTED", "DURATION", "ERROR"):
        assert column in header
    assert [row.split()[1] for row in rows] == ["step-0", "step-1", "step-2", "charge-card"]
    status_column = header.index("STATUS")
    assert [row[status_column:].split()[0] for row in rows] == ["pending", "completed", "pending", "failed"]
    assert rows[3].endswith("Card declined")


def test_show_execution_prints_the_last_20_log_lines(failed):
    lines = run("show_execution", str(failed.pk)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SEQ"))
    header, rows = lines[start], lines[start + 1:]
    for column in ("TIME", "LEVEL", "MESSAGE"):
        assert column in header
    assert [int(row.split()[0]) for row in rows] == list(range(6, 26))
    assert rows[-1].split()[2:] == ["info", "line", "24"]
    assert "20 of 25" in lines[start - 1]


def test_show_execution_of_an_execution_without_steps_or_logs(tenant):
    execution = make_execution(tenant=tenant)
    printed = run("show_execution", str(execution.pk))
    assert "pending" in printed and printed.count("(none)") == 2


def test_show_execution_prints_the_reason_and_the_time_a_waiting_execution_waits_until(tenant):
    execution = make_execution(tenant=tenant, status="waiting")
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system", changes={
        "status_reason": "awaiting approval\nfrom finance", "waiting_until": datetime(2030, 6, 1, 12, tzinfo=UTC)})

    printed = run("show_execution", str(execution.pk))

    assert re.search(r"^Status\s+waiting$", printed, re.MULTILINE)
    assert re.search(r"^Reason\s+awaiting approval ⏎ from finance$", printed, re.MULTILINE)
    assert re.search(r"^Waiting until\s+2030-06-01T12:00:00Z$", printed, re.MULTILINE)


def test_show_execution_prints_no_reason_wait_or_output_where_there_is_none(tenant):
    printed = run("show_execution", str(make_execution(tenant=tenant, status="running").pk))
    assert not re.search(r"^(Reason|Waiting until|Output)", printed, re.MULTILINE)


def test_show_execution_prints_the_first_lines_of_the_output_as_pretty_json(tenant):
    execution = make_execution(tenant=tenant, status="running")
    output = {"orders": list(range(30))}
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                              changes={"status": "completed", "output": output})

    lines = run("show_execution", str(execution.pk)).splitlines()

    start = lines.index("Output")
    pretty = json.dumps(output, indent=2).splitlines()
    assert lines[start + 1:start + 21] == pretty[:20]
    assert len(pretty) == 34
    assert lines[start + 21] == "… 14 more lines (show_execution --json prints it whole)"
    assert json.loads(run("show_execution", str(execution.pk), "--json"))["output"] == output


def test_show_execution_cuts_long_output_lines(tenant):
    execution = make_execution(tenant=tenant, status="running")
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                              changes={"output": "y" * 10_000})

    lines = run("show_execution", str(execution.pk)).splitlines()

    assert lines[lines.index("Output") + 1] == '"' + "y" * 198 + "…"


def test_show_execution_finds_the_execution_in_any_tenant(other_tenant):
    execution = make_execution(tenant=other_tenant, status="completed")
    assert str(other_tenant.pk) in run("show_execution", str(execution.pk))


def test_show_execution_json_prints_the_apis_body_of_the_execution(failed, api, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    body = json.loads(run("show_execution", str(failed.pk), "--json"))
    assert body == api.get(f"executions/{failed.pk}").json()["data"]


def test_show_execution_json_links_are_absolute_under_public_base_url(failed, settings):
    settings.PUBLIC_BASE_URL = "https://tracking.example"
    body = json.loads(run("show_execution", str(failed.pk), "--json"))
    assert body["_links"]["self"]["href"] == f"https://tracking.example/api/v1/automation/executions/{failed.pk}"


@pytest.mark.parametrize("spelling", ["{hex}", "{{{id}}}", "urn:uuid:{id}", "nope", ""])
def test_show_execution_refuses_an_id_that_is_not_a_canonical_uuid(failed, spelling):
    with pytest.raises(CommandError, match="not an execution id"):
        run("show_execution", spelling.format(hex=failed.pk.hex, id=failed.pk))


def test_show_execution_of_an_unknown_id_is_an_error(db):
    with pytest.raises(CommandError, match="No execution"):
        run("show_execution", "01890a5d-ac96-774b-bcce-b302099a8057")


def test_show_execution_names_the_retry_chain(tenant):
    first = make_execution(tenant=tenant, status="failed")
    second, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=first.pk, actor="system")
    assert f"retried as {second.pk}" in run("show_execution", str(first.pk))
    assert f"2 (retry of {first.pk})" in run("show_execution", str(second.pk))

