"""The base of every API viewset: the input layer, the envelope, the rate-limit fields.

Each viewset declares what its actions read besides the body: `path` (how each id in the URL
is parsed) and `inputs` (per action: filters, paging, `fields`, `expand`, an Idempotency-Key
header). `initial()` checks all of it once, after authentication, permissions and throttling and
before the handler runs, in the contract's order: a malformed path id, then every problem of the
query and headers at once (400), then a path id that can name nothing (404). The handler is
called with the parsed path ids and finds the rest on the view."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.viewsets import ViewSet

from config.filters import StrictFilterSet
from config.pagination import Cursor, Paging
from config.problems import InvalidRequest, NotFound, ValidationFailed
from config.renderers import JsonRenderer
from config.uuids import parse_uuid
from rbac.permissions import CanRead
from rbac.throttling import rate_headers

JSON_RENDERER = JsonRenderer()
MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True)
class PathParam:
    """An id in the URL path: `parse` gives its value, or raises InvalidRequest (a malformed
    id, 400) or NotFound (an id no object can have, 404); `schema` documents it."""

    parse: Callable[[str], Any]
    schema: dict


UUID_SCHEMA = {"type": "string", "format": "uuid"}


def uuid_in_path(name: str) -> PathParam:
    def parse(value: str) -> UUID:
        parsed = parse_uuid(value)
        if parsed is None:
            raise InvalidRequest(f"The {name} in the path must be a UUID in its canonical hyphenated form.")
        return parsed

    return PathParam(parse, UUID_SCHEMA)


@dataclass(frozen=True)
class Inputs:
    """What one action reads from its query string and headers."""

    filters: type[StrictFilterSet] | None = None
    paging: Paging | None = None
    fields: tuple[str, ...] = ()  # the names `?fields=` may pick; none: no `fields`
    expand: tuple[str, ...] = ()  # what `?expand=` may embed (then pickable by `fields` too)
    idempotency_key: bool = False  # reads the Idempotency-Key header

    @property
    def single(self) -> tuple[str, ...]:
        """The query parameters given at most once."""
        names = [name for name in (self.filters.names() if self.filters else ()) if name not in self.multi]
        if self.paging:
            names += ["page_size", "cursor"]
        if self.expand:
            names.append("expand")
        if self.fields:
            names.append("fields")
        return tuple(names)

    @property
    def multi(self) -> tuple[str, ...]:
        """The query parameters that may repeat, or hold comma-separated values."""
        return self.filters.multi_value if self.filters else ()


NO_INPUTS = Inputs()


def strict_query(query_params: QueryDict, single: tuple[str, ...], multi: tuple[str, ...],
                 errors: dict[str, list[str]]) -> QueryDict:
    """The query, checked: every name known, every value non-empty and free of NUL, a single
    parameter given once, and a multi one's comma-separated items split. Problems go to `errors`."""
    data = QueryDict(mutable=True)
    for name, values in query_params.lists():
        if name not in single and name not in multi:
            known = ", ".join(sorted((*single, *multi))) or "none"
            errors[name] = [f"Unknown query parameter; this endpoint takes: {known}."]
        elif any(value == "" for value in values):
            errors[name] = ["Must not be empty."]
        elif any("\x00" in value for value in values):
            errors[name] = ["Must not contain NUL characters."]
        elif name in multi:
            data.setlist(name, [item for value in values for item in value.split(",")])
            if "" in data.getlist(name):
                errors[name] = ["Must not hold an empty item."]
        elif len(values) > 1:
            errors[name] = ["Give this parameter once."]
        else:
            data[name] = values[0]
    return data


class ApiViewSet(ViewSet):
    """Parses, authorises and answers; the work is done by services and selectors."""

    # action -> permission class; actions not named need automation:read.
    permission_by_action: dict = {}
    # URL keyword -> how it is parsed; action -> what it reads besides the body.
    path: dict[str, PathParam] = {}
    inputs: dict[str, Inputs] = {}

    # What initial() found, for the handler.
    filters: StrictFilterSet | None = None
    page_size: int = 0
    cursor: Cursor | None = None
    fields: tuple[str, ...] | None = None  # None: every field
    expand: str | None = None
    idempotency_key: str | None = None

    def get_permissions(self):
        return [self.permission_by_action.get(self.action, CanRead)()]

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except (InvalidRequest, PermissionDenied):
            # Only x-tenant-id is refused here, once the key is accepted (401 comes first). A
            # method the route does not take is 405 whatever that header names: nothing here
            # would act in a tenant.
            if self.action is None and request.method != "OPTIONS":
                self.http_method_not_allowed(request)
            raise

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action is None:  # a method the route does not take: 405 (or OPTIONS) follows
            return
        absent = None
        for name, param in self.path.items():
            if name in self.kwargs:
                try:
                    # In place: DRF calls the handler with this same dict.
                    self.kwargs[name] = param.parse(self.kwargs[name])
                except NotFound as exc:
                    absent = absent or exc
        self._read_inputs(self.inputs.get(self.action, NO_INPUTS))
        if absent is not None:
            raise absent

    def _read_inputs(self, inputs: Inputs) -> None:
        errors: dict[str, list[str]] = {}
        data = strict_query(self.request.query_params, inputs.single, inputs.multi, errors)
        if inputs.paging:
            self.page_size = inputs.paging.default
            if "page_size" in data:
                raw, maximum = data["page_size"], inputs.paging.maximum
                if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= maximum:
                    self.page_size = int(raw)
                else:
                    errors["page_size"] = [f"Must be an integer from 1 to {maximum}."]
            if "cursor" in data:
                try:
                    self.cursor = inputs.paging.cursor(data["cursor"])
                except ValidationFailed as exc:
                    errors.update(exc.errors)
        if "expand" in data:
            if data["expand"] in inputs.expand:
                self.expand = data["expand"]
            else:
                errors["expand"] = [f"Must be one of: {', '.join(inputs.expand)}."]
        if "fields" in data:
            known = (*inputs.fields, *((self.expand,) if self.expand else ()))
            names = data["fields"].split(",")
            unknown = [name for name in names if name not in known and name != "_links"]
            if "" in names:
                errors["fields"] = ["Must not hold an empty item."]
            elif unknown:
                errors["fields"] = [f"Unknown field {unknown[0]!r}; known: {', '.join(known)}."]
            else:
                self.fields = tuple(sorted(set(names) - {"_links"}))
        if inputs.filters:
            filterset = inputs.filters(data, queryset=inputs.filters._meta.model.objects.none())
            if filterset.is_valid():
                self.filters = filterset
            else:
                errors.update({name: [str(m) for m in messages] for name, messages in filterset.errors.items()
                               if name not in errors})
        if inputs.idempotency_key:
            key = self.request.headers.get("Idempotency-Key")
            if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
                errors["Idempotency-Key"] = [f"Must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters."]
            self.idempotency_key = key
        if errors:
            raise ValidationFailed.of(errors)

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

    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        """The body, checked by `serializer_class`."""
        data = self.request.data
        if not isinstance(data, dict):
            raise ValidationFailed.of({"body": ["Must be a JSON object."]})
        serializer = serializer_class(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

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
