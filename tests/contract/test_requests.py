"""The "Requests" section of the contract and the status table, on GET /executions/{id}: one test
(or parametrised group) per sentence, then the order in which the statuses win."""

import http.client
import json
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from rbac.models import ApiKey, Role, RoleAssignment
from rbac.services import role_assign, role_create
from tests.factories import API, ApiClient, add_logs, add_steps, assert_problem, make_execution, make_key


@pytest.fixture
def execution(filled_execution):
    """Here every execution read has steps and log lines."""
    return filled_execution

Z_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def detail_path(execution_id) -> str:
    return f"executions/{execution_id}"


def without_request_id(body: dict) -> dict:
    return {name: value for name, value in body.items() if name != "request_id"}


# Base path, JSON, UTF-8, timestamps


def test_the_detail_answers_under_the_base_path_with_the_data_envelope(api, execution):
    response = api.get(f"{API}/executions/{execution.pk}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["data"]
    assert body["data"]["execution_id"] == str(execution.pk)


def test_a_trailing_slash_is_accepted_without_a_redirect(api, execution):
    without = api.get(detail_path(execution.pk))
    with_slash = api.get(detail_path(execution.pk) + "/")
    assert with_slash.status_code == 200
    assert with_slash.json()["data"] == without.json()["data"]


def test_a_trailing_slash_is_accepted_on_a_list_and_on_a_post(api, execution, rule):
    assert api.get("executions/").status_code == 200
    assert api.get(f"executions/{execution.pk}/logs/").status_code == 200
    response = api.post("executions/", {"automation_rule_id": str(rule.pk), "trigger_data": {}})
    assert response.status_code == 201


def test_answers_are_json_in_utf8(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, trigger_data={"city": "Zürich", "emoji": "🚀"})
    response = api.get(detail_path(execution.pk))
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    # Raw UTF-8, not only \u escapes: the bytes decode as UTF-8 and hold the characters.
    assert "Zürich".encode() in response.content
    assert json.loads(response.content.decode("utf-8"))["data"]["trigger_data"] == {"city": "Zürich", "emoji": "🚀"}


def test_a_utf8_json_body_is_read_as_utf8(api, rule):
    body = json.dumps({"automation_rule_id": str(rule.pk), "trigger_data": {"name": "Ærøskøbing ✓"}},
                      ensure_ascii=False).encode("utf-8")
    response = api.post("executions", body)
    assert response.status_code == 201
    assert response.json()["data"]["trigger_data"] == {"name": "Ærøskøbing ✓"}


def test_a_body_that_is_not_utf8_is_a_400_problem(api, rule):
    start = f'{{"automation_rule_id": "{rule.pk}", "trigger_data": {{"name": "'.encode()
    body = start + "Zürich".encode("latin-1") + b'"}}'
    assert_problem(api.post("executions", body), 400)


def test_a_body_that_is_not_json_is_a_415_problem(api, rule):
    response = api.post("executions", "automation_rule_id=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_every_timestamp_is_utc_written_with_z(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    add_steps(execution, 2)
    add_logs(execution, 2)
    api.patch(detail_path(execution.pk), {"status": "completed"})
    body = api.get(detail_path(execution.pk), {"expand": "rule"}).json()["data"]
    stamps = [body["started_at"], body["completed_at"], body["created_at"], body["updated_at"],
              body["rule"]["created_at"], body["rule"]["updated_at"]]
    stamps += [line["timestamp"] for line in body["logs"]]
    stamps += [step[name] for step in body["steps"] for name in ("started_at", "completed_at") if step[name]]
    assert len(stamps) >= 9
    for stamp in stamps:
        assert Z_TIMESTAMP.match(stamp), stamp


def test_a_timestamp_sent_with_an_offset_is_shown_in_utc(api, execution):
    response = api.post(f"executions/{execution.pk}/steps",
                        {"key": "late", "status": "completed", "started_at": "2030-01-01T12:00:00+02:00",
                         "completed_at": "2030-01-01T12:00:05+02:00"})
    assert response.status_code == 201
    assert response.json()["data"]["started_at"] == "2030-01-01T10:00:00Z"
    assert response.json()["data"]["completed_at"] == "2030-01-01T10:00:05Z"


# UUIDs in paths, headers and bodies

MALFORMED_UUIDS = {
    "no dashes": lambda u: u.hex,
    "braces": lambda u: "{" + str(u) + "}",
    "urn": lambda u: f"urn:uuid:{u}",
    "too short": lambda u: str(u)[:-1],
    "too long": lambda u: str(u) + "0",
    "not hex": lambda u: "g" + str(u)[1:],
    "dashes misplaced": lambda u: str(u).replace("-", "")[:7] + "-" + str(u).replace("-", "")[7:30],
    "trailing newline": lambda u: f"{u}\n",
    "surrounding spaces": lambda u: f" {u} ",
    "word": lambda u: "latest",
}


@pytest.mark.parametrize("spelling", MALFORMED_UUIDS.values(), ids=MALFORMED_UUIDS.keys())
def test_a_malformed_execution_id_in_the_path_is_400(api, execution, spelling):
    path = f"{API}/executions/{spelling(execution.pk)}".replace("\n", "%0A").replace(" ", "%20")
    path = path.replace("{", "%7B").replace("}", "%7D")
    body = assert_problem(api.get(path), 400)
    assert "execution id" in body["detail"]


@pytest.mark.parametrize("case", [str.upper, str.lower, lambda s: s[:18].upper() + s[18:]],
                         ids=["upper", "lower", "mixed"])
def test_any_case_of_a_canonical_uuid_is_accepted(api, execution, tenant, case):
    response = api.get(detail_path(case(str(execution.pk))), HTTP_X_TENANT_ID=case(str(tenant.pk)))
    assert response.status_code == 200
    assert response.json()["data"]["execution_id"] == str(execution.pk)


@pytest.mark.parametrize("spelling", MALFORMED_UUIDS.values(), ids=MALFORMED_UUIDS.keys())
def test_a_malformed_x_tenant_id_is_400(api, execution, tenant, spelling):
    body = assert_problem(api.get(detail_path(execution.pk), HTTP_X_TENANT_ID=spelling(tenant.pk)), 400)
    assert "x-tenant-id" in body["detail"]


@pytest.mark.parametrize("spelling", MALFORMED_UUIDS.values(), ids=MALFORMED_UUIDS.keys())
def test_a_malformed_uuid_in_a_body_is_400_naming_the_field(api, rule, spelling):
    response = api.post("executions", {"automation_rule_id": spelling(rule.pk), "trigger_data": {}})
    body = assert_problem(response, 400)
    assert "automation_rule_id" in body["errors"]


def test_a_malformed_uuid_in_a_filter_is_400_naming_it(api, rule):
    body = assert_problem(api.get("executions", {"automation_rule_id": rule.pk.hex}), 400)
    assert "automation_rule_id" in body["errors"]


# Integers and NUL characters


def test_integers_up_to_2_31_minus_1_are_accepted(api, rule):
    response = api.post("executions", {"automation_rule_id": str(rule.pk), "trigger_data": {},
                                       "actions_total": 2**31 - 1})
    assert response.status_code == 201
    assert response.json()["data"]["actions_total"] == 2**31 - 1


@pytest.mark.parametrize("value", [2**31, 2**63, 10**30, -1, 1.5, "3", True], ids=repr)
def test_an_integer_out_of_range_or_not_an_integer_is_400(api, rule, value):
    response = api.post("executions", {"automation_rule_id": str(rule.pk), "trigger_data": {},
                                       "actions_total": value})
    assert "actions_total" in assert_problem(response, 400)["errors"]


def test_an_integer_out_of_range_in_a_patch_is_400(api, execution):
    response = api.patch(detail_path(execution.pk), {"actions_total": 2**31})
    assert "actions_total" in assert_problem(response, 400)["errors"]


def test_an_integer_out_of_range_in_a_query_is_400(api):
    body = assert_problem(api.get("executions", {"min_duration_ms": 2**31}), 400)
    assert "min_duration_ms" in body["errors"]


@pytest.mark.parametrize(
    "fields",
    [
        {"triggered_by": "robot\u0000"},
        {"external_ref": "\u0000"},
        {"trigger_data": {"note": "a\u0000b"}},
        {"trigger_data": {"a\u0000": 1}},
        {"trigger_data": {"deep": [{"x": ["\u0000"]}]}},
        {"execution_context": {"k": "\u0000"}},
    ],
    ids=["triggered_by", "external_ref", "trigger_data value", "trigger_data key", "nested", "context"],
)
def test_a_nul_character_in_a_string_is_400(api, rule, fields):
    body = {"automation_rule_id": str(rule.pk), "trigger_data": {}, **fields}
    response = api.post("executions", body)
    assert next(iter(fields)) in assert_problem(response, 400)["errors"]


def test_a_nul_character_in_a_log_line_or_a_query_is_400(api, execution):
    response = api.post(f"executions/{execution.pk}/logs", {"entries": [{"message": "a\u0000"}]})
    assert "entries.0.message" in assert_problem(response, 400)["errors"]
    assert_problem(api.get("executions", {"external_ref": "a\u0000"}), 400)


# Bodies that are not JSON a database can hold


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        "",
        "[1, 2",
        "{'single': 'quotes'}",
        '{"trigger_data": {"x": NaN}}',
        '{"trigger_data": {"x": Infinity}}',
        '{"trigger_data": {"x": 1e400}}',
        '{"trigger_data": {"x": "\\ud800"}}',
        '{"trigger_data": ' + "[" * 100000 + "]" * 100000 + "}",
        '{"trigger_data": ' + '{"a":' * 500 + "1" + "}" * 500 + "}",
    ],
    ids=["truncated", "empty", "unclosed array", "single quotes", "NaN", "Infinity", "float overflow",
         "lone surrogate", "nested 100000 deep", "nested 500 deep"],
)
def test_an_invalid_json_body_is_a_400_problem(api, raw):
    assert_problem(api.post("executions", raw), 400)


def test_an_invalid_json_body_on_a_patch_is_a_400_problem(api, execution):
    assert_problem(api.patch(detail_path(execution.pk), '{"status": '), 400)


def test_json_nested_moderately_and_escaped_surrogate_pairs_are_accepted(api, rule):
    nested = {"a": {"b": {"c": [[[{"d": [1, 2.5, None, True]}]]]}}}
    raw = json.dumps({"automation_rule_id": str(rule.pk), "trigger_data": {"nested": nested, "emoji": "🚀"}})
    assert "\\ud83d" in raw
    response = api.post("executions", raw)
    assert response.status_code == 201
    assert response.json()["data"]["trigger_data"] == {"nested": nested, "emoji": "🚀"}


# Authentication: the key and its form


def test_issued_keys_have_the_contract_form(member):
    assert re.fullmatch(r"ak_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}", member.key)
    assert member.key.split("_", 2)[1] == member.api_key.prefix


def _wrong_secret(key: str) -> str:
    prefix = key[: len("ak_12345678_")]
    return prefix + ("A" if key[-1] != "A" else "B") * (len(key) - len(prefix))


def _expired(tenant, member):
    ApiKey.objects.filter(pk=member.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return member.key


def _revoked(tenant, member):
    ApiKey.objects.filter(pk=member.api_key.pk).update(revoked_at=timezone.now())
    return member.key


def _inactive_user(tenant, member):
    get_user_model().objects.filter(pk=member.api_key.user_id).update(is_active=False)
    return member.key


def _deleted_user(tenant, member):
    get_user_model().objects.filter(pk=member.api_key.user_id).delete()
    return member.key


def _over_limit(tenant, member):
    issued = make_key(tenant=tenant, role="admin", username="limited", usage_limit=1)
    ApiKey.objects.filter(pk=issued.api_key.pk).update(usage_count=1)
    return issued.key


BAD_KEYS = {
    "unknown": lambda tenant, member: "ak_ZZZZZZZZ_" + "s" * 43,
    "known prefix, wrong secret": lambda tenant, member: _wrong_secret(member.key),
    "known prefix, secret cut short": lambda tenant, member: member.key[:-1],
    "known prefix, secret extended": lambda tenant, member: member.key + "x",
    "malformed: no ak_": lambda tenant, member: member.key[3:],
    "malformed: prefix of 7": lambda tenant, member: "ak_" + member.key[4:],
    "malformed: secret under 32": lambda tenant, member: member.key[: len("ak_12345678_") + 31],
    "malformed: bearer": lambda tenant, member: f"Bearer {member.key}",
    "malformed: trailing newline": lambda tenant, member: member.key + "\n",
    "malformed: empty": lambda tenant, member: "",
    "malformed: garbage": lambda tenant, member: "hello",
    "expired": _expired,
    "revoked": _revoked,
    "inactive user": _inactive_user,
    "deleted user": _deleted_user,
    "over its usage limit": _over_limit,
}


def test_a_missing_key_is_401_with_www_authenticate(execution):
    response = Client().get(f"{API}/{detail_path(execution.pk)}")
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"]
    assert "x-api-key" in response["WWW-Authenticate"]
    assert body["type"].endswith(":not-authenticated")


@pytest.mark.parametrize("make_bad_key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_bad_key_is_401_with_www_authenticate(execution, tenant, member, make_bad_key):
    key = make_bad_key(tenant, member)
    response = Client().get(f"{API}/{detail_path(execution.pk)}", HTTP_X_API_KEY=key)
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"]
    assert body["type"].endswith(":not-authenticated")
    assert key.strip() not in body["detail"] or not key.strip()


def test_an_unexpired_key_with_an_expiry_is_accepted(execution, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="temp", expires_in_days=1)
    assert ApiClient(issued.key).get(detail_path(execution.pk)).status_code == 200


# Tenant


def test_x_tenant_id_naming_the_keys_own_tenant_changes_nothing(api, execution, tenant):
    plain = api.get(detail_path(execution.pk))
    named = api.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(tenant.pk))
    assert named.status_code == 200
    assert named.json() == plain.json()


def test_x_tenant_id_of_another_tenant_or_of_none_is_403_with_one_body(api, execution, other_tenant):
    another = assert_problem(api.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(other_tenant.pk)), 403)
    nobody = assert_problem(api.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(uuid.uuid4())), 403)
    assert without_request_id(another) == without_request_id(nobody)
    assert str(other_tenant.pk) not in json.dumps(another)


def test_a_key_cannot_reach_into_another_tenant_with_x_tenant_id(execution, tenant, outsider):
    response = ApiClient(outsider.key).get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(tenant.pk))
    assert_problem(response, 403)


def test_a_user_without_a_role_in_the_keys_tenant_is_403(execution, tenant, member):
    RoleAssignment.objects.filter(user_id=member.api_key.user_id, tenant=tenant).delete()
    body = assert_problem(ApiClient(member.key).get(detail_path(execution.pk)), 403)
    assert "role" in body["detail"]


def test_a_role_in_another_tenant_gives_nothing_in_the_keys_tenant(execution, tenant, other_tenant):
    issued = make_key(tenant=tenant, role="admin", username="dave")
    RoleAssignment.objects.filter(user_id=issued.api_key.user_id, tenant=tenant).delete()
    role_assign(user=issued.api_key.user, tenant=other_tenant, role=Role.objects.get(name="admin"))
    assert_problem(ApiClient(issued.key).get(detail_path(execution.pk)), 403)


def test_a_role_without_automation_read_is_403(execution, tenant):
    role_create(name="nothing", permissions=[])
    issued = make_key(tenant=tenant, role="nothing", username="nemo")
    body = assert_problem(ApiClient(issued.key).get(detail_path(execution.pk)), 403)
    assert "automation:read" in body["detail"]


@pytest.mark.parametrize("role", ["viewer", "writer", "operator", "admin"])
def test_every_built_in_role_reads(execution, tenant, role):
    issued = make_key(tenant=tenant, role=role, username=f"user-{role}")
    assert ApiClient(issued.key).get(detail_path(execution.pk)).status_code == 200


# 404: absent in the selected tenant


def test_a_missing_execution_and_another_tenants_are_the_same_404(api, other_tenant):
    theirs = make_execution(tenant=other_tenant)
    missing_id = uuid.uuid4()
    missing = assert_problem(api.get(detail_path(missing_id)), 404)
    foreign = assert_problem(api.get(detail_path(theirs.pk)), 404)
    assert set(missing) == set(foreign)
    # The detail names the id asked for and nothing more, so it tells nothing about existence.
    assert without_request_id(missing) == {
        **without_request_id(foreign), "detail": foreign["detail"].replace(str(theirs.pk), str(missing_id)),
    }


def test_another_tenants_execution_is_404_also_with_expand(api, other_tenant):
    theirs = make_execution(tenant=other_tenant)
    assert_problem(api.get(detail_path(theirs.pk), {"expand": "rule"}), 404)


# Usage limits


def test_a_limit_of_n_lets_the_first_n_uses_proceed_and_refuses_every_later_request(execution, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=3)
    client = ApiClient(issued.key)
    assert [client.get(detail_path(execution.pk)).status_code for _ in range(3)] == [200, 200, 200]
    for _ in range(3):
        response = client.get(detail_path(execution.pk))
        assert_problem(response, 401)
        assert response["WWW-Authenticate"]


def test_a_use_counts_whatever_the_final_answer(execution, tenant, other_tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=4)
    client = ApiClient(issued.key)
    assert client.get(detail_path(uuid.uuid4())).status_code == 404
    assert client.get("executions/not-a-uuid").status_code == 400
    assert client.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(other_tenant.pk)).status_code == 403
    assert client.post("executions", {"trigger_data": {}}).status_code == 403  # viewer cannot write
    assert_problem(client.get(detail_path(execution.pk)), 401)


def test_a_request_with_an_invalid_key_is_not_a_use(execution, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=1)
    for _ in range(3):
        assert Client().get(f"{API}/{detail_path(execution.pk)}",
                            HTTP_X_API_KEY=_wrong_secret(issued.key)).status_code == 401
    assert ApiClient(issued.key).get(detail_path(execution.pk)).status_code == 200


def test_usage_counts_never_reset(execution, tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=1)
    client = ApiClient(issued.key)
    assert client.get(detail_path(execution.pk)).status_code == 200
    # Long after: the limit is a lifetime count, not a rate.
    ApiKey.objects.filter(pk=issued.api_key.pk).update(
        last_used_at=timezone.now() - timedelta(days=400), created_at=timezone.now() - timedelta(days=400)
    )
    assert_problem(client.get(detail_path(execution.pk)), 401)
    issued.api_key.refresh_from_db()
    assert issued.api_key.usage_count == 1


# X-Request-ID


@pytest.mark.parametrize("given", ["abc", "A" * 128, "req-1.2_3:4", "0", str(uuid.uuid4())])
def test_a_valid_request_id_is_echoed(api, execution, given):
    assert api.get(detail_path(execution.pk), HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "A" * 129, "has space", "semi;colon", "slash/", "ünï", "line\n", "a,b"],
                         ids=["empty", "129 chars", "space", "semicolon", "slash", "non-ascii", "newline",
                              "comma"])
def test_an_invalid_request_id_is_replaced_with_a_fresh_uuid(api, execution, given):
    first = api.get(detail_path(execution.pk), HTTP_X_REQUEST_ID=given)
    second = api.get(detail_path(execution.pk), HTTP_X_REQUEST_ID=given)
    assert first.status_code == 200
    assert UUID4.match(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_every_response_carries_a_request_id_and_errors_repeat_it(api, execution):
    responses = [
        api.get(detail_path(execution.pk)),
        Client().get(f"{API}/{detail_path(execution.pk)}"),
        api.get("executions/nope"),
        api.get(detail_path(uuid.uuid4())),
        Client().get("/healthz"),
        Client().get("/api/schema/"),
    ]
    for response in responses:
        assert response["X-Request-ID"]
    given = assert_problem(api.get(detail_path(uuid.uuid4()), HTTP_X_REQUEST_ID="trace-42"), 404)
    assert given["request_id"] == "trace-42"


# Error bodies


def test_unknown_api_paths_are_problem_404s(api):
    # (The base path itself is the API's root: test_endpoints.py.)
    for path in ("/api/", "/api/nothing", f"{API}/nothing", f"{API}/executions/x/y/z",
                 "/api/v2/automation/executions"):
        assert_problem(api.get(path), 404)


def test_a_post_to_an_unknown_api_path_is_a_problem_404_not_a_csrf_page(member):
    client = Client(enforce_csrf_checks=True, HTTP_X_API_KEY=member.key)
    assert_problem(client.post(f"{API}/nothing", "{}", content_type="application/json"), 404)


def test_a_method_not_allowed_is_a_problem_405(api, execution):
    assert_problem(api.delete(detail_path(execution.pk)), 405)
    assert_problem(api.put(f"{API}/{detail_path(execution.pk)}", "{}", content_type="application/json"), 405)
    assert_problem(api.post(detail_path(execution.pk), {}), 405)


def test_errors_carry_the_problem_fields_and_no_stack_trace(api, execution, rule):
    responses = {
        400: api.get("executions/xyz"),
        401: Client().get(f"{API}/{detail_path(execution.pk)}"),
        403: api.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(uuid.uuid4())),
        404: api.get(detail_path(uuid.uuid4())),
        405: api.delete(detail_path(execution.pk)),
        409: api.post(f"executions/{execution.pk}/retry"),
        415: api.post("executions", "x", content_type="text/plain"),
    }
    for status, response in responses.items():
        body = assert_problem(response, status)
        for name in ("type", "title", "detail", "request_id"):
            assert isinstance(body[name], str) and body[name], (status, name)
        text = response.content.decode()
        for leak in ("Traceback", 'File "', "SELECT ", "django.", "rest_framework."):
            assert leak not in text, (status, leak)


def test_validation_errors_name_fields_by_path(api, execution):
    response = api.post(f"executions/{execution.pk}/logs",
                        {"entries": [{"message": "ok"}, {"message": "ok"}, {"level": "loud", "message": "x"}]})
    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"entries.2.level"}
    assert all(isinstance(message, str) for message in body["errors"]["entries.2.level"])


def test_problem_types_are_stable_per_kind(api, execution):
    first = assert_problem(api.get("executions/xyz"), 400)
    second = assert_problem(api.get("executions/abc"), 400)
    missing = assert_problem(api.get(detail_path(uuid.uuid4())), 404)
    assert first["type"] == second["type"] != missing["type"]


# Success bodies and lists


def test_a_list_has_data_and_cursor_pagination(api, execution):
    body = api.get("executions").json()
    assert set(body) == {"data", "pagination"}
    assert set(body["pagination"]) == {"next", "previous"}
    assert [item["execution_id"] for item in body["data"]] == [str(execution.pk)]


@pytest.mark.parametrize(
    "path, query, name",
    [
        ("executions", {"page_size": "0"}, "page_size"),
        ("executions", {"page_size": "201"}, "page_size"),
        ("executions", {"page_size": "ten"}, "page_size"),
        ("executions", {"colour": "red"}, "colour"),
        ("executions", {"status": ""}, "status"),
        ("executions", {"cursor": "not-a-cursor"}, "cursor"),
        ("logs", {"page_size": "1001"}, "page_size"),
        ("logs", {"verbose": "1"}, "verbose"),
        ("detail", {"colour": "red"}, "colour"),
    ],
)
def test_bad_query_parameters_are_400_naming_them(api, execution, path, query, name):
    target = {"executions": "executions", "logs": f"executions/{execution.pk}/logs",
              "detail": detail_path(execution.pk)}[path]
    body = assert_problem(api.get(target, query), 400)
    assert name in body["errors"]


def test_page_size_bounds_are_accepted(api, execution):
    assert api.get("executions", {"page_size": "200"}).status_code == 200
    assert api.get("executions", {"page_size": "1"}).status_code == 200
    assert api.get(f"executions/{execution.pk}/logs", {"page_size": "1000"}).status_code == 200


# Write answers


def test_write_answers_have_the_contract_shapes(tenant, rule, member, operator):
    api, ops = ApiClient(member.key), ApiClient(operator.key)
    started = api.post("executions", {"automation_rule_id": str(rule.pk), "trigger_data": {}})
    assert started.status_code == 201
    execution_id = started.json()["data"]["execution_id"]
    assert started["Location"].endswith(f"{API}/executions/{execution_id}")

    logs = api.post(f"executions/{execution_id}/logs", {"entries": [{"message": "a"}, {"message": "b"}]})
    assert logs.status_code == 201
    assert logs.json() == {"data": {"count": 2, "first_sequence": 1, "last_sequence": 2}}

    step = api.post(f"executions/{execution_id}/steps", {"key": "send"})
    assert step.status_code == 201 and step["Location"].endswith(f"/executions/{execution_id}/steps/send")

    patched = api.patch(f"executions/{execution_id}", {"status": "running"})
    assert patched.status_code == 200 and patched.json()["data"]["status"] == "running"

    cancelled = ops.post(f"executions/{execution_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["data"]["status"] == "cancelled"

    retried = ops.post(f"executions/{execution_id}/retry")
    assert retried.status_code == 201
    assert retried["Location"].endswith(f"/executions/{retried.json()['data']['execution_id']}")

    made = api.post("rules", {"name": "Spare", "trigger": "spare", "actions": []})
    assert made.status_code == 201 and made["Location"].endswith(f"/rules/{made.json()['data']['id']}")
    deleted = api.delete(f"rules/{made.json()['data']['id']}")
    assert deleted.status_code == 204 and deleted.content == b""


# The order of the statuses


def test_413_beats_401(settings, execution):
    settings.MAX_BODY_BYTES = 100
    response = Client().generic("POST", f"{API}/executions", b"{" + b" " * 200 + b"}",
                                content_type="application/json")
    assert_problem(response, 413)


@pytest.mark.django_db(transaction=True)
def test_413_is_a_problem_under_djangos_development_server_too(settings, live_server, member):
    """A real request to the server `make run` uses (the live server is Django's development
    server), which refuses a response that sets a hop-by-hop header such as Connection."""
    settings.MAX_BODY_BYTES = 100
    connection = http.client.HTTPConnection(urlsplit(live_server.url).netloc, timeout=10)
    body = b"{" + b" " * 200 + b"}"
    connection.request("POST", f"{API}/executions", body=body,
                       headers={"Content-Type": "application/json", "x-api-key": member.key})
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(response.read())["status"] == 413
    connection.close()


def test_a_body_at_the_limit_is_read(settings, api, rule):
    body = json.dumps({"automation_rule_id": str(rule.pk), "trigger_data": {}})
    settings.MAX_BODY_BYTES = len(body.encode())
    assert api.post("executions", body).status_code == 201
    settings.MAX_BODY_BYTES = len(body.encode()) - 1
    assert_problem(api.post("executions", body), 413)


def test_401_beats_400_for_a_malformed_x_tenant_id(execution, member):
    for key in (None, _wrong_secret(member.key)):
        client = Client(**({"HTTP_X_API_KEY": key} if key else {}))
        response = client.get(f"{API}/{detail_path(execution.pk)}", HTTP_X_TENANT_ID="not-a-uuid")
        assert_problem(response, 401)


def test_400_for_a_malformed_x_tenant_id_beats_403(execution, tenant):
    role_create(name="nothing", permissions=[])
    issued = make_key(tenant=tenant, role="nothing", username="nemo")
    response = ApiClient(issued.key).get(detail_path(execution.pk), HTTP_X_TENANT_ID="not-a-uuid")
    assert_problem(response, 400)


def test_403_beats_400_for_the_form_of_the_path(tenant, other_tenant, api):
    role_create(name="nothing", permissions=[])
    issued = make_key(tenant=tenant, role="nothing", username="nemo")
    assert_problem(ApiClient(issued.key).get("executions/not-a-uuid"), 403)
    assert_problem(api.get("executions/not-a-uuid", HTTP_X_TENANT_ID=str(other_tenant.pk)), 403)


def test_429_has_retry_after_and_403_beats_it(settings, execution, tenant):
    # A day-long window, so that no window boundary can fall between the requests. The count is
    # kept per key prefix, and every test's keys are new.
    settings.THROTTLE_RATE = "2/day"
    viewer = ApiClient(make_key(tenant=tenant, role="viewer", username="busy").key)
    assert [viewer.get(detail_path(execution.pk)).status_code for _ in range(2)] == [200, 200]
    response = viewer.get(detail_path(execution.pk))
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1

    # Over its rate, a request that is forbidden is still 403.
    assert_problem(viewer.post("executions", {"trigger_data": {}}), 403)
    assert_problem(viewer.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(uuid.uuid4())), 403)


def test_429_beats_400_for_the_form_of_the_path(settings, execution, tenant):
    settings.THROTTLE_RATE = "1/day"
    client = ApiClient(make_key(tenant=tenant, role="viewer", username="busy").key)
    assert client.get(detail_path(execution.pk)).status_code == 200
    assert_problem(client.get("executions/not-a-uuid"), 429)
    assert_problem(client.get(detail_path(execution.pk), {"expand": "everything"}), 429)


RATE_FIELDS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def test_every_answer_to_a_valid_key_carries_the_rate_limit_fields(settings, execution, tenant, other_tenant):
    settings.THROTTLE_RATE = "3/day"
    client = ApiClient(make_key(tenant=tenant, role="viewer", username="paced").key)
    first, second = client.get(detail_path(execution.pk)), client.get(detail_path(execution.pk))
    assert [first[name] for name in RATE_FIELDS[:2]] == ["3", "2"]
    assert second["RateLimit-Remaining"] == "1" and 1 <= int(second["RateLimit-Reset"]) <= 86400
    # Refused answers of a valid key carry them too: a 404, a 403 before the count, a 429.
    missing = client.get(f"executions/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing["RateLimit-Remaining"] == "0"
    forbidden = client.get(detail_path(execution.pk), HTTP_X_TENANT_ID=str(other_tenant.pk))
    assert forbidden.status_code == 403 and all(name in forbidden for name in RATE_FIELDS)
    limited = client.get(detail_path(execution.pk))
    assert limited.status_code == 429 and limited["RateLimit-Remaining"] == "0"


def test_an_answer_without_a_valid_key_carries_no_rate_limit_fields(execution, member):
    for client in (ApiClient(None), ApiClient(member.key[:-4] + "xxxx")):
        response = client.get(detail_path(execution.pk))
        assert response.status_code == 401 and not any(name in response for name in RATE_FIELDS)


def test_the_rate_is_counted_per_key(settings, execution, tenant):
    settings.THROTTLE_RATE = "1/day"
    first = ApiClient(make_key(tenant=tenant, role="viewer", username="one").key)
    second = ApiClient(make_key(tenant=tenant, role="viewer", username="two").key)
    assert first.get(detail_path(execution.pk)).status_code == 200
    assert first.get(detail_path(execution.pk)).status_code == 429
    assert second.get(detail_path(execution.pk)).status_code == 200


def test_400_for_the_form_of_the_path_beats_404(api):
    assert_problem(api.get(f"executions/{uuid.uuid4().hex}"), 400)
    assert_problem(api.get(f"executions/{uuid.uuid4()}", {"expand": "steps"}), 400)


# Health, schema and docs


def test_healthz_and_readyz_answer_200_without_a_key(db):
    for path in ("/healthz", "/readyz", "/healthz/", "/readyz/"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert response.json()["status"] == "ok"


def test_the_schema_is_openapi_3_with_the_key_scheme_and_the_tenant_header(db):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    schemes = {name: scheme for name, scheme in schema["components"]["securitySchemes"].items()
               if (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")}
    assert schemes
    detail = schema["paths"]["/api/v1/automation/executions/{execution_id}"]["get"]
    assert any(set(requirement) & set(schemes) for requirement in detail.get("security", schema.get("security")))
    assert any(p["in"] == "header" and p["name"] == "x-tenant-id" for p in detail["parameters"])
    assert {"200", "400", "401", "403", "404"} <= set(detail["responses"])
    assert "application/problem+json" in detail["responses"]["404"]["content"]


def test_the_docs_page_loads_only_local_assets(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert references
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", page)
    assert not re.search(r"""@import\s+url\(\s*["']?(?:https?:)?//""", page)
    for reference in references:
        assert reference.startswith("/"), reference
        assert Client().get(reference).status_code == 200, reference


# JSON in and out: a client's numbers come back as they were sent.


def test_an_integer_past_64_bits_in_trigger_data_is_kept_and_answered(api: ApiClient, rule):
    # Sent as text: 30 digits do not fit the 64-bit integers of most JSON libraries.
    body = f'{{"automation_rule_id": "{rule.pk}", "trigger_data": {{"big": 123456789012345678901234567890}}}}'
    created = api.post("executions", body)
    assert created.status_code == 201, created.content
    execution = api.get(f"executions/{created.json()['data']['execution_id']}")
    assert execution.status_code == 200
    assert execution.json()["data"]["trigger_data"] == {"big": 123456789012345678901234567890}


# Messages that say how to put it right


def test_every_invalid_field_is_reported_at_once_an_unknown_one_hiding_none(api, rule):
    body = assert_problem(api.post("executions", {"automation_rule_id": "nope", "trigger_data": 5, "colour": 1}),
                          400)
    assert {"colour", "automation_rule_id", "trigger_data"} <= set(body["errors"])


def test_a_bad_step_key_is_told_the_pattern(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    body = assert_problem(api.post(f"executions/{execution.pk}/steps", {"key": "send mail"}), 400)
    assert "letter, a digit or one of _ . : -" in body["errors"]["key"][0]


def test_a_bad_time_in_a_query_is_told_the_format_and_to_encode_the_plus(api):
    body = assert_problem(api.get("executions?started_after=2025-06-01T14:00:00 02:00"), 400)
    assert "2025-06-01T12:00:00Z" in body["errors"]["started_after"][0]
    assert "%2B" in body["errors"]["started_after"][0]


def test_a_415_says_to_send_json(api):
    body = assert_problem(api.post("executions", "x", content_type="text/plain"), 415)
    assert "Content-Type: application/json" in body["detail"]
