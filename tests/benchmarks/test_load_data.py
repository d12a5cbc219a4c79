import uuid

import psycopg

from benchmarks import load_data
from benchmarks.load_data import text, timestamp, uuid7_at


def test_uuid7_at_is_a_version_7_uuid_that_sorts_by_its_time():
    early, late = uuid7_at(1_700_000_000_000_000, 2**74 - 1), uuid7_at(1_700_000_000_001_000, 0)
    assert uuid.UUID(early).version == 7 and uuid.UUID(early).variant == uuid.RFC_4122
    assert early < late
    assert int(early.replace("-", "")[:12], 16) == 1_700_000_000_000


def test_copy_text_escapes_what_copy_reads_as_syntax():
    assert text(None) == r"\N"
    assert text("a\tb\nc\\d") == r"a\tb\nc\\d"
    assert timestamp(1_700_000_000_000_001) == "2023-11-14 22:13:20.000001+00"


def test_loaded_rows_are_consistent_with_the_app_counters_and_each_other(bench_data):
    with psycopg.connect(bench_data.url) as conn:
        problems = conn.execute("""
            SELECT
              (SELECT count(*) FROM executions_execution e
               WHERE log_count <> (SELECT count(*) FROM executions_executionlog l WHERE l.execution_id = e.id)
                  OR log_count <> coalesce((SELECT max(sequence) FROM executions_executionlog l
                                            WHERE l.execution_id = e.id), 0)
                  OR step_count <> (SELECT count(*) FROM executions_executionstep s WHERE s.execution_id = e.id)),
              (SELECT count(*) FROM executions_executionlog l JOIN executions_execution e ON e.id = l.execution_id
               WHERE e.tenant_id <> l.tenant_id),
              (SELECT count(*) FROM executions_executionevent v
               WHERE NOT EXISTS (SELECT 1 FROM executions_execution e
                                 WHERE e.id = v.execution_id AND e.tenant_id = v.tenant_id)),
              (SELECT count(*) FROM executions_execution e JOIN executions_execution r ON r.id = e.retry_of_id
               WHERE r.rule_id <> e.rule_id OR r.completed_at > e.created_at OR e.attempt <> r.attempt + 1),
              -- the last status event of each execution names its status
              (SELECT count(*) FROM executions_execution e
               WHERE e.status <> (SELECT v.status FROM executions_executionevent v
                                  WHERE v.execution_id = e.id AND v.type <> 'execution.retried'
                                  ORDER BY v.id DESC LIMIT 1))
        """).fetchone()
        tenants = dict(conn.execute("SELECT tenant_id::text, count(*) FROM executions_execution GROUP BY 1"))
    assert problems == (0, 0, 0, 0, 0)
    assert tenants[bench_data.tenant] == bench_data.executions
    assert len(tenants) == 1 + load_data.OTHER_TENANTS


def test_the_load_restores_the_indexes_the_migrations_made(bench_data, tmp_path):
    name = "bench_test_schema_only"
    load_data.recreate_database(name)
    try:
        load_data.migrate(f"{load_data.SERVER}/{name}")
        indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        with psycopg.connect(f"{load_data.SERVER}/{name}") as migrated, psycopg.connect(bench_data.url) as loaded:
            assert migrated.execute(indexes).fetchall() == loaded.execute(indexes).fetchall()
    finally:
        load_data.drop_database(name)


def test_the_pools_hold_bench_executions_of_the_measured_shape(bench_data):
    with psycopg.connect(bench_data.url) as conn:
        detail = conn.execute("SELECT DISTINCT tenant_id::text, step_count, log_count FROM executions_execution"
                              " WHERE id = ANY(%s::uuid[])", (bench_data.detail_pool,)).fetchall()
        logs = conn.execute("SELECT DISTINCT tenant_id::text, log_count FROM executions_execution"
                            " WHERE id = ANY(%s::uuid[])", (bench_data.logs_pool,)).fetchall()
    assert detail == [(bench_data.tenant, 5, load_data.LINES)]
    assert logs == [(bench_data.tenant, load_data.LONG_LINES)]


def test_write_targets_are_made_and_cleared_in_the_write_tenant_only(bench_data):
    before = _counts(bench_data)
    targets = load_data.make_ingest_targets(bench_data, count=3)
    with psycopg.connect(bench_data.url) as conn:
        assert conn.execute("SELECT count(*) FROM executions_execution WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                            (bench_data.write_tenant, targets)).fetchone() == (3,)
    load_data.clear_writes(bench_data)
    assert _counts(bench_data) == before


def _counts(data):
    with psycopg.connect(data.url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM executions_execution),"
                            " (SELECT count(*) FROM executions_executionlog)").fetchone()
