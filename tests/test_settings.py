"""Every environment variable of config/settings.py: a bad value stops manage.py with one line that
names the variable and never repeats a password; good values pass."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = ("DEBUG", "SECRET_KEY", "API_KEY_PEPPER", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PUBLIC_BASE_URL",
             "API_KEY_CACHE_SECONDS", "EXECUTION_LOG_LIMIT", "MAX_BODY_BYTES", "THROTTLE_RATE", "DATABASE_URL",
             "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "REDIS_URL", "CACHE_DIR", "LOG_LEVEL",
             "DATABASE_POOLER", "DATABASE_REPLICA_URL", "DATABASE_REPLICA_POOLER", "REPLICA_STICKY_SECONDS",
             "REPLICA_MAX_LAG_SECONDS")
ON_POSTGRES = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
PASSWORD = "hunter2"


def check(**env: str) -> subprocess.CompletedProcess:
    """`manage.py check` with DEBUG on, none of the variables above but `env`."""
    base = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**base, "DEBUG": "1", **env})


@pytest.mark.parametrize(("named", "env"), [
    ("DEBUG", {"DEBUG": "maybe"}),
    ("SECRET_KEY", {"DEBUG": "0", "API_KEY_PEPPER": "pepper"}),
    ("API_KEY_PEPPER", {"DEBUG": "0", "SECRET_KEY": "secret"}),
    ("ALLOWED_HOSTS", {"ALLOWED_HOSTS": "api.example.com,https://admin.example.com"}),
    ("CSRF_TRUSTED_ORIGINS", {"CSRF_TRUSTED_ORIGINS": "admin.example.com"}),
    ("PUBLIC_BASE_URL", {"PUBLIC_BASE_URL": "https://tracking.example.com/?page=1"}),
    ("API_KEY_CACHE_SECONDS", {"API_KEY_CACHE_SECONDS": "-1"}),
    ("EXECUTION_LOG_LIMIT", {"EXECUTION_LOG_LIMIT": "0"}),
    ("MAX_BODY_BYTES", {"MAX_BODY_BYTES": "8MiB"}),
    ("THROTTLE_RATE", {"THROTTLE_RATE": "lots"}),
    ("DATABASE_URL", {"DATABASE_URL": f"mysql://app:{PASSWORD}@db.example.com/app"}),
    ("DATABASE_URL", {"DATABASE_URL": f"postgres://app:{PASSWORD}@db.example.com:port/app"}),
    ("CONN_MAX_AGE", {"CONN_MAX_AGE": "soon"}),
    ("CONN_HEALTH_CHECKS", {"CONN_HEALTH_CHECKS": "sometimes"}),
    ("REDIS_URL", {"REDIS_URL": f"memcached://:{PASSWORD}@cache.example.com"}),
    ("CACHE_DIR", {"CACHE_DIR": str(ROOT / "manage.py")}),  # a file, not a folder
    ("LOG_LEVEL", {"LOG_LEVEL": "loud"}),
    ("DATABASE_POOLER", {**ON_POSTGRES, "DATABASE_POOLER": "pgpool"}),
    ("DATABASE_REPLICA_URL", {"DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5433/app"}),  # SQLite primary
    ("DATABASE_REPLICA_URL", {**ON_POSTGRES, "DATABASE_REPLICA_URL": f"postgres://app:{PASSWORD}@h/app,sqlite:///x"}),
    ("DATABASE_REPLICA_POOLER", {**ON_POSTGRES, "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5433/app",
                                 "DATABASE_REPLICA_POOLER": "pgpool"}),
    ("REPLICA_STICKY_SECONDS", {"REPLICA_STICKY_SECONDS": "0"}),
    ("REPLICA_MAX_LAG_SECONDS", {**ON_POSTGRES, "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5433/app",
                                 "REPLICA_MAX_LAG_SECONDS": "5"}),  # not under the sticky window's 5 s
])
def test_a_bad_value_stops_the_start_with_one_line_naming_the_variable(named, env):
    done = check(**env)
    assert done.returncode != 0
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith(f"Configuration error: {named} "), done.stderr
    assert "Traceback" not in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_good_values_of_every_variable_pass_the_check(tmp_path):
    done = check(
        DEBUG="off", SECRET_KEY="a-long-random-secret", API_KEY_PEPPER="a-long-random-pepper",
        ALLOWED_HOSTS="api.example.com, .example.com,[::1]", CSRF_TRUSTED_ORIGINS="https://admin.example.com:8443",
        PUBLIC_BASE_URL="https://tracking.example.com/base/", API_KEY_CACHE_SECONDS="0", EXECUTION_LOG_LIMIT="50",
        MAX_BODY_BYTES="1048576", THROTTLE_RATE="10/second", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CONN_MAX_AGE="0", CONN_HEALTH_CHECKS="yes", REDIS_URL="redis://:password@127.0.0.1:6379/0",
        CACHE_DIR=str(tmp_path / "cache"), LOG_LEVEL="warning",
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(("pooler", "expected"), [
    ("", {"server_side_binding": True, "prepare_threshold": 2, "cursors_off": False}),
    ("pgbouncer", {"server_side_binding": False, "prepare_threshold": None, "cursors_off": True}),
])
def test_behind_pgbouncer_nothing_outlives_a_transaction(pooler, expected):
    """DATABASE_POOLER=pgbouncer (transaction pooling): no prepared statements, no server-side cursors."""
    shown = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); from django.conf import settings; "
         "d = settings.DATABASES['default']; print(json.dumps({'server_side_binding': "
         "d['OPTIONS']['server_side_binding'], 'prepare_threshold': d['OPTIONS']['prepare_threshold'], "
         "'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', False)}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "DATABASE_POOLER": pooler,
             "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"},
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize(("replica_pooler", "replica_options"), [
    ("", {"server_side_binding": False, "prepare_threshold": None}),  # as the primary, by default
    ("none", {"server_side_binding": True, "prepare_threshold": 2}),  # reached directly
])
def test_each_replica_is_a_database_connected_as_said_and_mirrored_by_the_tests(replica_pooler, replica_options):
    shown = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); from django.conf import settings; "
         "print(json.dumps({alias: [d['PORT'], d['OPTIONS'], d.get('TEST', {}).get('MIRROR')] "
         "for alias, d in settings.DATABASES.items()} | {'routers': settings.DATABASE_ROUTERS}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **ON_POSTGRES,
             "DATABASE_POOLER": "pgbouncer", "DATABASE_REPLICA_POOLER": replica_pooler,
             "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5433/app, postgres://postgres@127.0.0.1:5434/app"},
    )
    assert shown.returncode == 0, shown.stderr
    pooled = {"server_side_binding": False, "prepare_threshold": None}
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == {
        "default": [5432, pooled, None],
        "replica1": [5433, {"connect_timeout": 2, **replica_options}, "default"],
        "replica2": [5434, {"connect_timeout": 2, **replica_options}, "default"],
        "routers": ["config.replicas.ReplicaRouter"],
    }
