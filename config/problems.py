"""RFC 9457 problem details: the one shape of every error the API gives."""

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from config import metrics
from executions import exceptions as domain

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:problem-type:execution-tracking:"

# kind -> (status, title); the problem `type` is TYPE_PREFIX + kind.
KINDS = {
    "invalid-request": (400, "The request is invalid"),
    "validation-error": (400, "The request body or parameters are invalid"),
    "invalid-json": (400, "The body is not valid JSON"),
    "not-authenticated": (401, "Authentication is required"),
    "forbidden": (403, "Not allowed"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "not-acceptable": (406, "Not acceptable"),
    "conflict": (409, "The request conflicts with the current state"),
    "payload-too-large": (413, "The body is too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "rate-limited": (429, "Too many requests"),
    "server-error": (500, "Internal server error"),
    "unavailable": (503, "Service unavailable"),
}


UNAVAILABLE_RETRY_AFTER = 5  # seconds


def problem_type(kind: str) -> str:
    return TYPE_PREFIX + kind


def problem_body(request: HttpRequest | None, kind: str, detail: str, errors: dict | None = None) -> dict:
    status_code, title = KINDS[kind]
    body = {
        "type": problem_type(kind),
        "title": title,
        "status": status_code,
        "detail": detail,
        "request_id": getattr(request, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(request: HttpRequest | None, kind: str, detail: str, errors: dict | None = None,
                     headers: dict | None = None) -> HttpResponse:
    """A plain Django response, for middleware and handlers outside DRF."""
    body = problem_body(request, kind, detail, errors)
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE,
                        headers=headers, json_dumps_params={"ensure_ascii": False})


class Problem(exceptions.APIException):
    """An API error with a problem kind and, for validation errors, field errors."""

    kind = "invalid-request"

    def __init__(self, detail: str | None = None, errors: dict | None = None, kind: str | None = None):
        if kind:
            self.kind = kind
        self.status_code = KINDS[self.kind][0]
        self.errors = errors
        super().__init__(detail or KINDS[self.kind][1])


class InvalidRequest(Problem):
    kind = "invalid-request"


class ValidationFailed(Problem):
    """A 400 naming each invalid field; `detail` sums them up."""

    kind = "validation-error"

    @classmethod
    def of(cls, errors: dict[str, list[str]]) -> "ValidationFailed":
        return cls(summarise(errors), errors)


def invalid(name: str, message: str) -> ValidationFailed:
    """The 400 of one invalid field, parameter or header."""
    return ValidationFailed.of({name: [message]})


class NotFound(Problem):
    kind = "not-found"


class Conflict(Problem):
    kind = "conflict"


def flatten_errors(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"entries.3.message": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":  # an error of the object itself: named by its own path
                child = path or "body"
            else:
                child = f"{path}.{key}" if path else str(key)
            flat.update(flatten_errors(value, child))
    elif isinstance(detail, list) and detail and all(not isinstance(item, (dict, list)) for item in detail):
        flat[path or "body"] = [str(item) for item in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_errors(value, f"{path}.{index}" if path else str(index)))
    else:
        flat[path or "body"] = [str(detail)]
    return flat


def summarise(errors: dict[str, list[str]]) -> str:
    first_field, messages = next(iter(errors.items()))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first_field}: {messages[0]}{more}"


# Domain exceptions raised by services, mapped to problem kinds in this one place.
DOMAIN_KINDS = {
    domain.NotFound: "not-found",
    domain.Conflict: "conflict",
    domain.Invalid: "validation-error",
}

# rbac/authentication.py's codes of a refused key; a missing key has none of these.
AUTH_FAILURE_REASONS = frozenset({"malformed", "unknown", "revoked", "expired", "used_up", "inactive_user"})

DRF_KINDS = {
    exceptions.ParseError: "invalid-json",
    exceptions.NotAuthenticated: "not-authenticated",
    exceptions.AuthenticationFailed: "not-authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not-found",
    exceptions.MethodNotAllowed: "method-not-allowed",
    exceptions.NotAcceptable: "not-acceptable",
    exceptions.UnsupportedMediaType: "unsupported-media-type",
    exceptions.Throttled: "rate-limited",
}


def exception_handler(exc, context) -> Response | None:
    """DRF's exception handler, answering every error as problem details."""
    request = context.get("request")
    headers = {}
    errors = None
    if isinstance(exc, domain.DomainError):
        kind = next(k for cls, k in DOMAIN_KINDS.items() if isinstance(exc, cls))
        detail, errors = exc.detail, exc.errors
    elif isinstance(exc, Http404):
        kind, detail = "not-found", "No such object."
    elif isinstance(exc, DjangoPermissionDenied):
        kind, detail = "forbidden", "Not allowed."
    elif isinstance(exc, Problem):
        kind, detail, errors = exc.kind, str(exc.detail), exc.errors
    elif isinstance(exc, exceptions.ValidationError):
        kind = "validation-error"
        errors = flatten_errors(exc.detail)
        detail = summarise(errors)
    elif isinstance(exc, exceptions.APIException):
        kind = next((k for cls, k in DRF_KINDS.items() if isinstance(exc, cls)), None)
        if kind is None:
            return None
        detail = str(exc.detail)
        if kind == "not-authenticated":
            code = exc.get_codes()
            metrics.AUTH_FAILURES.labels(code if code in AUTH_FAILURE_REASONS else "missing").inc()
        if isinstance(exc, exceptions.UnsupportedMediaType):
            detail += " Send the body as JSON with Content-Type: application/json."
        if isinstance(exc, exceptions.Throttled):
            metrics.THROTTLED.inc()
            headers["Retry-After"] = str(max(1, int(exc.wait or 1)))
            limit = "Too many failed authentications from this address" if exc.get_codes() == "too_many_failures" \
                else "Request rate limit exceeded"
            detail = f"{limit}; retry in {headers['Retry-After']} seconds."
    elif isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database went away (restarted, unreachable, a connection broken between requests):
        # the client may try again, and Django drops the broken connection when the request ends.
        kind, detail = "unavailable", "The database cannot be reached; try again shortly."
        metrics.DATABASE_ERRORS.inc()
        headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    else:
        return None  # a defect: Django's handler500 answers it
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    body = problem_body(request, kind, detail, errors)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# Exempt: a POST to an unknown API path is a 404 problem, not CSRF's HTML 403 (API clients send no
# CSRF token; the API's own views are exempt through DRF).
@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return problem_response(request, "not-found", f"No endpoint at {request.path}.")


def handler404(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, "server-error", "The server failed to answer; this is a defect.")
    return defaults.server_error(request)


def handler403(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, "forbidden", "Not allowed.")
    return defaults.permission_denied(request, exception)


def handler400(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, "invalid-request", "The request is invalid.")
    return defaults.bad_request(request, exception)

