"""The worker that the throttle test (test_throttling.py) spawns.

It lives here, not in the test module, because a spawned process imports the module of its target
before Django is set up, and this module imports nothing of the project at module level."""

import os


def throttle_worker(cache_dir: str, rate: str, prefix: str, attempts: int, barrier, answers) -> None:
    """Runs in a spawned process: asks the API's throttle `attempts` times for one key, through the
    file cache in `cache_dir`, and puts how many it allowed on `answers`."""
    os.environ.update(CACHE_DIR=cache_dir, THROTTLE_RATE=rate)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from types import SimpleNamespace
    from uuid import UUID

    from rbac.authentication import KeyContext
    from rbac.throttling import ApiKeyRateThrottle

    context = KeyContext(1, prefix, UUID(int=1), frozenset())
    barrier.wait(timeout=60)
    # A request each time: one request is counted once, however often it is dispatched.
    answers.put(sum(ApiKeyRateThrottle().allow_request(SimpleNamespace(auth=context), None) for _ in range(attempts)))
