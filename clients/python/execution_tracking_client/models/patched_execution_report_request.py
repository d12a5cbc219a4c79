from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.execution_status import ExecutionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patched_execution_report_request_execution_context import (
        PatchedExecutionReportRequestExecutionContext,
    )


T = TypeVar("T", bound="PatchedExecutionReportRequest")


@_attrs_define
class PatchedExecutionReportRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        status (ExecutionStatus | Unset): * `pending` - Pending
            * `running` - Running
            * `waiting` - Waiting
            * `completed` - Completed
            * `failed` - Failed
            * `cancelled` - Cancelled
            * `timeout` - Timeout
            * `skipped` - Skipped
        status_reason (None | str | Unset):
        waiting_until (datetime.datetime | None | Unset):
        output (Any | Unset):
        actions_total (int | Unset):
        actions_successful (int | Unset):
        actions_failed (int | Unset):
        execution_context (PatchedExecutionReportRequestExecutionContext | Unset):
        error_message (None | str | Unset):
        error_stack (None | str | Unset):
        failed_action_index (int | None | Unset):
    """

    status: ExecutionStatus | Unset = UNSET
    status_reason: None | str | Unset = UNSET
    waiting_until: datetime.datetime | None | Unset = UNSET
    output: Any | Unset = UNSET
    actions_total: int | Unset = UNSET
    actions_successful: int | Unset = UNSET
    actions_failed: int | Unset = UNSET
    execution_context: PatchedExecutionReportRequestExecutionContext | Unset = UNSET
    error_message: None | str | Unset = UNSET
    error_stack: None | str | Unset = UNSET
    failed_action_index: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        status_reason: None | str | Unset
        if isinstance(self.status_reason, Unset):
            status_reason = UNSET
        else:
            status_reason = self.status_reason

        waiting_until: None | str | Unset
        if isinstance(self.waiting_until, Unset):
            waiting_until = UNSET
        elif isinstance(self.waiting_until, datetime.datetime):
            waiting_until = self.waiting_until.isoformat()
        else:
            waiting_until = self.waiting_until

        output = self.output

        actions_total = self.actions_total

        actions_successful = self.actions_successful

        actions_failed = self.actions_failed

        execution_context: dict[str, Any] | Unset = UNSET
        if not isinstance(self.execution_context, Unset):
            execution_context = self.execution_context.to_dict()

        error_message: None | str | Unset
        if isinstance(self.error_message, Unset):
            error_message = UNSET
        else:
            error_message = self.error_message

        error_stack: None | str | Unset
        if isinstance(self.error_stack, Unset):
            error_stack = UNSET
        else:
            error_stack = self.error_stack

        failed_action_index: int | None | Unset
        if isinstance(self.failed_action_index, Unset):
            failed_action_index = UNSET
        else:
            failed_action_index = self.failed_action_index

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if status_reason is not UNSET:
            field_dict["status_reason"] = status_reason
        if waiting_until is not UNSET:
            field_dict["waiting_until"] = waiting_until
        if output is not UNSET:
            field_dict["output"] = output
        if actions_total is not UNSET:
            field_dict["actions_total"] = actions_total
        if actions_successful is not UNSET:
            field_dict["actions_successful"] = actions_successful
        if actions_failed is not UNSET:
            field_dict["actions_failed"] = actions_failed
        if execution_context is not UNSET:
            field_dict["execution_context"] = execution_context
        if error_message is not UNSET:
            field_dict["error_message"] = error_message
        if error_stack is not UNSET:
            field_dict["error_stack"] = error_stack
        if failed_action_index is not UNSET:
            field_dict["failed_action_index"] = failed_action_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patched_execution_report_request_execution_context import (
            PatchedExecutionReportRequestExecutionContext,  # noqa: PLC0415
        )

        d = dict(src_dict)
        _status = d.pop("status", UNSET)
        status: ExecutionStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = ExecutionStatus(_status)

        def _parse_status_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_reason = _parse_status_reason(d.pop("status_reason", UNSET))

        def _parse_waiting_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                waiting_until_type_0 = datetime.datetime.fromisoformat(data)

                return waiting_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        waiting_until = _parse_waiting_until(d.pop("waiting_until", UNSET))

        output = d.pop("output", UNSET)

        actions_total = d.pop("actions_total", UNSET)

        actions_successful = d.pop("actions_successful", UNSET)

        actions_failed = d.pop("actions_failed", UNSET)

        _execution_context = d.pop("execution_context", UNSET)
        execution_context: PatchedExecutionReportRequestExecutionContext | Unset
        if isinstance(_execution_context, Unset):
            execution_context = UNSET
        else:
            execution_context = PatchedExecutionReportRequestExecutionContext.from_dict(_execution_context)

        def _parse_error_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_message = _parse_error_message(d.pop("error_message", UNSET))

        def _parse_error_stack(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_stack = _parse_error_stack(d.pop("error_stack", UNSET))

        def _parse_failed_action_index(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        failed_action_index = _parse_failed_action_index(d.pop("failed_action_index", UNSET))

        patched_execution_report_request = cls(
            status=status,
            status_reason=status_reason,
            waiting_until=waiting_until,
            output=output,
            actions_total=actions_total,
            actions_successful=actions_successful,
            actions_failed=actions_failed,
            execution_context=execution_context,
            error_message=error_message,
            error_stack=error_stack,
            failed_action_index=failed_action_index,
        )

        return patched_execution_report_request
