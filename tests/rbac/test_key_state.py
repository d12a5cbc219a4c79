"""A key's state is decided in one place: ApiKey.state() (key_state), with key_state_filter its SQL
form for the admin's filter, and authentication refusing by the same rule."""

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from rbac.models import ApiKey, KeyState, key_state_filter
from tests.factories import ApiClient, assert_problem, make_key

pytestmark = pytest.mark.django_db

# Every combination of the fields a state reads.
REVOKED = (None, "past")
EXPIRES = (None, "past", "future")
USES = ((None, 0), (2, 1), (2, 2), (2, 3))


@pytest.fixture
def keys(tenant) -> list[ApiKey]:
    now = timezone.now()
    moment = {None: None, "past": now - timedelta(hours=1), "future": now + timedelta(hours=1)}
    made = []
    for number, (revoked, expires, (limit, count)) in enumerate(product(REVOKED, EXPIRES, USES)):
        api_key = make_key(tenant=tenant, role="viewer", username=f"user{number}").api_key
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=moment[revoked], expires_at=moment[expires],
                                                    usage_limit=limit, usage_count=count)
        made.append(ApiKey.objects.get(pk=api_key.pk))
    return made


def test_the_filter_finds_exactly_the_keys_whose_state_it_names(keys):
    now = timezone.now()
    for state in KeyState:
        filtered = set(ApiKey.objects.filter(key_state_filter(state, now)).values_list("pk", flat=True))
        assert filtered == {key.pk for key in keys if key.state(now) == state}, state
    assert {key.state(now) for key in keys} == set(KeyState)


def test_the_order_of_the_states_is_revoked_expired_used_up(tenant):
    now = timezone.now()
    key = ApiKey(revoked_at=now, expires_at=now, usage_limit=1, usage_count=1)
    assert key.state(now) == KeyState.REVOKED
    key.revoked_at = None
    assert key.state(now) == KeyState.EXPIRED
    key.expires_at = None
    assert key.state(now) == KeyState.USED_UP
    key.usage_count = 0
    assert key.state(now) == KeyState.ACTIVE


@pytest.mark.parametrize("change, detail", [
    ({"revoked_at": timezone.now()}, "The API key has been revoked."),
    ({"expires_at": timezone.now()}, "The API key has expired."),
    ({"usage_limit": 1, "usage_count": 1}, "The API key is over its usage limit."),
])
def test_authentication_refuses_a_key_that_is_not_active_saying_its_state(member, change, detail):
    ApiKey.objects.filter(pk=member.api_key.pk).update(**change)
    response = ApiClient(member.key).get("executions")
    assert_problem(response, 401)
    assert response.json()["detail"] == detail


def test_a_use_is_counted_only_up_to_the_limit(tenant):
    issued = make_key(tenant=tenant, role="viewer", username="metered", usage_limit=2)
    client = ApiClient(issued.key)
    assert [client.get("executions").status_code for _ in range(3)] == [200, 200, 401]
    issued.api_key.refresh_from_db()
    assert (issued.api_key.usage_count, issued.api_key.state()) == (2, KeyState.USED_UP)
