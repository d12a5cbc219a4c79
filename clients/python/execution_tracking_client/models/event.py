from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType
from ..models.execution_status import ExecutionStatus

if TYPE_CHECKING:
    from ..models.event_data import EventData


T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """
    Attributes:
        id (UUID):
        type_ (EventType): * `execution.created` - Created
            * `execution.status_changed` - Status Changed
            * `execution.completed` - Completed
            * `execution.failed` - Failed
            * `execution.timed_out` - Timed Out
            * `execution.cancelled` - Cancelled
            * `execution.retried` - Retried
        created_at (datetime.datetime):
        previous_status (ExecutionStatus | None):
        status (ExecutionStatus): * `pending` - Pending
            * `running` - Running
            * `waiting` - Waiting
            * `completed` - Completed
            * `failed` - Failed
            * `cancelled` - Cancelled
            * `timeout` - Timeout
            * `skipped` - Skipped
        actor (str): key:<prefix>, staff:<username> or system
        data (EventData):
    """

    id: UUID
    type_: EventType
    created_at: datetime.datetime
    previous_status: ExecutionStatus | None
    status: ExecutionStatus
    actor: str
    data: EventData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        type_ = self.type_.value

        created_at = self.created_at.isoformat()

        previous_status: None | str
        if isinstance(self.previous_status, ExecutionStatus):
            previous_status = self.previous_status.value
        else:
            previous_status = self.previous_status

        status = self.status.value

        actor = self.actor

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "type": type_,
                "created_at": created_at,
                "previous_status": previous_status,
                "status": status,
                "actor": actor,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_data import EventData  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        type_ = EventType(d.pop("type"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_previous_status(data: object) -> ExecutionStatus | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_status_type_0 = ExecutionStatus(data)

                return previous_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecutionStatus | None, data)

        previous_status = _parse_previous_status(d.pop("previous_status"))

        status = ExecutionStatus(d.pop("status"))

        actor = d.pop("actor")

        data = EventData.from_dict(d.pop("data"))

        event = cls(
            id=id,
            type_=type_,
            created_at=created_at,
            previous_status=previous_status,
            status=status,
            actor=actor,
            data=data,
        )

        event.additional_properties = d
        return event

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
