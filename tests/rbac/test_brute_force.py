"""Guessing keys: failed API-key authentications are limited per client address (AUTH_FAILURE_RATE),
and a 401 says nothing about whether a key's prefix exists."""

import time
import uuid

import pytest

from tests.factories import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    """30 failures an hour, away from the window's end (where the count would start again)."""
    settings.AUTH_FAILURE_RATE = "30/hour"
    left = 3600 - time.time() % 3600
    if left < 30:
        time.sleep(left + 0.1)


def _address() -> str:
    """A fresh client address per test: the counts are shared by the whole run."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def bad_key() -> str:
    return f"ak_{uuid.uuid4().hex[:8]}_{uuid.uuid4().hex}{uuid.uuid4().hex}"


def test_the_31st_bad_key_from_one_address_is_429_and_a_good_key_elsewhere_still_works(limit, member):
    attacker, other = _address(), _address()
    for _ in range(30):
        assert_problem(ApiClient(bad_key()).get("executions", REMOTE_ADDR=attacker), 401)
    blocked = assert_problem(ApiClient(bad_key()).get("executions", REMOTE_ADDR=attacker), 429)
    assert "failed authentications" in blocked["detail"]
    # From there on no key is even looked at from that address, a good one neither.
    refused = ApiClient(member.key).get("executions", REMOTE_ADDR=attacker)
    assert_problem(refused, 429)
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert ApiClient(member.key).get("executions", REMOTE_ADDR=other).status_code == 200


def test_good_keys_are_never_counted(limit, member):
    address = _address()
    for _ in range(40):
        assert ApiClient(member.key).get("executions", REMOTE_ADDR=address).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(limit, settings, member):
    settings.TRUSTED_PROXIES = ["192.0.2.10"]
    attacker, neighbour = _address(), _address()
    for _ in range(31):
        ApiClient(bad_key()).get("executions", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=attacker)
    assert_problem(ApiClient(member.key).get("executions", REMOTE_ADDR="192.0.2.10",
                                             HTTP_X_FORWARDED_FOR=f"{attacker}, 192.0.2.10"), 429)
    assert ApiClient(member.key).get("executions", REMOTE_ADDR="192.0.2.10",
                                     HTTP_X_FORWARDED_FOR=neighbour).status_code == 200


def test_a_401_does_not_tell_whether_the_prefix_exists(member):
    known_prefix = member.key.split("_")[1]
    unknown = assert_problem(ApiClient(bad_key()).get("executions"), 401)
    wrong_secret = assert_problem(ApiClient(f"ak_{known_prefix}_{uuid.uuid4().hex * 2}").get("executions"), 401)
    assert {k: v for k, v in unknown.items() if k != "request_id"} == {
        k: v for k, v in wrong_secret.items() if k != "request_id"}
