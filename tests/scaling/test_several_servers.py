"""Two app servers standing for two machines (two gunicorn instances on two ports, one worker
each, so that which process has seen what is known), through PgBouncer in transaction pooling,
reading from a streaming replica, counting in Redis: the stack of docs/scaling.md, built for real
on loopback by benchmarks/stack.py.

The servers run with REPLICA_STICKY_SECONDS=6 and REPLICA_MAX_LAG_SECONDS=4, so that a replica
whose replay is paused stays fit for reads for a few seconds: long enough to see, without races,
that a client which wrote reads from the primary while one which did not reads the replica."""

import http.cookiejar
import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from benchmarks.servers import environment, python, start_gunicorn
from config.replicas import UNREACHABLE_INTERVAL

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/automation"
STICKY = 6  # seconds; the lag bound, 4, must be at least 1 under it
FAILURES = 10  # failed authentications an hour, per client address
RATE = 100  # an hour, per key (the largest limit counted exactly): only the test of the limit passes it
STAFF_PASSWORD = "a-staff-password-for-these-tests"
_users = itertools.count(1)


def call(server, method: str, path: str, key: str, body: dict | None = None, **headers: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.base}{API}/{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"X-API-Key": key, "Content-Type": "application/json", "X-Request-Id": str(uuid.uuid4()), **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # nosec B310: a loopback test server
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    return status, json.loads(text) if text else {}


class Deployment:
    """The stack, a migrated database (through PgBouncer), a tenant with a rule, two servers."""

    def __init__(self, stack, env: dict, servers: list) -> None:
        self.stack, self.env, self.servers = stack, env, servers
        self.first, self.second = servers
        self.rule_id = None

    def new_key(self, *options: str) -> str:
        """A key of a new user of the tenant: one that has written nothing yet."""
        made = python("manage.py", "create_api_key", "--user", f"user{next(_users)}", "--tenant", "acme",
                      "--role", "admin", "--json", *options, env=self.env)
        assert made.returncode == 0, made.stderr
        return json.loads(made.stdout)["key"]

    def replica_commits(self) -> int:
        """Transactions the replica has run in the app's database (its own statistics)."""
        return self.stack.sql("replica", "SELECT xact_commit FROM pg_stat_database WHERE datname = 'app'")[0][0]

    def routes(self) -> dict[str, float]:
        """The servers' replica_routing_total, added up, by route."""
        found: dict[str, float] = {}
        for server in self.servers:
            with urllib.request.urlopen(f"{server.base}/metrics", timeout=10) as answer:  # nosec B310
                for line in answer.read().decode().splitlines():
                    if line.startswith("replica_routing_total{"):
                        route = line.split('route="')[1].split('"')[0]
                        found[route] = found.get(route, 0) + float(line.rsplit(" ", 1)[1])
        return found


@pytest.fixture(scope="module")
def deployment(stack, tmp_path_factory):
    folder = tmp_path_factory.mktemp("deployment")
    env = environment(
        folder, DATABASE_URL=stack.url("bouncer"), DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URL=stack.url("replica"), DATABASE_REPLICA_POOLER="none",  # reached directly
        REDIS_URL=stack.redis_url, THROTTLE_RATE=f"{RATE}/hour", AUTH_FAILURE_RATE=f"{FAILURES}/hour",
        TRUSTED_PROXIES="127.0.0.1",  # so that a test of the failures limit comes from an address of its own
        REPLICA_STICKY_SECONDS=str(STICKY), REPLICA_MAX_LAG_SECONDS="4", WEB_CONCURRENCY="1", METRICS_ENABLED="1",
        DJANGO_SUPERUSER_PASSWORD=STAFF_PASSWORD,
    )
    # The commands too, through PgBouncer.
    for command in (("migrate", "-v0"), ("create_tenant", "Acme"),
                    ("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com")):
        done = python("manage.py", *command, env=env)
        assert done.returncode == 0, done.stderr
    (folder / "one").mkdir()
    (folder / "two").mkdir()
    with start_gunicorn(env, folder / "one") as first, start_gunicorn(env, folder / "two") as second:
        running = Deployment(stack, env, [first, second])
        status, rule = call(first, "POST", "rules", running.new_key(),
                            {"name": "Ship order", "trigger": "order.paid", "actions": [{"type": "http", "url": "https://x"}]})
        assert status == 201, rule
        running.rule_id = rule["data"]["id"]
        stack.wait_replayed()
        yield running


def start_execution(deployment, server, key: str) -> str:
    status, body = call(server, "POST", "executions", key,
                        {"automation_rule_id": deployment.rule_id, "trigger_data": {"order_id": 1}})
    assert status == 201, body
    return body["data"]["execution_id"]


@contextmanager
def replay_paused(deployment, reader: str):
    """The replica with its replay paused once each server has seen it caught up (`reader`'s
    reads check it): it stays within the lag bound, so fit for reads, for the bound's 4 seconds,
    while missing every later write. (The keys a test needs are made before: making one writes.)"""
    stack = deployment.stack
    stack.wait_replayed()
    for server in deployment.servers:
        assert call(server, "GET", "executions?page_size=1", reader)[0] == 200
    stack.wait_replayed()
    stack.sql("replica", "SELECT pg_wal_replay_pause()")
    try:
        yield time.monotonic()
    finally:
        stack.sql("replica", "SELECT pg_wal_replay_resume()")
        stack.wait_replayed()


def test_a_client_reads_its_own_writes_on_the_other_server_while_others_read_the_replica(deployment):
    writer, reader = deployment.new_key(), deployment.new_key()
    with replay_paused(deployment, reader) as paused_at:
        execution_id = start_execution(deployment, deployment.first, writer)
        status, body = call(deployment.second, "GET", f"executions/{execution_id}", writer)
        assert status == 200, body  # the writer's reads go to the primary, on any server
        status, _ = call(deployment.second, "PATCH", f"executions/{execution_id}", writer, {"status": "running"})
        assert status == 200
        status, body = call(deployment.first, "GET", f"executions/{execution_id}", writer)
        assert (status, body["data"]["status"]) == (200, "running")
        # A key that has not written reads the replica, which has not replayed the new execution.
        status, _ = call(deployment.second, "GET", f"executions/{execution_id}", reader)
        assert status == 404
        assert time.monotonic() - paused_at < 4, "the replica must still have been within its lag bound"


def test_a_replica_further_behind_than_the_bound_is_skipped(deployment):
    writer, reader = deployment.new_key(), deployment.new_key()
    with replay_paused(deployment, reader) as paused_at:
        execution_id = start_execution(deployment, deployment.first, writer)
        seen = []
        while time.monotonic() - paused_at < 8:
            status, _ = call(deployment.second, "GET", f"executions/{execution_id}", reader)
            seen.append((round(time.monotonic() - paused_at, 1), status))
            if status == 200:
                break
            time.sleep(0.3)
    # Stale (404) only within the bound (4 s, checked once a second), then from the primary.
    assert seen[0][1] == 404 and seen[-1][1] == 200, seen
    assert seen[-1][0] <= 4 + 1 + 1, seen


def test_reads_of_a_key_that_has_not_written_land_on_the_replica(deployment):
    writer, reader = deployment.new_key(), deployment.new_key()
    execution_id = start_execution(deployment, deployment.first, writer)
    deployment.stack.wait_replayed()
    before = deployment.replica_commits()
    routed = deployment.routes()
    reads = 20
    for server in itertools.islice(itertools.cycle(deployment.servers), reads):
        status, body = call(server, "GET", f"executions/{execution_id}", reader)
        assert status == 200, body
    deadline = time.monotonic() + 15  # a backend reports its statistics within a second or, idle, ten
    while deployment.replica_commits() - before < reads and time.monotonic() < deadline:
        time.sleep(0.5)
    assert deployment.replica_commits() - before >= reads
    after = deployment.routes()
    assert after.get("replica", 0) - routed.get("replica", 0) == reads


def test_with_the_replica_stopped_reads_still_answer_and_come_back_to_it(deployment):
    writer, reader = deployment.new_key(), deployment.new_key()
    execution_id = start_execution(deployment, deployment.first, writer)
    deployment.stack.wait_replayed()
    for server in deployment.servers:  # each worker holds a connection to the replica
        for _ in range(4):
            assert call(server, "GET", f"executions/{execution_id}", reader)[0] == 200
    deployment.stack.stop_replica()
    try:
        statuses = [call(server, "GET", f"executions/{execution_id}", reader)[0]
                    for server in itertools.islice(itertools.cycle(deployment.servers), 12)]
        assert statuses == [200] * 12
        status, body = call(deployment.second, "GET", "executions?page_size=5", reader)
        assert status == 200 and body["data"], body
        # What `make serve` says of it before starting (and starts: reads go to the primary).
        checked = python("-m", "config.preflight", env=deployment.env)
        assert checked.returncode == 0, checked.stderr
        assert "replica1: skipped: it cannot be reached" in checked.stderr
    finally:
        deployment.stack.start_replica()
    deployment.stack.wait_replayed()
    # Each process checks an unreachable replica again within UNREACHABLE_INTERVAL.
    before = deployment.routes().get("replica", 0)
    deadline = time.monotonic() + UNREACHABLE_INTERVAL + 3
    while deployment.routes().get("replica", 0) - before < 4 and time.monotonic() < deadline:
        for server in deployment.servers:
            assert call(server, "GET", f"executions/{execution_id}", reader)[0] == 200
        time.sleep(0.5)
    assert deployment.routes().get("replica", 0) - before >= 4
    checked = python("-m", "config.preflight", env=deployment.env)
    assert re.search(r"replica1: fit \(lag \d+\.\d s( at most)?\)", checked.stderr), checked.stderr


def test_with_redis_stopped_requests_are_answered_and_the_limit_comes_back(deployment):
    key = deployment.new_key()
    deployment.stack.stop_redis()
    try:
        execution_id = start_execution(deployment, deployment.first, key)
        for server in deployment.servers:
            status, body = call(server, "GET", f"executions/{execution_id}", key)
            assert status == 200, body
    finally:
        deployment.stack.start_redis()
    store = redis.Redis.from_url(deployment.stack.redis_url)
    deadline = time.monotonic() + 10
    while not store.keys("*throttle*") and time.monotonic() < deadline:
        call(deployment.second, "GET", f"executions/{execution_id}", key)
        time.sleep(0.2)
    assert store.keys("*throttle*"), "the rate limit counts in Redis again once it is back"


def test_the_rate_limit_holds_exactly_across_both_servers(deployment):
    key = deployment.new_key()
    statuses = [call(server, "GET", "executions?page_size=1", key)[0]
                for server in itertools.islice(itertools.cycle(deployment.servers), RATE + 6)]
    assert statuses.count(200) == RATE and statuses[RATE:] == [429] * 6, statuses


def test_the_limit_of_failed_authentications_holds_exactly_across_both_servers(deployment):
    guesser = {"X-Forwarded-For": "203.0.113.7"}  # through the trusted proxy (127.0.0.1)
    statuses = [call(server, "GET", "executions", "ak_guessed00_notasecretatall", **guesser)[0]
                for server in itertools.islice(itertools.cycle(deployment.servers), FAILURES + 4)]
    assert statuses == [401] * FAILURES + [429] * 4, statuses
    # Every key from that address, a good one too; other addresses are not concerned.
    key = deployment.new_key()
    assert call(deployment.second, "GET", "executions", key, **guesser)[0] == 429
    assert call(deployment.second, "GET", "executions", key)[0] == 200


def test_a_keys_usage_limit_holds_exactly_across_both_servers(deployment):
    key = deployment.new_key("--usage-limit", "5")
    statuses = [call(server, "GET", "executions?page_size=1", key)[0]
                for server in itertools.islice(itertools.cycle(deployment.servers), 8)]
    assert statuses == [200] * 5 + [401] * 3, statuses


def admin_login(server) -> urllib.request.OpenerDirector:
    """A browser's session in the admin, logged in as the superuser (a POST: a write)."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(f"{server.base}/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "root", "password": STAFF_PASSWORD,
                                   "next": "/admin/"}).encode()
    landed = browser.open(urllib.request.Request(f"{server.base}/admin/login/", data=form,
                                                 headers={"Referer": f"{server.base}/admin/login/"}), timeout=30)
    assert landed.url.endswith("/admin/"), landed.url
    return browser


def test_the_admin_lists_read_the_replica_once_a_staff_users_own_write_is_old_enough(deployment):
    executions = "/admin/executions/execution/"
    browser = admin_login(deployment.first)
    logged_in = time.monotonic()

    def routed_by_listing(server) -> dict[str, float]:
        before = deployment.routes()
        with browser.open(f"{server.base}{executions}", timeout=30) as page:
            assert page.status == 200 and "<title>Executions |" in page.read().decode()
        after = deployment.routes()
        return {route: after[route] - before.get(route, 0) for route in after if after[route] != before.get(route)}

    # Its login wrote (a session, its last login): its lists come from the primary, on either server.
    assert routed_by_listing(deployment.second) == {"sticky": 1}
    time.sleep(max(0.0, logged_in + STICKY + 0.5 - time.monotonic()))
    assert routed_by_listing(deployment.second) == {"replica": 1}
    assert routed_by_listing(deployment.first) == {"replica": 1}
    # A page that edits a row is not a list: from the primary, not counted among the routed reads.
    before = deployment.routes()
    with browser.open(f"{deployment.first.base}/admin/", timeout=30) as page:
        assert page.status == 200
    assert deployment.routes() == before


def test_the_commands_and_the_webhook_worker_work_through_pgbouncer(deployment):
    key = deployment.new_key()
    execution_id = start_execution(deployment, deployment.first, key)
    for command in (("show_execution", execution_id, "--json"), ("expire_executions", "--json"),
                    ("prune_executions", "--older-than", "30", "--json"), ("deliver_webhooks", "--once", "--json"),
                    ("list_api_keys", "--tenant", "acme", "--json")):
        done = python("manage.py", *command, env=deployment.env)
        assert done.returncode == 0, (command, done.stderr)
        json.loads(done.stdout)


def test_the_contract_tests_pass_through_pgbouncer(stack):
    """The contract's tests, on a test database made and used through PgBouncer in transaction
    pooling (kept at the end: PgBouncer holds its connections, so it could not be dropped)."""
    env = {**os.environ, "DATABASE_URL": stack.url("bouncer", "contract"), "DATABASE_POOLER": "pgbouncer"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--reuse-db", "-x", "tests/contract"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert re.match(r"\d+ passed", summary) and "error" not in summary, summary
