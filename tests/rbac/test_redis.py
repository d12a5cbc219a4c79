"""REDIS_URL: the rate limit's counts in Redis, shared by every process of every machine (the
machine's own redis-server on 127.0.0.1:6379), and failing open while Redis is away."""

import socket
import uuid

import pytest
import redis

from config import metrics
from tests.factories import ApiClient, assert_problem

pytestmark = pytest.mark.django_db
REDIS = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def _use_redis(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


@pytest.mark.skipif(not _redis_answers(), reason="no redis-server answers on 127.0.0.1:6379")
def test_with_redis_the_rate_limit_counts_there(settings, member):
    _use_redis(settings, REDIS)
    settings.THROTTLE_RATE = "2/min"
    api = ApiClient(member.key)
    assert api.get("executions").status_code == 200
    assert api.get("executions").status_code == 200
    assert_problem(api.get("executions"), 429)
    store = redis.Redis.from_url(REDIS)
    stored = store.keys(f"*throttle:{member.api_key.prefix}:*")
    assert stored, "the count is in Redis"
    assert all(0 < store.ttl(key) <= 61 for key in stored), "and goes at the end of its window"


def test_with_redis_away_requests_are_answered_and_the_failure_counted(settings, member):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _use_redis(settings, f"redis://127.0.0.1:{port}/0")
    settings.THROTTLE_RATE = "100/min"
    before = metrics.RATE_STORE_ERRORS._value.get()
    api = ApiClient(member.key)
    answers = [api.get("executions", HTTP_X_REQUEST_ID=str(uuid.uuid4())) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert metrics.RATE_STORE_ERRORS._value.get() - before == 3
