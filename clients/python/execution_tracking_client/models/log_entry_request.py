from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.log_level import LogLevel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.log_entry_request_metadata import LogEntryRequestMetadata


T = TypeVar("T", bound="LogEntryRequest")


@_attrs_define
class LogEntryRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        message (str):
        timestamp (datetime.datetime | None | Unset):
        level (LogLevel | Unset): * `debug` - Debug
            * `info` - Info
            * `warn` - Warn
            * `error` - Error
        action_index (int | None | Unset):
        step_key (None | str | Unset):
        event_type (None | str | Unset):
        metadata (LogEntryRequestMetadata | Unset):
    """

    message: str
    timestamp: datetime.datetime | None | Unset = UNSET
    level: LogLevel | Unset = UNSET
    action_index: int | None | Unset = UNSET
    step_key: None | str | Unset = UNSET
    event_type: None | str | Unset = UNSET
    metadata: LogEntryRequestMetadata | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        timestamp: None | str | Unset
        if isinstance(self.timestamp, Unset):
            timestamp = UNSET
        elif isinstance(self.timestamp, datetime.datetime):
            timestamp = self.timestamp.isoformat()
        else:
            timestamp = self.timestamp

        level: str | Unset = UNSET
        if not isinstance(self.level, Unset):
            level = self.level.value

        action_index: int | None | Unset
        if isinstance(self.action_index, Unset):
            action_index = UNSET
        else:
            action_index = self.action_index

        step_key: None | str | Unset
        if isinstance(self.step_key, Unset):
            step_key = UNSET
        else:
            step_key = self.step_key

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "message": message,
            }
        )
        if timestamp is not UNSET:
            field_dict["timestamp"] = timestamp
        if level is not UNSET:
            field_dict["level"] = level
        if action_index is not UNSET:
            field_dict["action_index"] = action_index
        if step_key is not UNSET:
            field_dict["step_key"] = step_key
        if event_type is not UNSET:
            field_dict["event_type"] = event_type
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.log_entry_request_metadata import LogEntryRequestMetadata  # noqa: PLC0415

        d = dict(src_dict)
        message = d.pop("message")

        def _parse_timestamp(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        timestamp = _parse_timestamp(d.pop("timestamp", UNSET))

        _level = d.pop("level", UNSET)
        level: LogLevel | Unset
        if isinstance(_level, Unset):
            level = UNSET
        else:
            level = LogLevel(_level)

        def _parse_action_index(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        action_index = _parse_action_index(d.pop("action_index", UNSET))

        def _parse_step_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        step_key = _parse_step_key(d.pop("step_key", UNSET))

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("event_type", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: LogEntryRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = LogEntryRequestMetadata.from_dict(_metadata)

        log_entry_request = cls(
            message=message,
            timestamp=timestamp,
            level=level,
            action_index=action_index,
            step_key=step_key,
            event_type=event_type,
            metadata=metadata,
        )

        return log_entry_request
