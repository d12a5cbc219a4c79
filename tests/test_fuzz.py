"""schemathesis over the served schema, against a real server: gunicorn as `make serve` runs it, on
a database of its own (an SQLite file here, a throwaway database on the PostgreSQL pass), with
two tenants' keys.

Every check runs except `positive_data_acceptance`, which expects every request the schema allows
to succeed. The contract answers some of them with a 400 that no schema can express: a `cursor` is
an opaque string the server made (any other string is a 400); free-form JSON (`trigger_data`,
`execution_context`, a step's `output`, a log line's `metadata`) refuses a NUL character, which
PostgreSQL cannot store; and an `automation_rule_id` of another tenant's rule (or of none) is a
400 naming the field, not a 404. Everything else fails the test: a 5xx, a status, header or body
the schema does not declare, a malformed request accepted, one tenant reading the other's object.

Each key runs a round of its own, the other tenant its peer: the object-level check replays the
owner's reads of what it made or listed with the peer's key, which must not get them (404). In
acme's round each key goes with its own x-tenant-id, so that generated requests reach the handlers
rather than stopping at a 403 for a random tenant; in globex's round the fuzzer makes that header
too. One schemathesis worker: Hypothesis's caches are not safe across threads (a KeyError in its
lambda-source cache, schemathesis reports it as an error of the run).
"""

import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from benchmarks.servers import environment, python, start_gunicorn

# The two rounds share about two minutes; each ends once its examples are done or its time is up.
ROUND_SECONDS = int(os.environ.get("FUZZ_ROUND_SECONDS", "45"))
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
# Fixed, so that a failure can be replayed; FUZZ_SEED tries others.
SEED = int(os.environ.get("FUZZ_SEED", "1"))
TENANTS = ("acme", "globex")


@pytest.fixture
def database_url(tmp_path):
    """An SQLite file in `tmp_path`, or on the PostgreSQL pass a database of its own, dropped after."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
        return
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"fuzz_{uuid.uuid4().hex[:10]}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as control:
        control.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as control:
            control.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def served(database_url, tmp_path):
    """gunicorn with two workers and a key of each tenant; limits raised so the fuzzer's pace and
    its requests without a key are never answered 429. The request line unlimited: the fuzzer
    tests the app, and gunicorn answers a line over its limit (8190 bytes, its maximum) itself
    with an HTML 400 before the app sees it, which no schema of the API describes."""
    env = environment(tmp_path, DATABASE_URL=database_url, WEB_CONCURRENCY="2",
                      THROTTLE_RATE="1000000/min", AUTH_FAILURE_RATE="1000000/min", GUNICORN_LIMIT_REQUEST_LINE="0")
    done = python("manage.py", "migrate", "-v0", env=env)
    assert done.returncode == 0, done.stderr
    keys, tenants = {}, {}
    for slug in TENANTS:
        made = python("manage.py", "create_tenant", slug.title(), "--json", env=env)
        assert made.returncode == 0, made.stderr
        tenants[slug] = json.loads(made.stdout)["id"]
        made = python("manage.py", "create_api_key", "--user", f"{slug}-ops", "--tenant", slug, "--role", "admin",
                      "--json", env=env)
        assert made.returncode == 0, made.stderr
        keys[slug] = json.loads(made.stdout)["key"]
    with start_gunicorn(env, tmp_path) as running:
        running.keys, running.tenants = keys, tenants
        yield running


def schemathesis(served, folder: Path, user: str, *, tenant_header: bool) -> subprocess.CompletedProcess:
    """One round as `user`; the WFC auth document holds both keys (with their x-tenant-id when
    `tenant_header`), both peers."""
    auth = folder / f"auth-{user}.json"
    auth.write_text(json.dumps({"auth": [
        {"name": slug, "fixedHeaders": [{"name": "x-api-key", "value": key},
                                        *([{"name": "x-tenant-id", "value": served.tenants[slug]}] if tenant_header
                                          else [])]}
        for slug, key in served.keys.items()
    ]}))
    config = folder / f"schemathesis-{user}.toml"
    config.write_text(f'[auth.wfc]\npath = "{auth}"\npeers = {json.dumps(list(TENANTS))}\n')
    command = [
        str(Path(sys.executable).parent / "st"), "--config-file", str(config), "run",
        f"{served.base}/api/schema/?format=json", "--auth-wfc-user", user,
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(MAX_EXAMPLES), "--max-time", str(ROUND_SECONDS),
        "--workers", "1", "--seed", str(SEED), "--request-timeout", "20",
    ]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=ROUND_SECONDS + 120,
                          env={**os.environ, "NO_COLOR": "1"})


def test_schemathesis_finds_nothing_with_either_tenants_key(served, tmp_path):
    counts = {}
    for user, tenant_header in (("acme", True), ("globex", False)):
        done = schemathesis(served, tmp_path, user, tenant_header=tenant_header)
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{user}'s round (seed {SEED}):\n{output[-30000:]}"
        found = re.search(r"(\d+) generated, (\d+) passed", output)
        assert found and found[1] == found[2], output[-5000:]
        counts[user] = int(found[1])
    print(f"schemathesis: {counts} cases, 0 failures")  # shown with -s or -rP
    assert all(count >= 500 for count in counts.values()), counts
