"""The Python SDK in clients/python: it is what a fresh generation from the served schema gives, and
the README's walk-through runs through it against a real HTTP server on loopback."""

import contextlib
import filecmp
import io
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from execution_tracking_client import AuthenticatedClient
from execution_tracking_client.api.executions import get_execution, list_executions, start_execution
from execution_tracking_client.models import ExecutionEnvelope, ExecutionStartRequest, Problem

from tests.factories import make_execution, make_key

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "clients"
README_BASE_URL = "http://127.0.0.1:8000"
README_KEY = "ak_XXXXXXXX_..."


def _files(folder: Path) -> set[str]:
    """The files of a generated client, without what installing or running it leaves."""
    def made_by_use(part: str) -> bool:
        return part in ("__pycache__", ".ruff_cache", "build") or part.endswith(".egg-info")

    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and not any(made_by_use(part) for part in p.relative_to(folder).parts)}


def test_the_checked_in_schema_and_client_are_what_make_client_generates(tmp_path):
    schema = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))
    assert schema.read_text() == (CLIENTS / "openapi.yaml").read_text(), "run `make client` and commit the result"

    fresh = tmp_path / "python"
    bin_dir = str(Path(sys.executable).parent)  # openapi-python-client's post hooks call ruff
    subprocess.run(
        [f"{bin_dir}/openapi-python-client", "generate", "--path", str(schema), "--config",
         str(CLIENTS / "openapi-python-client.yaml"), "--meta", "setup", "--output-path", str(fresh),
         "--fail-on-warning"],
        check=True, capture_output=True, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    checked_in = CLIENTS / "python"
    assert _files(fresh) == _files(checked_in), "run `make client` and commit the result"
    _, mismatch, errors = filecmp.cmpfiles(fresh, checked_in, sorted(_files(fresh)), shallow=False)
    assert (mismatch, errors) == ([], []), "run `make client` and commit the result"


def _readme_python_walk_through() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The Python client", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def sdk(live_server, transactional_db, member):
    return AuthenticatedClient(base_url=live_server.url, token=member.key, auth_header_name="x-api-key", prefix="",
                               raise_on_unexpected_status=True)


def test_the_readme_walk_through_runs_through_the_client(live_server, transactional_db, member):
    code = _readme_python_walk_through()
    assert README_BASE_URL in code and README_KEY in code
    code = code.replace(README_BASE_URL, live_server.url).replace(README_KEY, member.key)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 (the README's own code)
    printed = out.getvalue().splitlines()
    print("\n".join(printed))  # the walk-through's output, for the closing note (pytest -s)
    assert printed[0] == "started pending"
    assert printed[1] == "logged 1 to 1"
    assert printed[2] == "failed SMTP 451 ['send-email']"
    assert printed[3] == "['execution.created', 'execution.status_changed', 'execution.failed']"
    assert printed[4] == "attempt 2 retries True"
    assert printed[5] == "409 The request conflicts with the current state"
    assert len(printed) == 7 and printed[6].endswith(" failed order-42")


def test_the_client_pages_through_a_list_in_order(sdk, tenant, rule):
    made = [make_execution(tenant=tenant, rule=rule, status="failed").pk for _ in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        page = list_executions.sync(client=sdk, page_size=2, automation_rule_id=rule.pk,
                                    **({"cursor": cursor} if cursor else {}))
        seen += [item.execution_id for item in page.data]
        if not page.pagination.next_:
            break
        cursor = re.search(r"cursor=([^&]+)", page.pagination.next_).group(1)
    assert seen == made[::-1]


def test_the_client_parses_error_answers_as_problems(sdk, live_server, tenant, rule):
    missing = get_execution.sync(uuid.uuid4(), client=sdk)
    assert isinstance(missing, Problem) and missing.status == 404 and missing.request_id

    start = ExecutionStartRequest.from_dict({"automation_rule_id": str(uuid.uuid4()), "trigger_data": {}})
    invalid = start_execution.sync(client=sdk, body=start)
    assert isinstance(invalid, Problem) and invalid.status == 400
    assert "automation_rule_id" in invalid.errors.additional_properties

    stranger = AuthenticatedClient(base_url=live_server.url, token="ak_abcdefgh_" + "x" * 40,
                                   auth_header_name="x-api-key", prefix="")
    unauthorised = get_execution.sync(uuid.uuid4(), client=stranger)
    assert isinstance(unauthorised, Problem) and unauthorised.status == 401

    viewer = make_key(tenant=tenant, role="viewer", username="victor")
    read_only = AuthenticatedClient(base_url=live_server.url, token=viewer.key, auth_header_name="x-api-key",
                                    prefix="")
    start = ExecutionStartRequest.from_dict({"automation_rule_id": str(rule.pk), "trigger_data": {}})
    forbidden = start_execution.sync(client=read_only, body=start)
    assert isinstance(forbidden, Problem) and forbidden.status == 403

    created = start_execution.sync(client=sdk, body=start)
    assert isinstance(created, ExecutionEnvelope) and created.data.links.self_.href.startswith(live_server.url)
