"""A small bench database, loaded as `make bench` loads its own, for the harness's tests."""

import os

import pytest
from django.db import connection

from benchmarks import load_data

EXECUTIONS = 60


@pytest.fixture(scope="session")
def bench_data():
    """Skipped outside the PostgreSQL pass of the suite: the loader writes with COPY."""
    if connection.vendor != "postgresql":
        pytest.skip("the bench data is loaded into PostgreSQL (with COPY); SQLite has neither")
    name = f"bench_test_{os.getpid()}"
    url = f"{load_data.SERVER}/{name}"
    load_data.recreate_database(name)
    try:
        load_data.migrate(url)
        meta = load_data.load(url, EXECUTIONS)
        yield load_data.BenchData.from_meta(url, meta)
    finally:
        load_data.drop_database(name)
