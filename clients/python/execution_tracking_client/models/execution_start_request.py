from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_start_request_execution_context import ExecutionStartRequestExecutionContext
    from ..models.execution_start_request_trigger_data import ExecutionStartRequestTriggerData


T = TypeVar("T", bound="ExecutionStartRequest")


@_attrs_define
class ExecutionStartRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        automation_rule_id (UUID):
        trigger_data (ExecutionStartRequestTriggerData):
        execution_context (ExecutionStartRequestExecutionContext | Unset):
        triggered_by (None | str | Unset):
        external_ref (None | str | Unset):
        actions_total (int | Unset):
        idempotency_key (None | str | Unset):
    """

    automation_rule_id: UUID
    trigger_data: ExecutionStartRequestTriggerData
    execution_context: ExecutionStartRequestExecutionContext | Unset = UNSET
    triggered_by: None | str | Unset = UNSET
    external_ref: None | str | Unset = UNSET
    actions_total: int | Unset = UNSET
    idempotency_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        automation_rule_id = str(self.automation_rule_id)

        trigger_data = self.trigger_data.to_dict()

        execution_context: dict[str, Any] | Unset = UNSET
        if not isinstance(self.execution_context, Unset):
            execution_context = self.execution_context.to_dict()

        triggered_by: None | str | Unset
        if isinstance(self.triggered_by, Unset):
            triggered_by = UNSET
        else:
            triggered_by = self.triggered_by

        external_ref: None | str | Unset
        if isinstance(self.external_ref, Unset):
            external_ref = UNSET
        else:
            external_ref = self.external_ref

        actions_total = self.actions_total

        idempotency_key: None | str | Unset
        if isinstance(self.idempotency_key, Unset):
            idempotency_key = UNSET
        else:
            idempotency_key = self.idempotency_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "automation_rule_id": automation_rule_id,
                "trigger_data": trigger_data,
            }
        )
        if execution_context is not UNSET:
            field_dict["execution_context"] = execution_context
        if triggered_by is not UNSET:
            field_dict["triggered_by"] = triggered_by
        if external_ref is not UNSET:
            field_dict["external_ref"] = external_ref
        if actions_total is not UNSET:
            field_dict["actions_total"] = actions_total
        if idempotency_key is not UNSET:
            field_dict["idempotency_key"] = idempotency_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_start_request_execution_context import ExecutionStartRequestExecutionContext  # noqa: PLC0415
        from ..models.execution_start_request_trigger_data import ExecutionStartRequestTriggerData  # noqa: PLC0415

        d = dict(src_dict)
        automation_rule_id = UUID(d.pop("automation_rule_id"))

        trigger_data = ExecutionStartRequestTriggerData.from_dict(d.pop("trigger_data"))

        _execution_context = d.pop("execution_context", UNSET)
        execution_context: ExecutionStartRequestExecutionContext | Unset
        if isinstance(_execution_context, Unset):
            execution_context = UNSET
        else:
            execution_context = ExecutionStartRequestExecutionContext.from_dict(_execution_context)

        def _parse_triggered_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        triggered_by = _parse_triggered_by(d.pop("triggered_by", UNSET))

        def _parse_external_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_ref = _parse_external_ref(d.pop("external_ref", UNSET))

        actions_total = d.pop("actions_total", UNSET)

        def _parse_idempotency_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key", UNSET))

        execution_start_request = cls(
            automation_rule_id=automation_rule_id,
            trigger_data=trigger_data,
            execution_context=execution_context,
            triggered_by=triggered_by,
            external_ref=external_ref,
            actions_total=actions_total,
            idempotency_key=idempotency_key,
        )

        return execution_start_request
