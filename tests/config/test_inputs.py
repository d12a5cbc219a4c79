"""The API's input layer (config/api.py): each action's path ids, query and headers are checked
once, before its handler, with one message per kind of mistake, whatever the parameter."""

import uuid

import pytest

from tests import factories
from tests.factories import assert_problem

MISSING = uuid.UUID(int=7)


@pytest.mark.parametrize("path", ["executions/{e}?expand=rule&expand=rule", "executions?triggered_by=a&triggered_by=b",
                                  "rules?trigger=a&trigger=b", "executions?status=running&page_size=1&page_size=2",
                                  "executions/{e}/logs?after=1&after=2"])
def test_a_repeated_parameter_has_one_message_whichever_it_is(api, execution, path):
    body = assert_problem(api.get(path.format(e=execution.pk)), 400)
    name = path.rsplit("&", 1)[1].split("=")[0]
    assert body["errors"] == {name: ["Give this parameter once."]}


@pytest.mark.parametrize("path", ["executions/{e}?expand=", "executions?status=", "rules?trigger=",
                                  "executions?page_size=", "executions/{e}/logs?cursor=", "executions/{e}?fields="])
def test_an_empty_parameter_has_one_message_whichever_it_is(api, execution, path):
    name = path.rsplit("?", 1)[1].split("=")[0]
    body = assert_problem(api.get(path.format(e=execution.pk)), 400)
    assert body["errors"] == {name: ["Must not be empty."]}
    assert body["detail"] == f"{name}: Must not be empty."


def test_an_unknown_parameter_names_those_the_endpoint_takes(api, execution):
    body = assert_problem(api.get(f"executions/{execution.pk}?page_size=5"), 400)
    assert body["errors"] == {"page_size": ["Unknown query parameter; this endpoint takes: expand, fields."]}
    body = assert_problem(api.get(f"executions/{execution.pk}/steps?x=1"), 400)
    assert body["errors"] == {"x": ["Unknown query parameter; this endpoint takes: none."]}


def test_every_problem_of_the_query_is_named_at_once(api):
    body = assert_problem(api.get("executions?status=nope&page_size=0&cursor=zz&colour=red"), 400)
    assert set(body["errors"]) == {"status", "page_size", "cursor", "colour"}
    assert body["detail"].endswith("(and 3 more)")


def test_an_empty_item_of_a_list_is_named(api, execution):
    assert assert_problem(api.get("executions?status=running,"), 400)["errors"] == {
        "status": ["Must not hold an empty item."]}
    assert assert_problem(api.get(f"executions/{execution.pk}?fields=id,"), 400)["errors"] == {
        "fields": ["Must not hold an empty item."]}


def test_an_unknown_expansion_names_those_there_are(api, execution):
    body = assert_problem(api.get(f"executions/{execution.pk}?expand=steps"), 400)
    assert body["errors"] == {"expand": ["Must be one of: rule."]}


def test_the_form_of_the_query_comes_before_an_absent_object(api):
    # 400 for the form of the path or query, then 404 (the contract's order of precedence).
    assert_problem(api.get(f"rules/{MISSING}/executions?cursor=bad"), 400)
    assert_problem(api.get(f"rules/{MISSING}/executions?page_size=0"), 400)
    assert_problem(api.get(f"executions/{MISSING}/logs?level=loud"), 400)
    assert_problem(api.get(f"executions/{MISSING}/steps/no%20such%20key?x=1"), 400)
    assert_problem(api.get(f"executions/{MISSING}/steps/no%20such%20key"), 404)
    assert_problem(api.get("executions/not-a-uuid/steps/no%20such%20key"), 400)


def test_a_bad_idempotency_key_header_is_named_with_the_query(api, rule):
    response = api.post("executions?x=1", {"automation_rule_id": str(rule.pk)},
                        HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert set(assert_problem(response, 400)["errors"]) == {"x", "Idempotency-Key"}


def test_a_method_the_route_does_not_take_is_405_whatever_the_path_id(api):
    assert_problem(api.generic("PUT", f"{factories.API}/executions/not-a-uuid", "{}",
                               content_type="application/json"), 405)


@pytest.mark.parametrize("named", ["0", str(MISSING)])  # malformed (else 400), another tenant (else 403)
def test_a_method_the_route_does_not_take_is_405_whatever_x_tenant_id_names(api, execution, named):
    answer = api.generic("TRACE", f"{factories.API}/executions/{execution.pk}", HTTP_X_TENANT_ID=named)
    assert_problem(answer, 405)
    assert "GET" in answer["Allow"]


def test_the_handler_gets_the_path_id_parsed(api, execution):
    # Any case spells the same id, and the handler answers with the canonical one.
    upper = str(execution.pk).upper()
    assert api.get(f"executions/{upper}").json()["data"]["execution_id"] == str(execution.pk)
