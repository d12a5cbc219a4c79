"""Error fingerprints: what groups failures that are one problem. An execution that fails or
times out with an error_message gets the fingerprint of its rule and its message with the parts
that vary from run to run replaced: `SMTP 451 for order 42` and `SMTP 451 for order 97` of one
rule are one group; another rule's, or another message's, is another."""

import hashlib
import re
from uuid import UUID

# Longer than any message worth grouping by; keeps the work per failure bounded.
MAX_MESSAGE_LENGTH = 2000

# Where two could match at one place, the first listed wins (a UUID is not also numbers and hex).
VARYING = (
    ("query", r"\?[^\s\"'<>]*", "?<query>"),  # a URL's query string
    ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "<email>"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", "<uuid>"),
    ("str", r"\"[^\"\n]*\"|'[^'\n]*'", "<str>"),
    # Hexadecimal ids: 8 or more hex digits, with both a digit and a letter among them (a word
    # such as "deadbeef" or "facade" stays, and so does a plain number, for the next line).
    ("hex", r"\b(?:0x)?(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", "<hex>"),
    ("n", r"\d+(?:\.\d+)?", "<n>"),
)
VARYING_PART = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern, _ in VARYING))
PLACEHOLDERS = {name: placeholder for name, _, placeholder in VARYING}


def normalised(message: str) -> str:
    """The message with its varying parts shown as <n>, <uuid>, <hex>, <str>, <email>, <query>,
    and each run of white space as one space."""
    text = " ".join(message[:MAX_MESSAGE_LENGTH].split())
    return VARYING_PART.sub(lambda match: PLACEHOLDERS[match.lastgroup], text)


def fingerprint(rule_id: UUID | str, message: str | None) -> str | None:
    """16 lowercase hex characters naming the rule and the normalised message; None without a
    message."""
    if not message or not message.strip():
        return None
    digest = hashlib.sha256(f"{rule_id}\n{normalised(message)}".encode())
    return digest.hexdigest()[:16]
