"""Database outages under a live server (gunicorn, as `make serve` runs it) on PostgreSQL: while
the database refuses connections every API request is a 503 problem with Retry-After and
/readyz is 503 while /healthz stays 200; once it is back the same server answers 200 without a
restart; connections killed under it (a failover, pg_terminate_backend) never give a 500."""

import json
import os
import urllib.parse
import uuid

import psycopg
import pytest
from django.db import connection

from benchmarks.servers import environment, get, python, start_gunicorn

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="refuses and kills PostgreSQL connections; SQLite has none to refuse"),
]


@pytest.fixture
def database():
    """A database of its own (the test database's server), dropped afterwards."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"outage_{uuid.uuid4().hex[:10]}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as control:
        control.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, url._replace(path=f"/{name}").geturl(), admin
    finally:
        with psycopg.connect(admin, autocommit=True) as control:
            control.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            control.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _refuse(admin: str, name: str, refuse: bool) -> None:
    with psycopg.connect(admin, autocommit=True) as control:
        control.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            _kill(control, name)


def _kill(control, name: str) -> None:
    control.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()", [name])


@pytest.fixture
def server(database, tmp_path):
    name, url, admin = database
    env = environment(tmp_path, DATABASE_URL=url, WEB_CONCURRENCY="2")
    assert python("manage.py", "migrate", "-v0", env=env).returncode == 0
    assert python("manage.py", "create_tenant", "Acme", env=env).returncode == 0
    made = python("manage.py", "create_api_key", "--user", "ops", "--tenant", "acme", "--role", "admin", "--json",
                  env=env)
    key = json.loads(made.stdout)["key"]
    with start_gunicorn(env, tmp_path) as running:
        running.key, running.database, running.admin = key, name, admin
        yield running


def test_while_the_database_refuses_the_api_is_503_and_comes_back_by_itself(server):
    api = f"{server.base}/api/v1/automation/executions"
    headers = {"x-api-key": server.key}
    assert get(api, **headers)[0] == 200

    _refuse(server.admin, server.database, True)
    for _ in range(6):  # both workers, each more than once
        status, body, answer_headers = get(api, with_headers=True, **headers)
        assert status == 503, body
        problem = json.loads(body)
        assert problem["type"].endswith(":unavailable") and problem["status"] == 503
        assert int(answer_headers["Retry-After"]) > 0
        assert "Traceback" not in body.decode() and "psycopg" not in body.decode()
    assert get(f"{server.base}/readyz")[0] == 503
    assert get(f"{server.base}/healthz")[0] == 200
    # The admin: a plain 503 page (its session is read from the database), never a traceback.
    status, body = get(f"{server.base}/admin/", Cookie="sessionid=abcdefghijklmnopqrstuvwxyz012345")
    assert status == 503 and b"Traceback" not in body

    _refuse(server.admin, server.database, False)
    assert [get(api, **headers)[0] for _ in range(4)] == [200] * 4
    assert get(f"{server.base}/readyz")[0] == 200


def test_connections_killed_under_the_server_never_give_a_500(server):
    api = f"{server.base}/api/v1/automation/executions"
    headers = {"x-api-key": server.key}
    seen = []
    for _ in range(5):
        seen += [get(api, **headers)[0] for _ in range(4)]
        with psycopg.connect(server.admin, autocommit=True) as control:
            _kill(control, server.database)
    after = [get(api, **headers)[0] for _ in range(8)]
    assert set(seen + after) <= {200, 503}, seen + after
    # A worker whose connection was killed answers its next request 503 and reconnects for the
    # one after: at most one 503 per worker after each kill.
    assert seen.count(503) <= 2 * 5, seen
    assert after.count(503) <= 2 and 200 in after, after
