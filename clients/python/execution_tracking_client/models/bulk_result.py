from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.bulk_result_item import BulkResultItem
    from ..models.bulk_result_skipped import BulkResultSkipped


T = TypeVar("T", bound="BulkResult")


@_attrs_define
class BulkResult:
    """
    Attributes:
        dry_run (bool):
        matched (int): All that the filter selects.
        more (bool): More were selected than `limit`.
        acted (int):
        skipped (BulkResultSkipped): reason -> count
        results (list[BulkResultItem]):
    """

    dry_run: bool
    matched: int
    more: bool
    acted: int
    skipped: BulkResultSkipped
    results: list[BulkResultItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dry_run = self.dry_run

        matched = self.matched

        more = self.more

        acted = self.acted

        skipped = self.skipped.to_dict()

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dry_run": dry_run,
                "matched": matched,
                "more": more,
                "acted": acted,
                "skipped": skipped,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_result_item import BulkResultItem  # noqa: PLC0415
        from ..models.bulk_result_skipped import BulkResultSkipped  # noqa: PLC0415

        d = dict(src_dict)
        dry_run = d.pop("dry_run")

        matched = d.pop("matched")

        more = d.pop("more")

        acted = d.pop("acted")

        skipped = BulkResultSkipped.from_dict(d.pop("skipped"))

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = BulkResultItem.from_dict(results_item_data)

            results.append(results_item)

        bulk_result = cls(
            dry_run=dry_run,
            matched=matched,
            more=more,
            acted=acted,
            skipped=skipped,
            results=results,
        )

        bulk_result.additional_properties = d
        return bulk_result

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
