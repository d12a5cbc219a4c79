from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rule_actions_item import RuleActionsItem
    from ..models.rule_links import RuleLinks


T = TypeVar("T", bound="Rule")


@_attrs_define
class Rule:
    """
    Attributes:
        id (UUID):
        name (str):
        description (str):
        trigger (str):
        actions (list[RuleActionsItem]):
        timeout_seconds (int):
        is_enabled (bool):
        version (int):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        links (RuleLinks):
    """

    id: UUID
    name: str
    description: str
    trigger: str
    actions: list[RuleActionsItem]
    timeout_seconds: int
    is_enabled: bool
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    links: RuleLinks
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        description = self.description

        trigger = self.trigger

        actions = []
        for actions_item_data in self.actions:
            actions_item = actions_item_data.to_dict()
            actions.append(actions_item)

        timeout_seconds = self.timeout_seconds

        is_enabled = self.is_enabled

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        links = self.links.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "description": description,
                "trigger": trigger,
                "actions": actions,
                "timeout_seconds": timeout_seconds,
                "is_enabled": is_enabled,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
                "_links": links,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rule_actions_item import RuleActionsItem  # noqa: PLC0415
        from ..models.rule_links import RuleLinks  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        description = d.pop("description")

        trigger = d.pop("trigger")

        actions = []
        _actions = d.pop("actions")
        for actions_item_data in _actions:
            actions_item = RuleActionsItem.from_dict(actions_item_data)

            actions.append(actions_item)

        timeout_seconds = d.pop("timeout_seconds")

        is_enabled = d.pop("is_enabled")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        links = RuleLinks.from_dict(d.pop("_links"))

        rule = cls(
            id=id,
            name=name,
            description=description,
            trigger=trigger,
            actions=actions,
            timeout_seconds=timeout_seconds,
            is_enabled=is_enabled,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            links=links,
        )

        rule.additional_properties = d
        return rule

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
