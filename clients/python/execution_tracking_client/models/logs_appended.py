from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LogsAppended")


@_attrs_define
class LogsAppended:
    """
    Attributes:
        count (int):
        first_sequence (int):
        last_sequence (int):
    """

    count: int
    first_sequence: int
    last_sequence: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        first_sequence = self.first_sequence

        last_sequence = self.last_sequence

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "first_sequence": first_sequence,
                "last_sequence": last_sequence,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count")

        first_sequence = d.pop("first_sequence")

        last_sequence = d.pop("last_sequence")

        logs_appended = cls(
            count=count,
            first_sequence=first_sequence,
            last_sequence=last_sequence,
        )

        logs_appended.additional_properties = d
        return logs_appended

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
