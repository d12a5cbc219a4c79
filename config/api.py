"""The base of every API viewset: the envelope, paging parameters, path ids, validation."""

from uuid import UUID

from rest_framework import status
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from config.problems import InvalidRequest, ValidationFailed
from config.uuids import parse_uuid
from rbac.permissions import CanRead

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ApiViewSet(ViewSet):
    """Parses, authorises and answers; the work is done by services and selectors."""

    # action -> permission class; actions not named need automation:read.
    permission_by_action: dict = {}

    def get_permissions(self):
        return [self.permission_by_action.get(self.action, CanRead)()]

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

    # Output

    @staticmethod
    def ok(data, status_code: int = status.HTTP_200_OK) -> Response:
        return Response({"data": data}, status=status_code)

    @staticmethod
    def created(data, location: str) -> Response:
        return Response({"data": data}, status=status.HTTP_201_CREATED, headers={"Location": location})

    @staticmethod
    def no_content() -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def paged(items: list, page) -> Response:
        return Response({"data": items, "pagination": {"next": page.next, "previous": page.previous}})
