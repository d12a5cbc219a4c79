"""bulk_retry: an operator's bulk retry of one failure group, selecting and answering exactly as
POST /executions/bulk-retry with the fingerprint as its filter."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from executions import services
from executions.models import Execution, ExecutionEvent
from tests.factories import make_execution, make_rule

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "SMTP 451 for order {}"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def failed(tenant, rule, count: int = 1, message: str = MESSAGE) -> list[Execution]:
    made = []
    for number in range(count):
        execution = make_execution(tenant=tenant, rule=rule, status="running")
        services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                  changes={"status": "failed", "error_message": message.format(number)})
        execution.refresh_from_db()
        made.append(execution)
    return made


def bulk_retry(*args, stderr=None) -> dict:
    """bulk_retry --json ARGS; its answer."""
    out = io.StringIO()
    call_command("bulk_retry", "--json", *args, stdout=out, stderr=stderr or io.StringIO())
    return json.loads(out.getvalue())


def prose(*args) -> str:
    out = io.StringIO()
    call_command("bulk_retry", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[tuple]:
    return sorted(Execution.objects.values_list("pk", "status", "status_reason")) + sorted(
        ExecutionEvent.objects.values_list("pk", flat=True))


@pytest.fixture
def group(tenant, rule) -> list[Execution]:
    """Three failures of `rule` with one fingerprint (their order numbers differ)."""
    return failed(tenant, rule, count=3)


def test_bulk_retry_retries_each_execution_of_the_group_once_oldest_first_as_system(tenant, group):
    fingerprint = group[0].error_fingerprint
    answer = bulk_retry("--tenant", "acme", "--fingerprint", fingerprint)
    assert (answer["dry_run"], answer["matched"], answer["more"], answer["acted"], answer["skipped"]) == (
        False, 3, False, 3, {})
    assert [item["execution_id"] for item in answer["results"]] == [str(execution.pk) for execution in group]
    for item in answer["results"]:
        assert item["outcome"] == "retried"
        attempt = Execution.objects.get(pk=item["next_attempt"])
        assert (str(attempt.retry_of_id), attempt.attempt, attempt.status) == (item["execution_id"], 2, "pending")
        retried = ExecutionEvent.objects.get(execution_id=item["execution_id"], type="execution.retried")
        assert retried.actor == "system"


def test_bulk_retry_takes_the_tenant_by_id_as_well_as_by_slug(tenant, group):
    answer = bulk_retry("--tenant", str(tenant.pk), "--fingerprint", group[0].error_fingerprint)
    assert answer["acted"] == 3


def test_bulk_retry_dry_run_changes_nothing_and_predicts_what_the_real_run_does(tenant, rule, group):
    services.execution_retry(tenant_id=tenant.pk, execution_id=group[0].pk, actor="system")
    fingerprint = group[0].error_fingerprint
    failed(tenant, rule, message="Timeout talking to {}")  # another group: not taken
    args = ("--tenant", "acme", "--fingerprint", fingerprint)

    before = snapshot()
    predicted = bulk_retry(*args, "--dry-run")
    assert snapshot() == before
    done = bulk_retry(*args)

    # The one retried already is not taken: only what is left to retry.
    assert [item["outcome"] for item in predicted["results"]] == ["would_retry", "would_retry"]
    assert [item["outcome"] for item in done["results"]] == ["retried", "retried"]
    assert predicted["skipped"] == done["skipped"] == {}
    assert (predicted["dry_run"], predicted["acted"], done["acted"]) == (True, 2, 2)
    assert all(item["next_attempt"] is None for item in predicted["results"])


def test_bulk_retry_skips_a_disabled_rules_executions_and_says_why(tenant):
    rule = make_rule(tenant=tenant, name="Disabled later")
    execution = failed(tenant, rule)[0]
    rule.is_enabled = False
    rule.save()
    answer = bulk_retry("--tenant", "acme", "--fingerprint", execution.error_fingerprint)
    assert (answer["acted"], answer["skipped"]) == (0, {"rule_disabled": 1})
    assert not Execution.objects.filter(retry_of=execution).exists()


def test_bulk_retry_json_is_the_apis_answer_to_the_same_bulk_retry(api, tenant, group):
    fingerprint = group[0].error_fingerprint
    body = {"filter": {"error_fingerprint": fingerprint}, "dry_run": True, "limit": 2}
    response = api.post("executions/bulk-retry", body)
    assert response.status_code == 200, response.content
    answer = bulk_retry("--tenant", "acme", "--fingerprint", fingerprint, "--dry-run", "--limit", "2")
    assert answer == response.json()["data"]
    assert set(answer) == {"dry_run", "matched", "more", "acted", "skipped", "results"}
    assert set(answer["results"][0]) == {"execution_id", "outcome", "next_attempt"}


def test_bulk_retry_takes_the_oldest_up_to_the_limit_and_says_there_are_more(tenant, group):
    answer = bulk_retry("--tenant", "acme", "--fingerprint", group[0].error_fingerprint, "--limit", "2")
    assert (answer["matched"], answer["more"], answer["acted"]) == (3, True, 2)
    assert [item["execution_id"] for item in answer["results"]] == [str(execution.pk) for execution in group[:2]]
    assert not Execution.objects.filter(retry_of=group[2]).exists()


def test_bulk_retry_leaves_another_tenants_executions_alone(tenant, other_tenant, group):
    theirs = make_execution(tenant=other_tenant, rule=make_rule(tenant=other_tenant), status="failed")
    Execution.objects.filter(pk=theirs.pk).update(error_fingerprint=group[0].error_fingerprint)
    answer = bulk_retry("--tenant", "acme", "--fingerprint", group[0].error_fingerprint)
    assert answer["matched"] == 3
    assert str(theirs.pk) not in {item["execution_id"] for item in answer["results"]}
    assert bulk_retry("--tenant", "globex", "--fingerprint", group[0].error_fingerprint)["acted"] == 1


def test_bulk_retry_summarises_a_real_run_in_prose(tenant, group):
    services.execution_retry(tenant_id=tenant.pk, execution_id=group[0].pk, actor="system")
    text = prose("--tenant", "acme", "--fingerprint", group[0].error_fingerprint, "--limit", "1")
    assert text.startswith(f"2 executions of Acme (acme) with the error fingerprint {group[0].error_fingerprint} "
                           "not yet retried; "
                           "the oldest 1 taken (--limit). Retried 1 in ")
    assert text.rstrip().endswith("executions/s.")


def test_bulk_retry_summarises_a_dry_run_in_prose(tenant, group):
    text = prose("--tenant", "acme", "--fingerprint", group[0].error_fingerprint, "--dry-run")
    assert text == (f"3 executions of Acme (acme) with the error fingerprint {group[0].error_fingerprint} "
                    "not yet retried. Would retry 3 (dry run: nothing was changed).\n")


def test_bulk_retry_of_a_fingerprint_no_execution_has_says_so(tenant):
    assert prose("--tenant", "acme", "--fingerprint", "0123456789abcdef") == (
        "No execution of Acme (acme) with the error fingerprint 0123456789abcdef is left to retry.\n")
    answer = bulk_retry("--tenant", "acme", "--fingerprint", "0123456789abcdef")
    assert answer == {"dry_run": False, "matched": 0, "more": False, "acted": 0, "skipped": {}, "results": []}


def test_bulk_retry_draws_a_progress_bar_on_a_terminal_and_clears_it(tenant, rule):
    group = failed(tenant, rule, count=12)
    terminal = Terminal()
    bulk_retry("--tenant", "acme", "--fingerprint", group[0].error_fingerprint, stderr=terminal)
    progress = terminal.getvalue()
    assert progress.count("\r[") == 2  # after the 10th and the last
    assert "100% 12 of 12 done" in progress
    assert progress.endswith("\r")


def test_bulk_retry_draws_no_progress_bar_when_stderr_is_not_a_terminal(tenant, group):
    stderr = io.StringIO()
    bulk_retry("--tenant", "acme", "--fingerprint", group[0].error_fingerprint, stderr=stderr)
    assert stderr.getvalue() == ""


def test_bulk_retry_of_an_unknown_tenant_is_a_one_line_error(tenant):
    with pytest.raises(CommandError, match=r"^No tenant has the slug or id 'nope'\.$"):
        bulk_retry("--tenant", "nope", "--fingerprint", "0123456789abcdef")


NOT_A_FINGERPRINT = "argument --fingerprint: must be an error fingerprint"
FP = "0123456789abcdef"


@pytest.mark.parametrize(("args", "message"), [
    (("--fingerprint", "0123456789ABCDEF"), NOT_A_FINGERPRINT),
    (("--fingerprint", "0123456789abcde"), NOT_A_FINGERPRINT),
    (("--fingerprint", "0123456789abcdefa"), NOT_A_FINGERPRINT),
    (("--fingerprint", "0123456789abcdeg"), NOT_A_FINGERPRINT),
    (("--fingerprint", FP, "--limit", "0"), "argument --limit: must be a positive integer"),
    (("--fingerprint", FP, "--limit", "1001"), "argument --limit: must be a positive integer of at most 1000"),
    (("--fingerprint", FP, "--limit", "many"), "argument --limit: must be a positive integer"),
    ((), "the following arguments are required: --fingerprint"),
])
def test_bulk_retry_refuses_bad_arguments_in_one_line_and_changes_nothing(tenant, group, args, message):
    before = snapshot()
    with pytest.raises(CommandError) as raised:
        bulk_retry("--tenant", "acme", *args)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert snapshot() == before


def test_bulk_retry_from_the_command_line_exits_non_zero_with_one_line_and_no_usage():
    finished = subprocess.run([sys.executable, "manage.py", "bulk_retry", "--tenant", "acme", "--fingerprint", "XYZ"],
                              cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0
    assert finished.stdout == ""
    assert finished.stderr == ("CommandError: bulk_retry: argument --fingerprint: must be an error fingerprint "
                               "(16 lowercase hexadecimal characters), not 'XYZ'\n")
