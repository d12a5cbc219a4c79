from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus
from ..models.delivery_type import DeliveryType

if TYPE_CHECKING:
    from ..models.delivery_attempt import DeliveryAttempt
    from ..models.delivery_links import DeliveryLinks


T = TypeVar("T", bound="Delivery")


@_attrs_define
class Delivery:
    """
    Attributes:
        id (UUID): Also the webhook-id header, the same across attempts.
        event_id (UUID): The body's id.
        type_ (DeliveryType): * `execution.created` - execution.created
            * `execution.status_changed` - execution.status_changed
            * `execution.completed` - execution.completed
            * `execution.failed` - execution.failed
            * `execution.timed_out` - execution.timed_out
            * `execution.cancelled` - execution.cancelled
            * `execution.retried` - execution.retried
            * `webhook.ping` - webhook.ping
        status (DeliveryStatus): * `pending` - Pending
            * `succeeded` - Succeeded
            * `failed` - Failed
        attempts (int):
        next_attempt_at (datetime.datetime | None): Null unless pending.
        created_at (datetime.datetime):
        last_attempt (DeliveryAttempt | None):
        links (DeliveryLinks):
    """

    id: UUID
    event_id: UUID
    type_: DeliveryType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime.datetime | None
    created_at: datetime.datetime
    last_attempt: DeliveryAttempt | None
    links: DeliveryLinks
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415

        id = str(self.id)

        event_id = str(self.event_id)

        type_ = self.type_.value

        status = self.status.value

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        created_at = self.created_at.isoformat()

        last_attempt: dict[str, Any] | None
        if isinstance(self.last_attempt, DeliveryAttempt):
            last_attempt = self.last_attempt.to_dict()
        else:
            last_attempt = self.last_attempt

        links = self.links.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_id": event_id,
                "type": type_,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
                "created_at": created_at,
                "last_attempt": last_attempt,
                "_links": links,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415
        from ..models.delivery_links import DeliveryLinks  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event_id = UUID(d.pop("event_id"))

        type_ = DeliveryType(d.pop("type"))

        status = DeliveryStatus(d.pop("status"))

        attempts = d.pop("attempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_last_attempt(data: object) -> DeliveryAttempt | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_attempt_type_0 = DeliveryAttempt.from_dict(data)

                return last_attempt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryAttempt | None, data)

        last_attempt = _parse_last_attempt(d.pop("last_attempt"))

        links = DeliveryLinks.from_dict(d.pop("_links"))

        delivery = cls(
            id=id,
            event_id=event_id,
            type_=type_,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            created_at=created_at,
            last_attempt=last_attempt,
            links=links,
        )

        delivery.additional_properties = d
        return delivery

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
