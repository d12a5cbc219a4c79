from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action_request import ActionRequest


T = TypeVar("T", bound="RuleInputRequest")


@_attrs_define
class RuleInputRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        name (str):
        trigger (str):
        description (str | Unset):
        actions (list[ActionRequest] | Unset):
        timeout_seconds (int | Unset):
        is_enabled (bool | Unset):
    """

    name: str
    trigger: str
    description: str | Unset = UNSET
    actions: list[ActionRequest] | Unset = UNSET
    timeout_seconds: int | Unset = UNSET
    is_enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        trigger = self.trigger

        description = self.description

        actions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.actions, Unset):
            actions = []
            for actions_item_data in self.actions:
                actions_item = actions_item_data.to_dict()
                actions.append(actions_item)

        timeout_seconds = self.timeout_seconds

        is_enabled = self.is_enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "trigger": trigger,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if actions is not UNSET:
            field_dict["actions"] = actions
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if is_enabled is not UNSET:
            field_dict["is_enabled"] = is_enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action_request import ActionRequest  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        trigger = d.pop("trigger")

        description = d.pop("description", UNSET)

        _actions = d.pop("actions", UNSET)
        actions: list[ActionRequest] | Unset = UNSET
        if _actions is not UNSET:
            actions = []
            for actions_item_data in _actions:
                actions_item = ActionRequest.from_dict(actions_item_data)

                actions.append(actions_item)

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        is_enabled = d.pop("is_enabled", UNSET)

        rule_input_request = cls(
            name=name,
            trigger=trigger,
            description=description,
            actions=actions,
            timeout_seconds=timeout_seconds,
            is_enabled=is_enabled,
        )

        return rule_input_request
