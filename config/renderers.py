import json

import orjson
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer


class JsonRenderer(JSONRenderer):
    """Compact UTF-8 JSON, written by orjson: bodies with hundreds of log lines are the common
    read, and the standard library's encoder was a tenth of their time."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=str)
        except orjson.JSONEncodeError:  # an integer past 64 bits in a client's JSON, say
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class JsonOnlyNegotiation(BaseContentNegotiation):
    """The API speaks JSON whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return next((p for p in parsers if p.media_type == request.content_type.split(";")[0].strip()), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
