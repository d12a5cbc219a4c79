from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.log_level import LogLevel

if TYPE_CHECKING:
    from ..models.log_line_metadata import LogLineMetadata


T = TypeVar("T", bound="LogLine")


@_attrs_define
class LogLine:
    """
    Attributes:
        sequence (int):
        timestamp (datetime.datetime):
        level (LogLevel): * `debug` - Debug
            * `info` - Info
            * `warn` - Warn
            * `error` - Error
        message (str):
        action_index (int | None):
        step_key (None | str):
        event_type (None | str):
        metadata (LogLineMetadata):
    """

    sequence: int
    timestamp: datetime.datetime
    level: LogLevel
    message: str
    action_index: int | None
    step_key: None | str
    event_type: None | str
    metadata: LogLineMetadata
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sequence = self.sequence

        timestamp = self.timestamp.isoformat()

        level = self.level.value

        message = self.message

        action_index: int | None
        action_index = self.action_index

        step_key: None | str
        step_key = self.step_key

        event_type: None | str
        event_type = self.event_type

        metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sequence": sequence,
                "timestamp": timestamp,
                "level": level,
                "message": message,
                "action_index": action_index,
                "step_key": step_key,
                "event_type": event_type,
                "metadata": metadata,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.log_line_metadata import LogLineMetadata  # noqa: PLC0415

        d = dict(src_dict)
        sequence = d.pop("sequence")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        level = LogLevel(d.pop("level"))

        message = d.pop("message")

        def _parse_action_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        action_index = _parse_action_index(d.pop("action_index"))

        def _parse_step_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        step_key = _parse_step_key(d.pop("step_key"))

        def _parse_event_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_type = _parse_event_type(d.pop("event_type"))

        metadata = LogLineMetadata.from_dict(d.pop("metadata"))

        log_line = cls(
            sequence=sequence,
            timestamp=timestamp,
            level=level,
            message=message,
            action_index=action_index,
            step_key=step_key,
            event_type=event_type,
            metadata=metadata,
        )

        log_line.additional_properties = d
        return log_line

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
