"""The scaling tests' `stack`: a PostgreSQL primary, a streaming replica, PgBouncer and Redis of
their own on loopback (benchmarks/stack.py), started once per session.

They belong to the PostgreSQL pass: on SQLite they are skipped. Where the stack's programs are
missing they are skipped too, except under CI=true, where that is a failure: CI must not pass
without having run them (`make test` installs pgbouncer; `make stack-tools` alone does)."""

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from benchmarks.stack import Stack, missing_tools


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.skip(f"needs the PostgreSQL pass: a streaming replica and PgBouncer are PostgreSQL's; "
                    f"this run's database is {engine.rsplit('.', 1)[-1]}")
    missing = missing_tools()
    if missing:
        reason = (f"needs {', '.join(missing)} for the stack of primary, replica, PgBouncer and Redis "
                  "(make stack-tools installs pgbouncer)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    with Stack() as started:
        yield started
