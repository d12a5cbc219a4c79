"""The base of every API viewset: the envelope, paging parameters, path ids, validation."""

import hashlib
from uuid import UUID

import orjson
from django.http import HttpResponse, HttpResponseNotModified
from rest_framework import status
from rest_framework.viewsets import ViewSet

from config.problems import InvalidRequest, ValidationFailed
from config.renderers import JsonRenderer
from config.uuids import parse_uuid
from rbac.permissions import CanRead
from rbac.throttling import rate_headers

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
JSON_RENDERER = JsonRenderer()


class ApiViewSet(ViewSet):
    """Parses, authorises and answers; the work is done by services and selectors."""

    # action -> permission class; actions not named need automation:read.
    permission_by_action: dict = {}

    def get_permissions(self):
        return [self.permission_by_action.get(self.action, CanRead)()]

    def finalize_response(self, request, response, *args, **kwargs):
        """Every answer to a request with a valid key carries its rate-limit fields: counted by
        the throttle, or read (not counted) when the request ended before it (a 403)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        headers = getattr(request._request, "rate_headers", None)
        prefix = getattr(request._request, "valid_key_prefix", None)
        if headers is None and prefix is not None:
            headers = rate_headers(prefix)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @property
    def tenant_id(self) -> UUID:
        return self.request.auth.tenant_id

    @property
    def actor(self) -> str:
        return self.request.auth.actor

    # Input

    @staticmethod
    def path_uuid(value: str, name: str) -> UUID:
        parsed = parse_uuid(value)
        if parsed is None:
            raise InvalidRequest(f"The {name} in the path must be a UUID in its canonical hyphenated form.")
        return parsed

    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        data = self.request.data
        if not isinstance(data, dict):
            raise ValidationFailed("body: Must be a JSON object.", {"body": ["Must be a JSON object."]})
        serializer = serializer_class(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, allowed: tuple[str, ...] = ()) -> dict[str, str]:
        """The query parameters of an endpoint without filters; anything else is a 400."""
        errors = {}
        for name, values in self.request.query_params.lists():
            if name not in allowed:
                errors[name] = ["Unknown query parameter."]
            elif len(values) != 1 or values[0] == "":
                errors[name] = ["Give this parameter once, with a value."]
        if errors:
            name = next(iter(errors))
            raise ValidationFailed(f"{name}: {errors[name][0]}", errors)
        return {name: self.request.query_params[name] for name in self.request.query_params}

    def page_size(self, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
        raw = self.request.query_params.get("page_size")
        if raw is None:
            return default
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
            message = f"Must be an integer from 1 to {maximum}."
            raise ValidationFailed(f"page_size: {message}", {"page_size": [message]})
        return int(raw)

    # Output: bodies are written as bytes here (the hot reads hand over JSON text built by the
    # database, which is never parsed again); GET answers carry an ETag.

    def ok(self, data, status_code: int = status.HTTP_200_OK) -> HttpResponse:
        return self.answer(b'{"data":' + as_json(data) + b"}", status_code)

    def created(self, data, location: str) -> HttpResponse:
        response = self.answer(b'{"data":' + as_json(data) + b"}", status.HTTP_201_CREATED)
        response["Location"] = location
        return response

    def paged(self, items: list, page) -> HttpResponse:
        pagination = orjson.dumps({"next": page.next, "previous": page.previous})
        return self.answer(b'{"data":[' + b",".join(as_json(item) for item in items) + b'],"pagination":'
                           + pagination + b"}")

    @staticmethod
    def no_content() -> HttpResponse:
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)

    def answer(self, body: bytes, status_code: int = status.HTTP_200_OK) -> HttpResponse:
        if self.request.method not in ("GET", "HEAD") or status_code != status.HTTP_200_OK:
            return HttpResponse(body, status=status_code, content_type="application/json")
        # A strong validator of these very bytes: equal bodies, equal tags.
        etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        if etag_matches(self.request.headers.get("If-None-Match"), etag):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        return response


def as_json(data) -> bytes:
    """JSON bytes of `data`; bytes (or text) are JSON already, as the database wrote them."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    return JSON_RENDERER.render(data)


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): a W/ prefix does not matter."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
