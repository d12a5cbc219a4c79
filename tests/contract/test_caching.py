"""The "Caching" section of the contract: ETag and If-None-Match on the reads, and `fields=`."""

import pytest

from tests.factories import assert_problem, make_execution


@pytest.fixture
def execution(filled_execution):
    """Here every execution read has steps and log lines."""
    return filled_execution


pytestmark = pytest.mark.django_db


def _reads(execution) -> list[str]:
    return [f"executions/{execution.pk}", "executions?page_size=5", f"executions/{execution.pk}/logs",
            f"executions/{execution.pk}/events"]


# GET of one execution, of a list page, of logs and of events answers an ETag (a strong validator
# of the body)


def test_every_read_answers_a_strong_etag(api, execution):
    for path in _reads(execution):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/"), path


def test_the_etag_is_the_same_for_the_same_body_and_changes_with_it(api, execution):
    for path in _reads(execution):
        assert api.get(path)["ETag"] == api.get(path)["ETag"], path
    before = {path: api.get(path)["ETag"] for path in _reads(execution)}
    api.post(f"executions/{execution.pk}/logs", {"entries": [{"message": "later"}]})
    api.patch(f"executions/{execution.pk}", {"status": "completed"})
    for path in _reads(execution):
        assert api.get(path)["ETag"] != before[path], path


# a request with If-None-Match naming it answers 304 with no body


def test_if_none_match_naming_the_etag_answers_304_with_no_body(api, execution):
    for path in _reads(execution):
        etag = api.get(path)["ETag"]
        response = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, path
        assert response.content == b"" and response["ETag"] == etag, path


def test_if_none_match_compares_weakly_and_takes_a_list(api, execution):
    path = f"executions/{execution.pk}"
    etag = api.get(path)["ETag"]
    assert api.get(path, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert api.get(path, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_a_stale_etag_answers_the_new_body(api, execution):
    path = f"executions/{execution.pk}"
    etag = api.get(path)["ETag"]
    api.patch(path, {"status_reason": "halfway"})
    response = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["data"]["status_reason"] == "halfway"


def test_if_none_match_changes_nothing_for_errors_and_writes(api, execution, other_tenant):
    etag = api.get(f"executions/{execution.pk}")["ETag"]
    assert_problem(api.get(f"executions/{execution.pk}", HTTP_IF_NONE_MATCH=etag,
                           HTTP_X_TENANT_ID=str(other_tenant.pk)), 403)
    response = api.patch(f"executions/{execution.pk}", {"status_reason": "x"}, HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 200 and "ETag" not in response


# Detail and list also take fields=a,b,c to return only the named top-level fields (plus _links);
# an unknown name is 400


def test_fields_returns_only_the_named_fields_and_links(api, execution):
    body = api.get(f"executions/{execution.pk}", {"fields": "status,logs"}).json()["data"]
    assert set(body) == {"status", "logs", "_links"}
    assert len(body["logs"]) == 3 and body["_links"]["self"]["href"].endswith(str(execution.pk))

    page = api.get("executions", {"fields": "execution_id,status"}).json()
    assert all(set(item) == {"execution_id", "status", "_links"} for item in page["data"])


def test_fields_keeps_the_declared_order_and_takes_links_by_name(api, execution):
    body = api.get(f"executions/{execution.pk}", {"fields": "steps,execution_id,_links"}).json()["data"]
    assert list(body) == ["execution_id", "steps", "_links"]
    only_links = api.get(f"executions/{execution.pk}", {"fields": "_links"}).json()["data"]
    assert list(only_links) == ["_links"]


def test_fields_with_expand_rule_may_name_the_rule(api, execution):
    body = api.get(f"executions/{execution.pk}", {"fields": "status,rule", "expand": "rule"}).json()["data"]
    assert set(body) == {"status", "rule", "_links"} and body["rule"]["id"] == str(execution.rule_id)
    body = api.get(f"executions/{execution.pk}", {"fields": "status", "expand": "rule"}).json()["data"]
    assert set(body) == {"status", "_links"}


def test_fields_keeps_its_value_in_the_pagination_links(api, tenant, rule):
    for _ in range(3):
        make_execution(tenant=tenant, rule=rule)
    first = api.get("executions", {"fields": "status", "page_size": 2}).json()
    second = api.get(first["pagination"]["next"]).json()
    assert [set(item) for item in second["data"]] == [{"status", "_links"}]


@pytest.mark.parametrize("value", ["nope", "status,nope", "logs", "status,", "rule"])
def test_an_unknown_field_of_the_list_is_400_naming_fields(api, execution, value):
    body = assert_problem(api.get("executions", {"fields": value}), 400)
    assert "fields" in body["errors"]


@pytest.mark.parametrize("query", [{"fields": "nope"}, {"fields": ""}, {"fields": "rule"}])
def test_an_unknown_field_of_the_detail_is_400_naming_fields(api, execution, query):
    body = assert_problem(api.get(f"executions/{execution.pk}", query), 400)
    assert "fields" in body["errors"]


def test_fields_given_twice_is_400(api, execution):
    body = assert_problem(api.get(f"executions/{execution.pk}?fields=status&fields=steps"), 400)
    assert "fields" in body["errors"]
