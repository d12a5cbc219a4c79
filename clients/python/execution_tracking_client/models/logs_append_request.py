from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.log_entry_request import LogEntryRequest


T = TypeVar("T", bound="LogsAppendRequest")


@_attrs_define
class LogsAppendRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        entries (list[LogEntryRequest]):
    """

    entries: list[LogEntryRequest]

    def to_dict(self) -> dict[str, Any]:
        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "entries": entries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.log_entry_request import LogEntryRequest  # noqa: PLC0415

        d = dict(src_dict)
        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = LogEntryRequest.from_dict(entries_item_data)

            entries.append(entries_item)

        logs_append_request = cls(
            entries=entries,
        )

        return logs_append_request
