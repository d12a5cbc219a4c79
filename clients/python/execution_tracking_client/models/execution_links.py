from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.link import Link


T = TypeVar("T", bound="ExecutionLinks")


@_attrs_define
class ExecutionLinks:
    """
    Attributes:
        self_ (Link):
        rule (Link):
        steps (Link):
        logs (Link):
        events (Link):
        retry (Link | Unset):
        cancel (Link | Unset):
        previous_attempt (Link | Unset):
        next_attempt (Link | Unset):
    """

    self_: Link
    rule: Link
    steps: Link
    logs: Link
    events: Link
    retry: Link | Unset = UNSET
    cancel: Link | Unset = UNSET
    previous_attempt: Link | Unset = UNSET
    next_attempt: Link | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_.to_dict()

        rule = self.rule.to_dict()

        steps = self.steps.to_dict()

        logs = self.logs.to_dict()

        events = self.events.to_dict()

        retry: dict[str, Any] | Unset = UNSET
        if not isinstance(self.retry, Unset):
            retry = self.retry.to_dict()

        cancel: dict[str, Any] | Unset = UNSET
        if not isinstance(self.cancel, Unset):
            cancel = self.cancel.to_dict()

        previous_attempt: dict[str, Any] | Unset = UNSET
        if not isinstance(self.previous_attempt, Unset):
            previous_attempt = self.previous_attempt.to_dict()

        next_attempt: dict[str, Any] | Unset = UNSET
        if not isinstance(self.next_attempt, Unset):
            next_attempt = self.next_attempt.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "self": self_,
                "rule": rule,
                "steps": steps,
                "logs": logs,
                "events": events,
            }
        )
        if retry is not UNSET:
            field_dict["retry"] = retry
        if cancel is not UNSET:
            field_dict["cancel"] = cancel
        if previous_attempt is not UNSET:
            field_dict["previous_attempt"] = previous_attempt
        if next_attempt is not UNSET:
            field_dict["next_attempt"] = next_attempt

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)
        self_ = Link.from_dict(d.pop("self"))

        rule = Link.from_dict(d.pop("rule"))

        steps = Link.from_dict(d.pop("steps"))

        logs = Link.from_dict(d.pop("logs"))

        events = Link.from_dict(d.pop("events"))

        _retry = d.pop("retry", UNSET)
        retry: Link | Unset
        if isinstance(_retry, Unset):
            retry = UNSET
        else:
            retry = Link.from_dict(_retry)

        _cancel = d.pop("cancel", UNSET)
        cancel: Link | Unset
        if isinstance(_cancel, Unset):
            cancel = UNSET
        else:
            cancel = Link.from_dict(_cancel)

        _previous_attempt = d.pop("previous_attempt", UNSET)
        previous_attempt: Link | Unset
        if isinstance(_previous_attempt, Unset):
            previous_attempt = UNSET
        else:
            previous_attempt = Link.from_dict(_previous_attempt)

        _next_attempt = d.pop("next_attempt", UNSET)
        next_attempt: Link | Unset
        if isinstance(_next_attempt, Unset):
            next_attempt = UNSET
        else:
            next_attempt = Link.from_dict(_next_attempt)

        execution_links = cls(
            self_=self_,
            rule=rule,
            steps=steps,
            logs=logs,
            events=events,
            retry=retry,
            cancel=cancel,
            previous_attempt=previous_attempt,
            next_attempt=next_attempt,
        )

        execution_links.additional_properties = d
        return execution_links

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
