import json
import math
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper documents are refused: every later step (validation, storage, rendering) walks them
# recursively, and Python's stack would give out (a 500) long before the body limit.
MAX_DEPTH = 100
# A \u escape of a UTF-16 surrogate: half of a pair, or a lone one that no UTF-8 text can hold.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: no database or JSON writer can hold it
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _depth_within(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return True


class StrictJsonParser(JSONParser):
    """JSON only as RFC 8259 has it: no NaN or Infinity, UTF-8, at most MAX_DEPTH levels deep."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
            if SURROGATE_ESCAPE.search(text):
                # Escaped pairs decode to one character; a lone surrogate cannot be encoded.
                json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeError:
            raise ParseError("The body is not UTF-8 (or escapes a lone UTF-16 surrogate).") from None
        except RecursionError:
            raise ParseError(f"The body is nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        if text.count("[") + text.count("{") > MAX_DEPTH and not _depth_within(data, MAX_DEPTH):
            raise ParseError(f"The body is nested more than {MAX_DEPTH} levels deep.")
        return data
