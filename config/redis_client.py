"""One Redis client a process for each REDIS_URL: the shared counters (rbac/counters.py) and the
replicas' memory of recent writers (config/replicas.py) talk to Redis through it. Django's cache
builds a client on every call, which cost more than the round trip itself (0.45 ms a call)."""

from functools import lru_cache

import redis


@lru_cache
def redis_client(url: str) -> redis.Redis:
    # Short time-outs: a Redis that does not answer costs a request half a second at most, then
    # whoever asked fails open.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
