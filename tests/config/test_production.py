"""Running it in production: `make serve`'s checks, the deployment check, HTTPS behind a proxy,
the security headers, metrics and the JSON request log — the last two through a real gunicorn
with two workers, as operators run it."""

import json
import re
import signal
import socket
import time
from pathlib import Path

import pytest
from django.test import Client

from benchmarks.servers import environment, get, python, start_gunicorn
from tests.factories import ApiClient

ROOT = Path(__file__).resolve().parents[2]
# `make serve`'s checks (config/preflight.py): one line and a non-zero exit for each problem


def test_serving_refuses_to_start_without_its_secrets_in_one_line(tmp_path):
    env = environment(tmp_path)
    del env["SECRET_KEY"]
    done = python("-m", "config.preflight", env=env)
    assert done.returncode != 0
    assert done.stderr.strip() == "Configuration error: SECRET_KEY is required when DEBUG is off (a long random string)"


def test_serving_says_what_to_run_when_migrations_are_pending(tmp_path):
    done = python("-m", "config.preflight", env=environment(tmp_path))
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ migration\(s\) are not applied yet: run `.venv/bin/python manage.py migrate` with "
                        r"the same environment, then start again\.", last), last
    assert "Traceback" not in done.stderr


def test_the_deployment_check_is_clean_with_production_settings_behind_https(tmp_path):
    done = python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=environment(tmp_path, HTTPS="1"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


# HTTPS=1 behind a TLS proxy, and the headers of every answer


@pytest.fixture
def behind_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    settings.SECURE_HSTS_SECONDS = 31_536_000


@pytest.mark.django_db
def test_behind_https_plain_http_is_redirected_but_the_health_checks_answer(behind_https):
    client = Client()
    redirected = client.get("/api/v1/automation/executions")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/v1/automation/executions"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_behind_https_a_forwarded_https_request_is_served_with_hsts(behind_https, member):
    answer = ApiClient(member.key).get("executions", HTTP_X_FORWARDED_PROTO="https")
    assert answer.status_code == 200
    assert answer["Strict-Transport-Security"].startswith("max-age=31536000")
    assert answer.json()["pagination"]["next"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/automation/executions", "/admin/login/", "/api/docs/", "/healthz"])
def test_every_answer_carries_the_security_headers(path):
    answer = Client().get(path)
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
def test_html_pages_carry_a_policy_that_forbids_inline_scripts_and_have_none(path):
    answer = Client().get(path)
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", answer.content.decode(), re.S)
    assert scripts, "the page loads its scripts"
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts), scripts


@pytest.mark.django_db
def test_the_api_answers_json_without_a_page_policy(api):
    assert "Content-Security-Policy" not in api.get("executions")


# Metrics (in-process): counters move, the token guards them


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""


def _figure(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.startswith(name) and (metric == name or metric == f"{name}{{{wanted}}}"
                                        or (labels and metric.startswith(f"{name}{{") and all(
                                            f'{key}="{value}"' in metric for key, value in labels.items()))):
            return float(value)
    return 0.0


@pytest.mark.django_db
def test_metrics_are_off_unless_enabled():
    assert Client().get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_count_requests_by_route_template_and_executions_by_status(
    metrics_on, member, rule, django_capture_on_commit_callbacks
):
    api, scrape = ApiClient(member.key), Client()
    before = scrape.get("/metrics").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # executions are counted once committed
        started = api.post("executions", {"automation_rule_id": str(rule.pk), "trigger_data": {}}).json()["data"]
        api.patch(f"executions/{started['execution_id']}", {"status": "running"})
        api.patch(f"executions/{started['execution_id']}", {"status": "completed"})
    ApiClient("ak_unknown1_" + "x" * 40).get("executions")
    after = scrape.get("/metrics").content.decode()

    route = "/api/v1/automation/executions/{execution_id}"
    assert _figure(after, "http_requests_total", route=route, method="PATCH", status="200") - _figure(
        before, "http_requests_total", route=route, method="PATCH", status="200") == 2
    assert _figure(after, "executions_started_total") - _figure(before, "executions_started_total") == 1
    assert _figure(after, "executions_finished_total", status="completed") - _figure(
        before, "executions_finished_total", status="completed") == 1
    assert _figure(after, "auth_failures_total", reason="unknown") - _figure(
        before, "auth_failures_total", reason="unknown") == 1
    assert str(started["execution_id"]) not in after  # labels are templates, never ids


@pytest.mark.django_db
def test_metrics_with_a_token_answer_401_to_a_missing_or_wrong_one(metrics_on, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


# Through a real gunicorn with two workers


@pytest.fixture
def gunicorn(tmp_path):
    """`make serve`'s server with two workers and metrics on, on a migrated database of its own,
    with a key."""
    env = environment(tmp_path, METRICS_ENABLED="1", WEB_CONCURRENCY="2", LOG_FORMAT="json")
    assert python("manage.py", "migrate", "-v0", env=env).returncode == 0
    assert python("manage.py", "create_tenant", "Acme", env=env).returncode == 0
    made = python("manage.py", "create_api_key", "--user", "ops", "--tenant", "acme", "--role", "admin", "--json",
                  env=env)
    with start_gunicorn(env, tmp_path) as running:
        running.key = json.loads(made.stdout)["key"]
        yield running


def test_under_gunicorn_each_request_is_one_json_line_without_the_key(gunicorn):
    base, key, log = gunicorn.base, gunicorn.key, gunicorn.log
    for _ in range(3):
        assert get(f"{base}/api/v1/automation/executions", **{"x-api-key": key, "X-Request-ID": "trace-1"})[0] == 200
    assert get(f"{base}/api/v1/automation/executions/not-an-id", **{"x-api-key": key})[0] == 400
    time.sleep(0.5)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "requests"]
    listed = [line for line in requests if line["request_id"] == "trace-1"]
    assert len(listed) == 3
    assert listed[0]["method"] == "GET" and listed[0]["status"] == 200
    assert listed[0]["route"] == listed[0]["path"] == "/api/v1/automation/executions"
    assert listed[0]["key_prefix"] == key.split("_")[1] and re.fullmatch(r"[0-9a-f-]{36}", listed[0]["tenant"])
    assert isinstance(listed[0]["duration_ms"], float)
    bad = next(line for line in requests if line["status"] == 400)
    assert bad["route"] == "/api/v1/automation/executions/{execution_id}"
    assert key.split("_", 2)[2] not in log.read_text()  # the secret is never logged


def test_under_gunicorn_sigterm_lets_a_request_in_flight_finish(gunicorn):
    body = json.dumps({"name": "Late", "trigger": "order.created"}).encode()
    port = int(gunicorn.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(f"POST /api/v1/automation/rules HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"x-api-key: {gunicorn.key}\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[:10])
        time.sleep(0.5)  # a worker now holds the request, waiting for the rest of its body
        gunicorn.server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        connection.sendall(body[10:])
        answer = connection.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 201"), answer[:200]
    assert gunicorn.server.wait(timeout=40) == 0


def test_under_gunicorn_the_workers_figures_add_up(gunicorn):
    base, key = gunicorn.base, gunicorn.key
    for _ in range(20):
        assert get(f"{base}/api/v1/automation/rules", **{"x-api-key": key})[0] == 200
    status, body = get(f"{base}/metrics")
    assert status == 200
    assert _figure(body.decode(), "http_requests_total", route="/api/v1/automation/rules", method="GET",
                   status="200") == 20


def test_a_commands_log_lines_go_to_stderr_and_its_json_alone_to_stdout(tmp_path):
    env = environment(tmp_path, LOG_LEVEL="DEBUG", DEBUG="1")  # Django logs each SQL statement
    assert python("manage.py", "migrate", "-v0", env=env).returncode == 0
    made = python("manage.py", "create_tenant", "Initech", "--json", env=env)
    assert json.loads(made.stdout)["slug"] == "initech"  # nothing but the JSON object
    assert '"logger": "django.db.backends"' in made.stderr
