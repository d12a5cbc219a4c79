from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outcome_enum import OutcomeEnum

T = TypeVar("T", bound="BulkResultItem")


@_attrs_define
class BulkResultItem:
    """
    Attributes:
        execution_id (UUID):
        outcome (OutcomeEnum): * `retried` - retried
            * `cancelled` - cancelled
            * `would_retry` - would_retry
            * `would_cancel` - would_cancel
            * `already_retried` - already_retried
            * `not_retryable_status` - not_retryable_status
            * `rule_disabled` - rule_disabled
            * `not_cancellable_status` - not_cancellable_status
        next_attempt (None | UUID):
    """

    execution_id: UUID
    outcome: OutcomeEnum
    next_attempt: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        execution_id = str(self.execution_id)

        outcome = self.outcome.value

        next_attempt: None | str
        if isinstance(self.next_attempt, UUID):
            next_attempt = str(self.next_attempt)
        else:
            next_attempt = self.next_attempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "outcome": outcome,
                "next_attempt": next_attempt,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        execution_id = UUID(d.pop("execution_id"))

        outcome = OutcomeEnum(d.pop("outcome"))

        def _parse_next_attempt(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_type_0 = UUID(data)

                return next_attempt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        next_attempt = _parse_next_attempt(d.pop("next_attempt"))

        bulk_result_item = cls(
            execution_id=execution_id,
            outcome=outcome,
            next_attempt=next_attempt,
        )

        bulk_result_item.additional_properties = d
        return bulk_result_item

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
