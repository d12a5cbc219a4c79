from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.link import Link


T = TypeVar("T", bound="WebhookLinks")


@_attrs_define
class WebhookLinks:
    """
    Attributes:
        self_ (Link):
        deliveries (Link):
        rotate_secret (Link):
        ping (Link):
    """

    self_: Link
    deliveries: Link
    rotate_secret: Link
    ping: Link
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_.to_dict()

        deliveries = self.deliveries.to_dict()

        rotate_secret = self.rotate_secret.to_dict()

        ping = self.ping.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "self": self_,
                "deliveries": deliveries,
                "rotate_secret": rotate_secret,
                "ping": ping,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)
        self_ = Link.from_dict(d.pop("self"))

        deliveries = Link.from_dict(d.pop("deliveries"))

        rotate_secret = Link.from_dict(d.pop("rotate_secret"))

        ping = Link.from_dict(d.pop("ping"))

        webhook_links = cls(
            self_=self_,
            deliveries=deliveries,
            rotate_secret=rotate_secret,
            ping=ping,
        )

        webhook_links.additional_properties = d
        return webhook_links

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
