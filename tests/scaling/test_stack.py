"""The stack of benchmarks/stack.py does what the scaling tests rely on: the replica replays the
primary and refuses writes, PgBouncer pools by transaction and reaches databases made after it
started, and the replica and Redis can be stopped and started again on their ports."""

import psycopg
import pytest
import redis


def test_the_replica_replays_what_the_primary_writes(stack):
    stack.sql("primary", "CREATE TABLE replayed (n integer)")
    stack.sql("primary", "INSERT INTO replayed SELECT generate_series(1, 1000)")
    stack.wait_replayed()
    assert stack.sql("replica", "SELECT count(*), sum(n) FROM replayed") == [(1000, 500500)]


def test_the_replica_refuses_writes(stack):
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        stack.sql("replica", "CREATE TABLE refused (n integer)")


def test_pgbouncer_pools_by_transaction(stack):
    """Between two transactions of one client the server connection goes back to the pool: another
    client's transaction takes it (PgBouncer reuses the last one released), so the first client's
    next transaction runs on another server connection, another backend."""
    assert ("pool_mode", "transaction") in [row[:2] for row in stack.sql("bouncer", "SHOW CONFIG",
                                                                         database="pgbouncer")]
    backend = "SELECT pg_backend_pid()"
    with psycopg.connect(stack.url("bouncer")) as first, psycopg.connect(stack.url("bouncer")) as second:
        with first.transaction():
            before = first.execute(backend).fetchone()[0]
        with second.transaction():
            held = second.execute(backend).fetchone()[0]
            with first.transaction():
                after = first.execute(backend).fetchone()[0]
    assert held == before
    assert after != before


def test_pgbouncer_reaches_a_database_created_after_it_started(stack):
    stack.sql("primary", "CREATE DATABASE created_later")
    assert stack.sql("bouncer", "SELECT current_database()", database="created_later") == [("created_later",)]


def test_a_stopped_replica_refuses_then_catches_up_when_started(stack):
    stack.stop_replica()
    try:
        with pytest.raises(psycopg.OperationalError):
            stack.sql("replica", "SELECT 1")
        stack.sql("primary", "CREATE TABLE written_while_away AS SELECT generate_series(1, 10) AS n")
    finally:
        stack.start_replica()
    assert stack.sql("primary", "SELECT state FROM pg_stat_replication") == [("streaming",)]
    stack.wait_replayed()
    assert stack.sql("replica", "SELECT count(*) FROM written_while_away") == [(10,)]


def test_redis_stops_and_starts_again_on_its_port(stack):
    client = redis.Redis.from_url(stack.redis_url, socket_connect_timeout=1, socket_timeout=1)
    client.set("before", "1")
    stack.stop_redis()
    try:
        with pytest.raises(redis.ConnectionError):
            client.ping()
    finally:
        stack.start_redis()
    assert client.ping()
    assert client.get("before") is None  # nothing is saved across a restart
