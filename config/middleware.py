"""HTTP glue that runs before any view: the request id and the body size limit."""

import re
import uuid

from django.conf import settings

from config.problems import problem_response

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
    Django reads no more than Content-Length, so a body without one is never read at all.
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
                headers={"Connection": "close"},
            )
        return self.get_response(request)
