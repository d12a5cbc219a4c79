"""Loaded by pytest before Django's settings (`-p tests.environment`): test-only secrets and a
throwaway cache folder, unless the environment gives its own."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("API_KEY_PEPPER", "test-api-key-pepper")
os.environ.setdefault("CACHE_DIR", tempfile.mkdtemp(prefix="execution-tracking-cache-"))
# The suite sends many bad keys from one address (the test client's): tests/rbac/test_brute_force.py
# sets the real limit where it is the point.
os.environ.setdefault("AUTH_FAILURE_RATE", "1000000/min")
