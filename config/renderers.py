from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer


class JsonRenderer(JSONRenderer):
    """Compact UTF-8 JSON."""

    ensure_ascii = False
    compact = True


class JsonOnlyNegotiation(BaseContentNegotiation):
    """The API speaks JSON whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return next((p for p in parsers if p.media_type == request.content_type.split(";")[0].strip()), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
