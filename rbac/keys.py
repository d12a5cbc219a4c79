"""The form of API keys and their keyed digest."""

import hashlib
import hmac
import re
import secrets
import string

from django.conf import settings

KEY_FORMAT = re.compile(r"^ak_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{32,512})\Z")
PREFIX_ALPHABET = string.ascii_letters + string.digits


def key_generate() -> tuple[str, str, str]:
    """A new key as (full key, prefix, secret)."""
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(8))
    secret = secrets.token_urlsafe(32)  # 43 URL-safe characters
    return f"ak_{prefix}_{secret}", prefix, secret


def key_split(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    match = KEY_FORMAT.match(key)
    return (match.group(1), match.group(2)) if match else None


def secret_digest(secret: str) -> str:
    # One HMAC, not a slow password hash: keys carry 256 bits of entropy, and every request pays it.
    return hmac.new(settings.API_KEY_PEPPER.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(secret_digest(secret), digest)
