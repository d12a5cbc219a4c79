from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.events_enum import EventsEnum

if TYPE_CHECKING:
    from ..models.webhook_links import WebhookLinks


T = TypeVar("T", bound="WebhookWithSecret")


@_attrs_define
class WebhookWithSecret:
    """
    Attributes:
        id (UUID):
        url (str):
        events (list[EventsEnum]):
        description (str):
        is_enabled (bool):
        disabled_reason (None | str): Why the service disabled it; null when it did not.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        links (WebhookLinks):
        secret (str): whsec_ + base64 of the key: shown only here, on creation and rotation.
    """

    id: UUID
    url: str
    events: list[EventsEnum]
    description: str
    is_enabled: bool
    disabled_reason: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    links: WebhookLinks
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        url = self.url

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.value
            events.append(events_item)

        description = self.description

        is_enabled = self.is_enabled

        disabled_reason: None | str
        disabled_reason = self.disabled_reason

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        links = self.links.to_dict()

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "events": events,
                "description": description,
                "is_enabled": is_enabled,
                "disabled_reason": disabled_reason,
                "created_at": created_at,
                "updated_at": updated_at,
                "_links": links,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_links import WebhookLinks  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        url = d.pop("url")

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = EventsEnum(events_item_data)

            events.append(events_item)

        description = d.pop("description")

        is_enabled = d.pop("is_enabled")

        def _parse_disabled_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        links = WebhookLinks.from_dict(d.pop("_links"))

        secret = d.pop("secret")

        webhook_with_secret = cls(
            id=id,
            url=url,
            events=events,
            description=description,
            is_enabled=is_enabled,
            disabled_reason=disabled_reason,
            created_at=created_at,
            updated_at=updated_at,
            links=links,
            secret=secret,
        )

        webhook_with_secret.additional_properties = d
        return webhook_with_secret

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
