from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.events_enum import EventsEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookInputRequest")


@_attrs_define
class WebhookInputRequest:
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost.

    Attributes:
        url (str):
        events (list[EventsEnum]): Event types (execution.created, execution.status_changed, execution.completed,
            execution.failed, execution.timed_out, execution.cancelled, execution.retried), or ["*"] for all.
        description (str | Unset):
        is_enabled (bool | Unset):
    """

    url: str
    events: list[EventsEnum]
    description: str | Unset = UNSET
    is_enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.value
            events.append(events_item)

        description = self.description

        is_enabled = self.is_enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "events": events,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if is_enabled is not UNSET:
            field_dict["is_enabled"] = is_enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = EventsEnum(events_item_data)

            events.append(events_item)

        description = d.pop("description", UNSET)

        is_enabled = d.pop("is_enabled", UNSET)

        webhook_input_request = cls(
            url=url,
            events=events,
            description=description,
            is_enabled=is_enabled,
        )

        return webhook_input_request
