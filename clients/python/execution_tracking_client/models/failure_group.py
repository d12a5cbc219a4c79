from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.failure_links import FailureLinks


T = TypeVar("T", bound="FailureGroup")


@_attrs_define
class FailureGroup:
    """
    Attributes:
        error_fingerprint (str):
        automation_rule_id (UUID):
        rule_name (str):
        message (str): The message with its varying parts as <n>, <uuid>, <hex>, <str>, <email>, <query>.
        count (int):
        retryable (int): How many of them a retry would accept now.
        first_seen (datetime.datetime):
        last_seen (datetime.datetime):
        sample_execution_id (UUID):
        links (FailureLinks):
    """

    error_fingerprint: str
    automation_rule_id: UUID
    rule_name: str
    message: str
    count: int
    retryable: int
    first_seen: datetime.datetime
    last_seen: datetime.datetime
    sample_execution_id: UUID
    links: FailureLinks
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error_fingerprint = self.error_fingerprint

        automation_rule_id = str(self.automation_rule_id)

        rule_name = self.rule_name

        message = self.message

        count = self.count

        retryable = self.retryable

        first_seen = self.first_seen.isoformat()

        last_seen = self.last_seen.isoformat()

        sample_execution_id = str(self.sample_execution_id)

        links = self.links.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error_fingerprint": error_fingerprint,
                "automation_rule_id": automation_rule_id,
                "rule_name": rule_name,
                "message": message,
                "count": count,
                "retryable": retryable,
                "first_seen": first_seen,
                "last_seen": last_seen,
                "sample_execution_id": sample_execution_id,
                "_links": links,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failure_links import FailureLinks  # noqa: PLC0415

        d = dict(src_dict)
        error_fingerprint = d.pop("error_fingerprint")

        automation_rule_id = UUID(d.pop("automation_rule_id"))

        rule_name = d.pop("rule_name")

        message = d.pop("message")

        count = d.pop("count")

        retryable = d.pop("retryable")

        first_seen = datetime.datetime.fromisoformat(d.pop("first_seen"))

        last_seen = datetime.datetime.fromisoformat(d.pop("last_seen"))

        sample_execution_id = UUID(d.pop("sample_execution_id"))

        links = FailureLinks.from_dict(d.pop("_links"))

        failure_group = cls(
            error_fingerprint=error_fingerprint,
            automation_rule_id=automation_rule_id,
            rule_name=rule_name,
            message=message,
            count=count,
            retryable=retryable,
            first_seen=first_seen,
            last_seen=last_seen,
            sample_execution_id=sample_execution_id,
            links=links,
        )

        failure_group.additional_properties = d
        return failure_group

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
