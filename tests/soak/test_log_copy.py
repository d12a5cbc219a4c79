"""What the chaos run found: a connection lost during the COPY of a log batch must surface as
Django's OperationalError (a 503 problem), not as psycopg's own (a 500)."""

import psycopg
import pytest
from django import db
from django.db import connection

from executions import services
from tests.factories import make_execution

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and pg_terminate_backend are PostgreSQL's"),
]


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_during_the_log_copy_is_a_database_error_django_knows(tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule)
    connection.ensure_connection()
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    lines = [(1, execution.created_at, "info", "late line", None, None, None, {})]
    with pytest.raises(db.OperationalError):
        services._copy_log_lines(tenant.pk, execution.pk, lines)
    connection.close()
