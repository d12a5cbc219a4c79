"""The contract's "Management commands" section, sentence by sentence (the parts not marked later)."""

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from executions import services
from executions.models import Execution, ExecutionStep
from rbac.keys import key_split
from rbac.models import ApiKey, Role, RoleAssignment
from tenants.models import Tenant
from tests.factories import ApiClient, add_logs, add_steps, assert_problem, make_execution, make_rule

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def manage(*args: str) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` as an operator runs it, in its own process."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


# "Each takes --json to print one JSON object on stdout instead of prose"

@pytest.fixture
def json_cases(db, tenant, member, var_dir):
    execution = make_execution(tenant=tenant, status="running")
    return {
        "create_tenant": ["create_tenant", "Initech"],
        "create_role": ["create_role", "auditor", "--permission", "automation:read"],
        "create_api_key": ["create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer"],
        "revoke_api_key": ["revoke_api_key", member.api_key.prefix],
        "seed_demo": ["seed_demo"],
        "expire_executions": ["expire_executions"],
        "show_execution": ["show_execution", str(execution.pk)],
    }


@pytest.mark.parametrize("command", ["create_tenant", "create_role", "create_api_key", "revoke_api_key",
                                     "seed_demo", "expire_executions", "show_execution"])
def test_every_command_prints_one_json_object_with_json(json_cases, command):
    printed = run(*json_cases[command], "--json")
    assert isinstance(json.loads(printed), dict)
    assert printed.strip().count("\n") == 0  # one object on one line, nothing around it


def test_without_json_commands_print_prose(json_cases):
    with pytest.raises(ValueError):
        json.loads(run(*json_cases["show_execution"]))


# "... and exits non-zero with a one-line error on bad input (argument errors included: no usage block)"

@pytest.mark.parametrize("args", [
    ["create_tenant"],
    ["create_tenant", "Acme", "--no-such-flag"],
    ["create_tenant", "Acme", "--slug"],
    ["create_tenant", ""],
    ["create_role"],
    ["create_api_key"],
    ["create_api_key", "--user", "dora", "--tenant", "acme"],
    ["create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer", "--usage-limit", "many"],
    ["create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer", "--expires-in", "0"],
    ["revoke_api_key"],
    ["revoke_api_key", "not a prefix"],
    ["seed_demo", "extra"],
    ["expire_executions", "--json", "--verbose-please"],
    ["show_execution"],
    ["show_execution", "01890a5dac96774bbcceb302099a8057"],
], ids=lambda args: " ".join(args) or "none")
def test_bad_input_exits_non_zero_with_one_line_error_and_no_usage_block(args):
    result = manage(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip() != ""
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "usage:" not in result.stderr.lower() and "Traceback" not in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("args", [
    ["create_tenant", "Acme", "--slug", "acme"],
    ["create_role", "viewer"],
    ["create_api_key", "--user", "dora", "--tenant", "nowhere", "--role", "viewer"],
    ["create_api_key", "--user", "dora", "--tenant", "acme", "--role", "no-such-role"],
    ["revoke_api_key", "Zz9Zz9Zz"],
    ["show_execution", "01890a5d-ac96-774b-bcce-b302099a8057"],
], ids=lambda args: " ".join(args))
def test_bad_input_against_stored_state_is_a_one_line_error(tenant, args):
    with pytest.raises(CommandError) as raised:
        run(*args, "--json")
    assert "\n" not in str(raised.value)


# create_tenant NAME [--slug SLUG]: makes a tenant; prints its id (id, slug in --json); a slug shaped
# like a UUID is refused

@pytest.mark.django_db
def test_create_tenant_makes_a_tenant_and_prints_its_id():
    printed = run("create_tenant", "Initech").strip()
    assert Tenant.objects.get(pk=printed).name == "Initech"
    body = json.loads(run("create_tenant", "Hooli", "--slug", "hooli", "--json"))
    assert body == {"id": str(Tenant.objects.get(slug="hooli").pk), "slug": "hooli"}


@pytest.mark.django_db
def test_create_tenant_refuses_a_slug_shaped_like_a_uuid():
    with pytest.raises(CommandError):
        run("create_tenant", "Initech", "--slug", "01890a5d-ac96-774b-bcce-b302099a8057")
    assert not Tenant.objects.exists()


# create_role NAME [--permission CODE ...]: makes a custom role

@pytest.mark.django_db
def test_create_role_makes_a_custom_role_that_keys_can_act_with(tenant):
    run("create_role", "reader", "--permission", "automation:read")
    assert Role.objects.get(name="reader").permissions == ["automation:read"]
    key = json.loads(run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "reader", "--json"))
    execution = make_execution(tenant=tenant)
    client = ApiClient(key["key"])
    assert client.get(f"executions/{execution.pk}").status_code == 200
    assert_problem(client.post(f"executions/{execution.pk}/cancel", {}), 403)


# create_api_key --user USERNAME --tenant SLUG_OR_ID --role ROLE [--expires-in DAYS] [--usage-limit N]

@pytest.mark.django_db
def test_create_api_key_makes_the_user_gives_the_role_and_prints_the_key_once(tenant):
    body = json.loads(run("create_api_key", "--user", "dora", "--tenant", str(tenant.pk), "--role", "writer",
                          "--json"))
    assert set(body) == {"key", "prefix", "tenant", "user", "role"}
    assert (body["tenant"], body["user"], body["role"]) == (str(tenant.pk), "dora", "writer")
    assert RoleAssignment.objects.get(user__username="dora", tenant=tenant).role.name == "writer"
    prefix, secret = key_split(body["key"])
    api_key = ApiKey.objects.get(prefix=prefix)
    assert prefix == body["prefix"] and api_key.tenant == tenant
    assert secret not in api_key.digest
    assert ApiClient(body["key"]).get(f"executions/{make_execution(tenant=tenant).pk}").status_code == 200


@pytest.mark.django_db
def test_create_api_key_refuses_a_different_role_unless_replace_role(tenant):
    old = json.loads(run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "admin", "--json"))
    with pytest.raises(CommandError):
        run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer")
    assert ApiKey.objects.count() == 1
    run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer", "--replace-role")
    execution = make_execution(tenant=tenant)
    # The role of all the user's keys there changed: the first key is a viewer now.
    assert_problem(ApiClient(old["key"]).post(f"executions/{execution.pk}/cancel", {}), 403)


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["--expires-in", "--usage-limit"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_create_api_key_limits_must_be_positive(tenant, option, value):
    with pytest.raises(CommandError):
        run("create_api_key", "--user", "dora", "--tenant", "acme", "--role", "viewer", option, value)
    assert not ApiKey.objects.exists()


# revoke_api_key PREFIX: revokes a key

@pytest.mark.django_db
def test_revoke_api_key_revokes_the_key(tenant, member):
    execution = make_execution(tenant=tenant)
    run("revoke_api_key", member.api_key.prefix)
    assert_problem(ApiClient(member.key).get(f"executions/{execution.pk}"), 401)


# seed_demo: a demo tenant, rules and executions in every status, with steps and logs; prints a demo
# key and admin login; run again it changes nothing and prints the same credentials (kept in
# var/demo-credentials, only under DEBUG)

@pytest.mark.django_db
def test_seed_demo_makes_a_demo_with_every_status_steps_and_logs_and_prints_working_credentials(var_dir):
    body = json.loads(run("seed_demo", "--json"))
    demo = Tenant.objects.get(pk=body["tenant"])
    assert demo.rules.exists()
    executions = Execution.objects.filter(tenant=demo)
    assert set(executions.values_list("status", flat=True)) == set(Execution.Status.values)
    assert all(e.steps.exists() and e.logs.exists() for e in executions)
    response = ApiClient(body["api_key"]).get(f"executions/{body['execution_id']}")
    assert response.status_code == 200
    assert (body["admin_user"], body["created"]) == ("admin", True) and body["admin_password"]


@pytest.mark.django_db
def test_seed_demo_run_again_changes_nothing_and_under_debug_prints_the_same_credentials(settings, var_dir):
    settings.DEBUG = True
    first = json.loads(run("seed_demo", "--json"))
    counts = (Tenant.objects.count(), Execution.objects.count(), ExecutionStep.objects.count(), ApiKey.objects.count())
    again = json.loads(run("seed_demo", "--json"))
    assert (Tenant.objects.count(), Execution.objects.count(), ExecutionStep.objects.count(),
            ApiKey.objects.count()) == counts
    assert again == {**first, "created": False}
    assert (var_dir / "demo-credentials").exists()


@pytest.mark.django_db
def test_seed_demo_keeps_no_credentials_file_without_debug(settings, var_dir):
    settings.DEBUG = False
    first = json.loads(run("seed_demo", "--json"))
    again = json.loads(run("seed_demo", "--json"))
    assert not (var_dir / "demo-credentials").exists()
    assert again["created"] is False and again["api_key"] is None and first["api_key"]


# expire_executions: moves executions that outran their rule's timeout to timeout
# (Lifecycle: now - (started_at or created_at) exceeds the rule's timeout_seconds)

@pytest.mark.django_db
def test_expire_executions_measures_from_started_at_or_else_created_at(tenant):
    rule = make_rule(tenant=tenant, timeout_seconds=600)
    pending = make_execution(tenant=tenant, rule=rule)
    started_late = make_execution(tenant=tenant, rule=rule, status="running")
    # Set-up: made an hour ago; the running one started just now.
    Execution.objects.filter(pk__in=[pending.pk, started_late.pk]).update(
        created_at=F("created_at") - timedelta(hours=1))
    body = json.loads(run("expire_executions", "--json"))
    assert body == {"expired": 1, "ids": [str(pending.pk)]}
    assert dict(Execution.objects.values_list("pk", "status")) == {pending.pk: "timeout",
                                                                   started_late.pk: "running"}


# show_execution ID: prints one execution for a terminal: status, timing, counters, error, steps as
# a table, the last log lines

@pytest.mark.django_db
def test_show_execution_prints_status_timing_counters_error_steps_and_last_logs(tenant):
    execution = make_execution(tenant=tenant, status="running")
    add_steps(execution, 2)
    add_logs(execution, 30)
    execution = services.execution_report(
        tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
        changes={"status": "failed", "actions_successful": 1, "actions_failed": 1, "failed_action_index": 1,
                 "error_message": "Boom"},
    )
    printed = run("show_execution", str(execution.pk))
    for text in ("failed", f"{execution.duration_ms} ms", "1 successful", "1 failed", "Boom", "step-0", "step-1",
                 "line 29"):
        assert text in printed, text
    assert "line 9\n" not in printed and " line 10" in printed  # the last 20 of 30


# prune_executions --older-than DAYS [--tenant SLUG_OR_ID] [--batch-size N] [--dry-run]: deletes final
# executions created more than DAYS ago (with their steps, log lines, events and deliveries) in
# batches, each its own short transaction, with a progress bar on a terminal; an execution whose
# next attempt is younger is kept with it; --json prints the counts. (The rest: tests/executions/test_prune.py.)

def _aged(execution, days):
    Execution.objects.filter(pk=execution.pk).update(created_at=F("created_at") - timedelta(days=days))
    return execution


@pytest.mark.django_db
def test_prune_executions_deletes_old_final_executions_with_what_they_own_and_prints_the_counts(tenant):
    rule = make_rule(tenant=tenant)
    old = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(old, 2)
    add_logs(old, 5)
    old = _aged(services.execution_report(tenant_id=tenant.pk, execution_id=old.pk, actor="system",
                                          changes={"status": "completed"}), 40)
    running = _aged(make_execution(tenant=tenant, rule=rule, status="running"), 40)
    young = make_execution(tenant=tenant, rule=rule, status="completed")
    retried = _aged(make_execution(tenant=tenant, rule=rule, status="failed"), 40)
    attempt, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=retried.pk, actor="system")

    dry = json.loads(run("prune_executions", "--older-than", "30", "--dry-run", "--json"))
    body = json.loads(run("prune_executions", "--older-than", "30", "--batch-size", "1", "--json"))

    # With the webhook deliveries the contract names (none here) among what an execution owns.
    assert body == {"executions": 1, "steps": 2, "log_lines": 5, "events": 3, "deliveries": 0,
                    "delivery_attempts": 0, "seconds": body["seconds"]}
    assert dry == {**body, "seconds": dry["seconds"], "dry_run": True}
    assert set(Execution.objects.values_list("pk", flat=True)) == {running.pk, young.pk, retried.pk, attempt.pk}


@pytest.mark.parametrize("args", [
    ["prune_executions"],
    ["prune_executions", "--older-than", "0"],
    ["prune_executions", "--older-than", "a month"],
    ["prune_executions", "--older-than", "30", "--batch-size", "-5"],
], ids=lambda args: " ".join(args))
def test_prune_executions_bad_arguments_exit_non_zero_with_one_line_error(args):
    result = manage(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and result.stderr.strip(), result.stderr
    assert "usage:" not in result.stderr.lower() and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_prune_executions_names_an_unknown_tenant_in_one_line(tenant):
    with pytest.raises(CommandError) as raised:
        run("prune_executions", "--older-than", "30", "--tenant", "nowhere", "--json")
    assert "\n" not in str(raised.value) and "nowhere" in str(raised.value)
