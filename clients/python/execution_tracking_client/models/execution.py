from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.execution_status import ExecutionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_execution_context import ExecutionExecutionContext
    from ..models.execution_links import ExecutionLinks
    from ..models.execution_trigger_data import ExecutionTriggerData
    from ..models.log_line import LogLine
    from ..models.rule import Rule
    from ..models.step import Step


T = TypeVar("T", bound="Execution")


@_attrs_define
class Execution:
    """
    Attributes:
        execution_id (UUID):
        automation_rule_id (UUID):
        trigger_data (ExecutionTriggerData):
        status (ExecutionStatus): * `pending` - Pending
            * `running` - Running
            * `waiting` - Waiting
            * `completed` - Completed
            * `failed` - Failed
            * `cancelled` - Cancelled
            * `timeout` - Timeout
            * `skipped` - Skipped
        status_reason (None | str): Why it is in its status, in the engine's words.
        waiting_until (datetime.datetime | None): When a waiting execution expects to resume; null outside waiting.
        started_at (datetime.datetime | None):
        completed_at (datetime.datetime | None):
        duration_ms (int | None):
        actions_total (int):
        actions_successful (int):
        actions_failed (int):
        error_message (None | str):
        error_stack (None | str):
        failed_action_index (int | None):
        execution_context (ExecutionExecutionContext):
        tenant (UUID):
        attempt (int):
        retry_of (None | UUID):
        triggered_by (None | str):
        idempotency_key (None | str):
        external_ref (None | str):
        rule_version (int):
        error_fingerprint (None | str): The group of its failure (GET /failures): null unless failed or timed out with
            an error_message.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        links (ExecutionLinks):
        output (Any): The run's result as its engine reports it.
        logs (list[LogLine]):
        logs_truncated (bool):
        steps (list[Step]):
        previous_step (None | Step):
        next_step (None | Step):
        rule (Rule | Unset):
    """

    execution_id: UUID
    automation_rule_id: UUID
    trigger_data: ExecutionTriggerData
    status: ExecutionStatus
    status_reason: None | str
    waiting_until: datetime.datetime | None
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    duration_ms: int | None
    actions_total: int
    actions_successful: int
    actions_failed: int
    error_message: None | str
    error_stack: None | str
    failed_action_index: int | None
    execution_context: ExecutionExecutionContext
    tenant: UUID
    attempt: int
    retry_of: None | UUID
    triggered_by: None | str
    idempotency_key: None | str
    external_ref: None | str
    rule_version: int
    error_fingerprint: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    links: ExecutionLinks
    output: Any
    logs: list[LogLine]
    logs_truncated: bool
    steps: list[Step]
    previous_step: None | Step
    next_step: None | Step
    rule: Rule | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.step import Step  # noqa: PLC0415

        execution_id = str(self.execution_id)

        automation_rule_id = str(self.automation_rule_id)

        trigger_data = self.trigger_data.to_dict()

        status = self.status.value

        status_reason: None | str
        status_reason = self.status_reason

        waiting_until: None | str
        if isinstance(self.waiting_until, datetime.datetime):
            waiting_until = self.waiting_until.isoformat()
        else:
            waiting_until = self.waiting_until

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        duration_ms: int | None
        duration_ms = self.duration_ms

        actions_total = self.actions_total

        actions_successful = self.actions_successful

        actions_failed = self.actions_failed

        error_message: None | str
        error_message = self.error_message

        error_stack: None | str
        error_stack = self.error_stack

        failed_action_index: int | None
        failed_action_index = self.failed_action_index

        execution_context = self.execution_context.to_dict()

        tenant = str(self.tenant)

        attempt = self.attempt

        retry_of: None | str
        if isinstance(self.retry_of, UUID):
            retry_of = str(self.retry_of)
        else:
            retry_of = self.retry_of

        triggered_by: None | str
        triggered_by = self.triggered_by

        idempotency_key: None | str
        idempotency_key = self.idempotency_key

        external_ref: None | str
        external_ref = self.external_ref

        rule_version = self.rule_version

        error_fingerprint: None | str
        error_fingerprint = self.error_fingerprint

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        links = self.links.to_dict()

        output = self.output

        logs = []
        for logs_item_data in self.logs:
            logs_item = logs_item_data.to_dict()
            logs.append(logs_item)

        logs_truncated = self.logs_truncated

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        previous_step: dict[str, Any] | None
        if isinstance(self.previous_step, Step):
            previous_step = self.previous_step.to_dict()
        else:
            previous_step = self.previous_step

        next_step: dict[str, Any] | None
        if isinstance(self.next_step, Step):
            next_step = self.next_step.to_dict()
        else:
            next_step = self.next_step

        rule: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rule, Unset):
            rule = self.rule.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "automation_rule_id": automation_rule_id,
                "trigger_data": trigger_data,
                "status": status,
                "status_reason": status_reason,
                "waiting_until": waiting_until,
                "started_at": started_at,
                "completed_at": completed_at,
                "duration_ms": duration_ms,
                "actions_total": actions_total,
                "actions_successful": actions_successful,
                "actions_failed": actions_failed,
                "error_message": error_message,
                "error_stack": error_stack,
                "failed_action_index": failed_action_index,
                "execution_context": execution_context,
                "tenant": tenant,
                "attempt": attempt,
                "retry_of": retry_of,
                "triggered_by": triggered_by,
                "idempotency_key": idempotency_key,
                "external_ref": external_ref,
                "rule_version": rule_version,
                "error_fingerprint": error_fingerprint,
                "created_at": created_at,
                "updated_at": updated_at,
                "_links": links,
                "output": output,
                "logs": logs,
                "logs_truncated": logs_truncated,
                "steps": steps,
                "previous_step": previous_step,
                "next_step": next_step,
            }
        )
        if rule is not UNSET:
            field_dict["rule"] = rule

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_execution_context import ExecutionExecutionContext  # noqa: PLC0415
        from ..models.execution_links import ExecutionLinks  # noqa: PLC0415
        from ..models.execution_trigger_data import ExecutionTriggerData  # noqa: PLC0415
        from ..models.log_line import LogLine  # noqa: PLC0415
        from ..models.rule import Rule  # noqa: PLC0415
        from ..models.step import Step  # noqa: PLC0415

        d = dict(src_dict)
        execution_id = UUID(d.pop("execution_id"))

        automation_rule_id = UUID(d.pop("automation_rule_id"))

        trigger_data = ExecutionTriggerData.from_dict(d.pop("trigger_data"))

        status = ExecutionStatus(d.pop("status"))

        def _parse_status_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        def _parse_waiting_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                waiting_until_type_0 = datetime.datetime.fromisoformat(data)

                return waiting_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        waiting_until = _parse_waiting_until(d.pop("waiting_until"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        actions_total = d.pop("actions_total")

        actions_successful = d.pop("actions_successful")

        actions_failed = d.pop("actions_failed")

        def _parse_error_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_message = _parse_error_message(d.pop("error_message"))

        def _parse_error_stack(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_stack = _parse_error_stack(d.pop("error_stack"))

        def _parse_failed_action_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        failed_action_index = _parse_failed_action_index(d.pop("failed_action_index"))

        execution_context = ExecutionExecutionContext.from_dict(d.pop("execution_context"))

        tenant = UUID(d.pop("tenant"))

        attempt = d.pop("attempt")

        def _parse_retry_of(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_of_type_0 = UUID(data)

                return retry_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        retry_of = _parse_retry_of(d.pop("retry_of"))

        def _parse_triggered_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        triggered_by = _parse_triggered_by(d.pop("triggered_by"))

        def _parse_idempotency_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key"))

        def _parse_external_ref(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        external_ref = _parse_external_ref(d.pop("external_ref"))

        rule_version = d.pop("rule_version")

        def _parse_error_fingerprint(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_fingerprint = _parse_error_fingerprint(d.pop("error_fingerprint"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        links = ExecutionLinks.from_dict(d.pop("_links"))

        output = d.pop("output")

        logs = []
        _logs = d.pop("logs")
        for logs_item_data in _logs:
            logs_item = LogLine.from_dict(logs_item_data)

            logs.append(logs_item)

        logs_truncated = d.pop("logs_truncated")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = Step.from_dict(steps_item_data)

            steps.append(steps_item)

        def _parse_previous_step(data: object) -> None | Step:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                previous_step_type_0 = Step.from_dict(data)

                return previous_step_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Step, data)

        previous_step = _parse_previous_step(d.pop("previous_step"))

        def _parse_next_step(data: object) -> None | Step:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_step_type_0 = Step.from_dict(data)

                return next_step_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Step, data)

        next_step = _parse_next_step(d.pop("next_step"))

        _rule = d.pop("rule", UNSET)
        rule: Rule | Unset
        if isinstance(_rule, Unset):
            rule = UNSET
        else:
            rule = Rule.from_dict(_rule)

        execution = cls(
            execution_id=execution_id,
            automation_rule_id=automation_rule_id,
            trigger_data=trigger_data,
            status=status,
            status_reason=status_reason,
            waiting_until=waiting_until,
            started_at=started_at,
            completed_at=completed_at,
            duration_ms=duration_ms,
            actions_total=actions_total,
            actions_successful=actions_successful,
            actions_failed=actions_failed,
            error_message=error_message,
            error_stack=error_stack,
            failed_action_index=failed_action_index,
            execution_context=execution_context,
            tenant=tenant,
            attempt=attempt,
            retry_of=retry_of,
            triggered_by=triggered_by,
            idempotency_key=idempotency_key,
            external_ref=external_ref,
            rule_version=rule_version,
            error_fingerprint=error_fingerprint,
            created_at=created_at,
            updated_at=updated_at,
            links=links,
            output=output,
            logs=logs,
            logs_truncated=logs_truncated,
            steps=steps,
            previous_step=previous_step,
            next_step=next_step,
            rule=rule,
        )

        execution.additional_properties = d
        return execution

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
