from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bulk_retry_request_filter import BulkRetryRequestFilter


T = TypeVar("T", bound="BulkRetryRequest")


@_attrs_define
class BulkRetryRequest:
    """POST /executions/bulk-retry and /bulk-cancel. `filter` holds the list's filters as JSON
    values (a list for a repeatable one); the view checks them with the list's own filter code.

        Attributes:
            filter_ (BulkRetryRequestFilter): The list's filters, e.g. {"error_fingerprint": "5d1e0c3a9b7f2e46"}; at least
                one.
            dry_run (bool | Unset):  Default: False.
            limit (int | Unset):  Default: 100.
    """

    filter_: BulkRetryRequestFilter
    dry_run: bool | Unset = False
    limit: int | Unset = 100

    def to_dict(self) -> dict[str, Any]:
        filter_ = self.filter_.to_dict()

        dry_run = self.dry_run

        limit = self.limit

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filter": filter_,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if limit is not UNSET:
            field_dict["limit"] = limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_retry_request_filter import BulkRetryRequestFilter  # noqa: PLC0415

        d = dict(src_dict)
        filter_ = BulkRetryRequestFilter.from_dict(d.pop("filter"))

        dry_run = d.pop("dry_run", UNSET)

        limit = d.pop("limit", UNSET)

        bulk_retry_request = cls(
            filter_=filter_,
            dry_run=dry_run,
            limit=limit,
        )

        return bulk_retry_request
