"""API keys: the secret is shown once, never stored and never logged; the digest is an HMAC keyed
with API_KEY_PEPPER."""

import hashlib
import hmac
import logging

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rbac.keys import key_split
from rbac.models import ApiKey
from tests.factories import API, ApiClient, make_execution, make_key


def secret_of(key: str) -> str:
    return key_split(key)[1]


def test_an_issued_key_is_prefix_and_secret_and_the_prefix_names_the_row(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    prefix, secret = key_split(issued.key)
    assert issued.key == f"ak_{prefix}_{secret}"
    assert issued.api_key.prefix == prefix
    assert len(secret) >= 32
    assert str(issued.api_key) == f"ak_{prefix}"


def test_keys_are_unique(tenant):
    keys = [make_key(tenant=tenant, role="viewer", username=f"user{n}") for n in range(20)]
    assert len({issued.key for issued in keys}) == 20
    assert len({issued.api_key.prefix for issued in keys}) == 20


def test_no_column_of_any_table_holds_the_secret(tenant):
    issued = make_key(tenant=tenant, role="admin", username="alice")
    ApiClient(issued.key).get(f"executions/{make_execution(tenant=tenant).pk}")
    secret = secret_of(issued.key)

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    for field in ApiKey._meta.concrete_fields:
        value = str(field.value_from_object(stored))
        assert secret not in value, field.name
        assert issued.key not in value, field.name
    # Nor any other row the creation or a use of the key wrote.
    for model in apps.get_models():
        for row in model._default_manager.all():
            for field in model._meta.concrete_fields:
                assert secret not in str(field.value_from_object(row)), (model.__name__, field.name)


def test_the_digest_is_an_hmac_sha256_of_the_secret_keyed_with_the_pepper(settings, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    expected = hmac.new(settings.API_KEY_PEPPER.encode(), secret_of(issued.key).encode(), hashlib.sha256).hexdigest()
    assert issued.api_key.digest == expected
    assert issued.api_key.digest != hashlib.sha256(secret_of(issued.key).encode()).hexdigest()


def test_a_different_pepper_refuses_the_key(settings, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    execution = make_execution(tenant=tenant)
    client = ApiClient(issued.key)
    assert client.get(f"executions/{execution.pk}").status_code == 200
    settings.API_KEY_PEPPER = "another-pepper"
    assert client.get(f"executions/{execution.pk}").status_code == 401


def test_the_secret_is_never_logged_on_creation_or_use(caplog, tenant):
    execution = make_execution(tenant=tenant)
    # Capturing queries makes the database backend log every statement with its parameters.
    with (caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django"),
          CaptureQueriesContext(connection) as queries):
        issued = make_key(tenant=tenant, role="admin", username="alice")
        client = ApiClient(issued.key)
        assert client.get(f"executions/{execution.pk}").status_code == 200
        assert client.get(f"{API}/nothing").status_code == 404
        assert client.get("executions/not-a-uuid").status_code == 400
        assert client.post("executions", "{").status_code == 400
        revoked = make_key(tenant=tenant, role="viewer", username="victor")
        revoked.api_key.revoked_at = revoked.api_key.created_at
        revoked.api_key.save(update_fields=["revoked_at"])
        assert ApiClient(revoked.key).get(f"executions/{execution.pk}").status_code == 401
        wrong = issued.key[:-4] + "abcd"
        assert ApiClient(wrong).get(f"executions/{execution.pk}").status_code == 401
    assert any(record.name == "django.db.backends" for record in caplog.records)
    logged = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [str(record.__dict__) for record in caplog.records]
        + [query["sql"] for query in queries.captured_queries]
    )
    for secret in (secret_of(issued.key), secret_of(revoked.key), secret_of(wrong)):
        assert secret not in logged


def test_the_stored_row_does_not_show_the_key_again(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="victor")
    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    for shown in (str(stored), repr(stored), stored.prefix, stored.digest):
        assert secret_of(issued.key) not in shown
