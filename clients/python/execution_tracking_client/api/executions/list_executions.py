import datetime
from http import HTTPStatus
from typing import Any, cast
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.execution_item_page import ExecutionItemPage
from ...models.list_executions_status_item import ListExecutionsStatusItem
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    automation_rule_id: UUID | Unset = UNSET,
    completed_after: datetime.datetime | Unset = UNSET,
    completed_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    error_fingerprint: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    fields: str | Unset = UNSET,
    max_duration_ms: int | Unset = UNSET,
    min_duration_ms: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    started_after: datetime.datetime | Unset = UNSET,
    started_before: datetime.datetime | Unset = UNSET,
    status: list[ListExecutionsStatusItem] | Unset = UNSET,
    triggered_by: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    params: dict[str, Any] = {}

    json_automation_rule_id: str | Unset = UNSET
    if not isinstance(automation_rule_id, Unset):
        json_automation_rule_id = str(automation_rule_id)
    params["automation_rule_id"] = json_automation_rule_id

    json_completed_after: str | Unset = UNSET
    if not isinstance(completed_after, Unset):
        json_completed_after = completed_after.isoformat()
    params["completed_after"] = json_completed_after

    json_completed_before: str | Unset = UNSET
    if not isinstance(completed_before, Unset):
        json_completed_before = completed_before.isoformat()
    params["completed_before"] = json_completed_before

    params["cursor"] = cursor

    params["error_fingerprint"] = error_fingerprint

    params["external_ref"] = external_ref

    params["fields"] = fields

    params["max_duration_ms"] = max_duration_ms

    params["min_duration_ms"] = min_duration_ms

    params["page_size"] = page_size

    json_started_after: str | Unset = UNSET
    if not isinstance(started_after, Unset):
        json_started_after = started_after.isoformat()
    params["started_after"] = json_started_after

    json_started_before: str | Unset = UNSET
    if not isinstance(started_before, Unset):
        json_started_before = started_before.isoformat()
    params["started_before"] = json_started_before

    json_status: list[str] | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = []
        for status_item_data in status:
            status_item = status_item_data.value
            json_status.append(status_item)

    params["status"] = json_status

    params["triggered_by"] = triggered_by

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/automation/executions",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ExecutionItemPage | Problem | None:
    if response.status_code == 200:
        response_200 = ExecutionItemPage.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ExecutionItemPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    completed_after: datetime.datetime | Unset = UNSET,
    completed_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    error_fingerprint: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    fields: str | Unset = UNSET,
    max_duration_ms: int | Unset = UNSET,
    min_duration_ms: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    started_after: datetime.datetime | Unset = UNSET,
    started_before: datetime.datetime | Unset = UNSET,
    status: list[ListExecutionsStatusItem] | Unset = UNSET,
    triggered_by: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | ExecutionItemPage | Problem]:
    """List executions

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        automation_rule_id (UUID | Unset):
        completed_after (datetime.datetime | Unset):
        completed_before (datetime.datetime | Unset):
        cursor (str | Unset):
        error_fingerprint (str | Unset):
        external_ref (str | Unset):
        fields (str | Unset):
        max_duration_ms (int | Unset):
        min_duration_ms (int | Unset):
        page_size (int | Unset):
        started_after (datetime.datetime | Unset):
        started_before (datetime.datetime | Unset):
        status (list[ListExecutionsStatusItem] | Unset):
        triggered_by (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ExecutionItemPage | Problem]
    """

    kwargs = _get_kwargs(
        automation_rule_id=automation_rule_id,
        completed_after=completed_after,
        completed_before=completed_before,
        cursor=cursor,
        error_fingerprint=error_fingerprint,
        external_ref=external_ref,
        fields=fields,
        max_duration_ms=max_duration_ms,
        min_duration_ms=min_duration_ms,
        page_size=page_size,
        started_after=started_after,
        started_before=started_before,
        status=status,
        triggered_by=triggered_by,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    completed_after: datetime.datetime | Unset = UNSET,
    completed_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    error_fingerprint: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    fields: str | Unset = UNSET,
    max_duration_ms: int | Unset = UNSET,
    min_duration_ms: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    started_after: datetime.datetime | Unset = UNSET,
    started_before: datetime.datetime | Unset = UNSET,
    status: list[ListExecutionsStatusItem] | Unset = UNSET,
    triggered_by: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | ExecutionItemPage | Problem | None:
    """List executions

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        automation_rule_id (UUID | Unset):
        completed_after (datetime.datetime | Unset):
        completed_before (datetime.datetime | Unset):
        cursor (str | Unset):
        error_fingerprint (str | Unset):
        external_ref (str | Unset):
        fields (str | Unset):
        max_duration_ms (int | Unset):
        min_duration_ms (int | Unset):
        page_size (int | Unset):
        started_after (datetime.datetime | Unset):
        started_before (datetime.datetime | Unset):
        status (list[ListExecutionsStatusItem] | Unset):
        triggered_by (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ExecutionItemPage | Problem
    """

    return sync_detailed(
        client=client,
        automation_rule_id=automation_rule_id,
        completed_after=completed_after,
        completed_before=completed_before,
        cursor=cursor,
        error_fingerprint=error_fingerprint,
        external_ref=external_ref,
        fields=fields,
        max_duration_ms=max_duration_ms,
        min_duration_ms=min_duration_ms,
        page_size=page_size,
        started_after=started_after,
        started_before=started_before,
        status=status,
        triggered_by=triggered_by,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    completed_after: datetime.datetime | Unset = UNSET,
    completed_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    error_fingerprint: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    fields: str | Unset = UNSET,
    max_duration_ms: int | Unset = UNSET,
    min_duration_ms: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    started_after: datetime.datetime | Unset = UNSET,
    started_before: datetime.datetime | Unset = UNSET,
    status: list[ListExecutionsStatusItem] | Unset = UNSET,
    triggered_by: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | ExecutionItemPage | Problem]:
    """List executions

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        automation_rule_id (UUID | Unset):
        completed_after (datetime.datetime | Unset):
        completed_before (datetime.datetime | Unset):
        cursor (str | Unset):
        error_fingerprint (str | Unset):
        external_ref (str | Unset):
        fields (str | Unset):
        max_duration_ms (int | Unset):
        min_duration_ms (int | Unset):
        page_size (int | Unset):
        started_after (datetime.datetime | Unset):
        started_before (datetime.datetime | Unset):
        status (list[ListExecutionsStatusItem] | Unset):
        triggered_by (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ExecutionItemPage | Problem]
    """

    kwargs = _get_kwargs(
        automation_rule_id=automation_rule_id,
        completed_after=completed_after,
        completed_before=completed_before,
        cursor=cursor,
        error_fingerprint=error_fingerprint,
        external_ref=external_ref,
        fields=fields,
        max_duration_ms=max_duration_ms,
        min_duration_ms=min_duration_ms,
        page_size=page_size,
        started_after=started_after,
        started_before=started_before,
        status=status,
        triggered_by=triggered_by,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    completed_after: datetime.datetime | Unset = UNSET,
    completed_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    error_fingerprint: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    fields: str | Unset = UNSET,
    max_duration_ms: int | Unset = UNSET,
    min_duration_ms: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    started_after: datetime.datetime | Unset = UNSET,
    started_before: datetime.datetime | Unset = UNSET,
    status: list[ListExecutionsStatusItem] | Unset = UNSET,
    triggered_by: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | ExecutionItemPage | Problem | None:
    """List executions

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        automation_rule_id (UUID | Unset):
        completed_after (datetime.datetime | Unset):
        completed_before (datetime.datetime | Unset):
        cursor (str | Unset):
        error_fingerprint (str | Unset):
        external_ref (str | Unset):
        fields (str | Unset):
        max_duration_ms (int | Unset):
        min_duration_ms (int | Unset):
        page_size (int | Unset):
        started_after (datetime.datetime | Unset):
        started_before (datetime.datetime | Unset):
        status (list[ListExecutionsStatusItem] | Unset):
        triggered_by (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ExecutionItemPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            automation_rule_id=automation_rule_id,
            completed_after=completed_after,
            completed_before=completed_before,
            cursor=cursor,
            error_fingerprint=error_fingerprint,
            external_ref=external_ref,
            fields=fields,
            max_duration_ms=max_duration_ms,
            min_duration_ms=min_duration_ms,
            page_size=page_size,
            started_after=started_after,
            started_before=started_before,
            status=status,
            triggered_by=triggered_by,
            if_none_match=if_none_match,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
