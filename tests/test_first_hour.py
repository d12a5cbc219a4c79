"""What a newcomer meets before any request: `make run` on a port that is taken, and manage.py
with a bad setting or a database that does not answer: one clear line and a non-zero exit."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("DEBUG", "maybe", "DEBUG"), ("THROTTLE_RATE", "lots", "THROTTLE_RATE"), ("CONN_MAX_AGE", "soon", "CONN_MAX_AGE"),
])
def test_a_bad_setting_stops_a_command_with_one_line(setting, value, named):
    done = manage("expire_executions", **{setting: value})
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0 and named in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_that_does_not_answer_stops_a_command_with_one_line():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = manage("expire_executions", DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/nowhere",
                  SECRET_KEY="x", API_KEY_PEPPER="y")
    assert done.returncode != 0
    assert done.stderr.strip().startswith("The database cannot be reached:"), done.stderr
    assert done.stderr.strip().count("\n") == 0 and "DATABASE_URL" in done.stderr


def test_make_run_on_a_taken_port_says_so_and_how_to_choose_another():
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("make run installs first; the suite runs from make test, which has installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = subprocess.run(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode != 0
    assert f"Port {port} is taken" in done.stderr and "make run PORT=" in done.stderr
