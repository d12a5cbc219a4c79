import datetime
from http import HTTPStatus
from typing import Any, cast
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.failure_group_list_envelope import FailureGroupListEnvelope
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    automation_rule_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
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

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/automation/failures",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | FailureGroupListEnvelope | Problem | None:
    if response.status_code == 200:
        response_200 = FailureGroupListEnvelope.from_dict(response.json())

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
) -> Response[Any | FailureGroupListEnvelope | Problem]:
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
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | FailureGroupListEnvelope | Problem]:
    """Failed and timed-out executions grouped by error fingerprint

     Failure groups: what is failing, and how many of each.

    Args:
        automation_rule_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | FailureGroupListEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        automation_rule_id=automation_rule_id,
        since=since,
        until=until,
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
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | FailureGroupListEnvelope | Problem | None:
    """Failed and timed-out executions grouped by error fingerprint

     Failure groups: what is failing, and how many of each.

    Args:
        automation_rule_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | FailureGroupListEnvelope | Problem
    """

    return sync_detailed(
        client=client,
        automation_rule_id=automation_rule_id,
        since=since,
        until=until,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | FailureGroupListEnvelope | Problem]:
    """Failed and timed-out executions grouped by error fingerprint

     Failure groups: what is failing, and how many of each.

    Args:
        automation_rule_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | FailureGroupListEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        automation_rule_id=automation_rule_id,
        since=since,
        until=until,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    automation_rule_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | FailureGroupListEnvelope | Problem | None:
    """Failed and timed-out executions grouped by error fingerprint

     Failure groups: what is failing, and how many of each.

    Args:
        automation_rule_id (UUID | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | FailureGroupListEnvelope | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            automation_rule_id=automation_rule_id,
            since=since,
            until=until,
            if_none_match=if_none_match,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
