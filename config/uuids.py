"""The one strict UUID parser for paths, headers, bodies and filters.

`uuid.UUID()` also takes forms without dashes, in braces or as `urn:uuid:`; the contract takes
only the canonical 36-character hyphenated form (any case).
"""

import re
import uuid

CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def parse_uuid(value: object) -> uuid.UUID | None:
    """The UUID `value` spells canonically, or None for any other value."""
    if isinstance(value, str) and CANONICAL_UUID.match(value):
        return uuid.UUID(value)
    return None
