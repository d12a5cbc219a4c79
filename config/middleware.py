"""HTTP glue that runs before any view: the request id and the body size limit."""

import re
import uuid

from django import db
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpResponse

from config.problems import UNAVAILABLE_RETRY_AFTER, problem_response

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")  # \Z: "$" would also match before a final newline


class RequestIdMiddleware:
    """Gives every request an id (the caller's own when well formed) and echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if REQUEST_ID.match(given) else str(uuid.uuid4())
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class BodySizeLimitMiddleware:
    """Answers 413 from Content-Length alone, before anything reads or parses the body.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE answers 400, and only once the body is read.
    Django reads no more than Content-Length, so a body without one is never read at all. No
    `Connection: close`: a WSGI application may not set a hop-by-hop header (Django's development
    server answers 500 to one); the server closes a connection whose body it did not read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            return problem_response(request, "invalid-request", "Content-Length is not an integer.")
        if size > settings.MAX_BODY_BYTES:
            return problem_response(
                request, "payload-too-large",
                f"The body is {size} bytes; the limit is {settings.MAX_BODY_BYTES} bytes.",
            )
        return self.get_response(request)


# The admin's middleware, skipped for API requests: the API authenticates with keys (DRF), keeps no
# session and shows no messages, and these cost every request a little. Subclasses, so that the
# admin's checks still find them in MIDDLEWARE.

API_PREFIX = "/api/v1/"


class _OutsideApi:
    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_OutsideApi, sessions.SessionMiddleware):
    """Django's SessionMiddleware, outside the API."""


class AuthenticationMiddleware(_OutsideApi, auth.AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, outside the API."""


class MessageMiddleware(_OutsideApi, messages.MessageMiddleware):
    """Django's MessageMiddleware, outside the API."""


class DatabaseUnavailableMiddleware:
    """A page or answer that failed because the database went away is a 503 with Retry-After,
    never a 500 with a stack: problem+json under /api/ (DRF's handler says the same for its views),
    plain text elsewhere (the admin). Django drops the broken connection when the request ends, so
    the next request connects afresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (db.OperationalError, db.InterfaceError)):
            return None
        retry_after = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
        if request.path_info.startswith("/api/"):
            return problem_response(request, "unavailable", "The database cannot be reached; try again shortly.",
                                    headers=retry_after)
        return HttpResponse("The database cannot be reached; try again shortly.\n", status=503,
                            content_type="text/plain; charset=utf-8", headers=retry_after)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every HTML page (the admin, the docs): scripts and styles
    only from this site, no plugins, no framing. Inline style attributes are allowed (the admin's
    widgets and the timeline's bars set widths inline); inline scripts are not (the docs page
    loads its script from its own URL: SpectacularSwaggerSplitView)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
