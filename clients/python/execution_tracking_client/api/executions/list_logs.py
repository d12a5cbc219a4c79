from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_logs_level_item import ListLogsLevelItem
from ...models.log_line_page import LogLinePage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    execution_id: UUID,
    *,
    action_index: int | Unset = UNSET,
    after: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    level: list[ListLogsLevelItem] | Unset = UNSET,
    page_size: int | Unset = UNSET,
    step_key: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    params: dict[str, Any] = {}

    params["action_index"] = action_index

    params["after"] = after

    params["cursor"] = cursor

    json_level: list[str] | Unset = UNSET
    if not isinstance(level, Unset):
        json_level = []
        for level_item_data in level:
            level_item = level_item_data.value
            json_level.append(level_item)

    params["level"] = json_level

    params["page_size"] = page_size

    params["step_key"] = step_key

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/automation/executions/{execution_id}/logs".format(
            execution_id=quote(str(execution_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | LogLinePage | Problem | None:
    if response.status_code == 200:
        response_200 = LogLinePage.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | LogLinePage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    action_index: int | Unset = UNSET,
    after: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    level: list[ListLogsLevelItem] | Unset = UNSET,
    page_size: int | Unset = UNSET,
    step_key: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | LogLinePage | Problem]:
    """Log lines by sequence

     The log lines of one execution, by sequence.

    Args:
        execution_id (UUID):
        action_index (int | Unset):
        after (int | Unset):
        cursor (str | Unset):
        level (list[ListLogsLevelItem] | Unset):
        page_size (int | Unset):
        step_key (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LogLinePage | Problem]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        action_index=action_index,
        after=after,
        cursor=cursor,
        level=level,
        page_size=page_size,
        step_key=step_key,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    action_index: int | Unset = UNSET,
    after: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    level: list[ListLogsLevelItem] | Unset = UNSET,
    page_size: int | Unset = UNSET,
    step_key: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | LogLinePage | Problem | None:
    """Log lines by sequence

     The log lines of one execution, by sequence.

    Args:
        execution_id (UUID):
        action_index (int | Unset):
        after (int | Unset):
        cursor (str | Unset):
        level (list[ListLogsLevelItem] | Unset):
        page_size (int | Unset):
        step_key (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LogLinePage | Problem
    """

    return sync_detailed(
        execution_id=execution_id,
        client=client,
        action_index=action_index,
        after=after,
        cursor=cursor,
        level=level,
        page_size=page_size,
        step_key=step_key,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    action_index: int | Unset = UNSET,
    after: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    level: list[ListLogsLevelItem] | Unset = UNSET,
    page_size: int | Unset = UNSET,
    step_key: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | LogLinePage | Problem]:
    """Log lines by sequence

     The log lines of one execution, by sequence.

    Args:
        execution_id (UUID):
        action_index (int | Unset):
        after (int | Unset):
        cursor (str | Unset):
        level (list[ListLogsLevelItem] | Unset):
        page_size (int | Unset):
        step_key (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LogLinePage | Problem]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        action_index=action_index,
        after=after,
        cursor=cursor,
        level=level,
        page_size=page_size,
        step_key=step_key,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    action_index: int | Unset = UNSET,
    after: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    level: list[ListLogsLevelItem] | Unset = UNSET,
    page_size: int | Unset = UNSET,
    step_key: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | LogLinePage | Problem | None:
    """Log lines by sequence

     The log lines of one execution, by sequence.

    Args:
        execution_id (UUID):
        action_index (int | Unset):
        after (int | Unset):
        cursor (str | Unset):
        level (list[ListLogsLevelItem] | Unset):
        page_size (int | Unset):
        step_key (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LogLinePage | Problem
    """

    return (
        await asyncio_detailed(
            execution_id=execution_id,
            client=client,
            action_index=action_index,
            after=after,
            cursor=cursor,
            level=level,
            page_size=page_size,
            step_key=step_key,
            if_none_match=if_none_match,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
