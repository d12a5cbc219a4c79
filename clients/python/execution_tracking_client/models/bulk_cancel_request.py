from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bulk_cancel_request_filter import BulkCancelRequestFilter


T = TypeVar("T", bound="BulkCancelRequest")


@_attrs_define
class BulkCancelRequest:
    """POST /executions/bulk-retry and /bulk-cancel. `filter` holds the list's filters as JSON
    values (a list for a repeatable one); the view checks them with the list's own filter code.

        Attributes:
            filter_ (BulkCancelRequestFilter): The list's filters, e.g. {"error_fingerprint": "5d1e0c3a9b7f2e46"}; at least
                one.
            dry_run (bool | Unset):  Default: False.
            limit (int | Unset):  Default: 100.
            reason (None | str | Unset):
    """

    filter_: BulkCancelRequestFilter
    dry_run: bool | Unset = False
    limit: int | Unset = 100
    reason: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        filter_ = self.filter_.to_dict()

        dry_run = self.dry_run

        limit = self.limit

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

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
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_cancel_request_filter import BulkCancelRequestFilter  # noqa: PLC0415

        d = dict(src_dict)
        filter_ = BulkCancelRequestFilter.from_dict(d.pop("filter"))

        dry_run = d.pop("dry_run", UNSET)

        limit = d.pop("limit", UNSET)

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        bulk_cancel_request = cls(
            filter_=filter_,
            dry_run=dry_run,
            limit=limit,
            reason=reason,
        )

        return bulk_cancel_request
