from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.link import Link


T = TypeVar("T", bound="ApiRootLinks")


@_attrs_define
class ApiRootLinks:
    """
    Attributes:
        self_ (Link):
        executions (Link):
        rules (Link):
        failures (Link):
        webhooks (Link):
        schema (Link):
        docs (Link):
    """

    self_: Link
    executions: Link
    rules: Link
    failures: Link
    webhooks: Link
    schema: Link
    docs: Link
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_.to_dict()

        executions = self.executions.to_dict()

        rules = self.rules.to_dict()

        failures = self.failures.to_dict()

        webhooks = self.webhooks.to_dict()

        schema = self.schema.to_dict()

        docs = self.docs.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "self": self_,
                "executions": executions,
                "rules": rules,
                "failures": failures,
                "webhooks": webhooks,
                "schema": schema,
                "docs": docs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.link import Link  # noqa: PLC0415

        d = dict(src_dict)
        self_ = Link.from_dict(d.pop("self"))

        executions = Link.from_dict(d.pop("executions"))

        rules = Link.from_dict(d.pop("rules"))

        failures = Link.from_dict(d.pop("failures"))

        webhooks = Link.from_dict(d.pop("webhooks"))

        schema = Link.from_dict(d.pop("schema"))

        docs = Link.from_dict(d.pop("docs"))

        api_root_links = cls(
            self_=self_,
            executions=executions,
            rules=rules,
            failures=failures,
            webhooks=webhooks,
            schema=schema,
            docs=docs,
        )

        api_root_links.additional_properties = d
        return api_root_links

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
