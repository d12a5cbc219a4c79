from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_request import CancelRequest
from ...models.execution_envelope import ExecutionEnvelope
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    execution_id: UUID,
    *,
    body: CancelRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/automation/executions/{execution_id}/cancel".format(
            execution_id=quote(str(execution_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExecutionEnvelope | Problem | None:
    if response.status_code == 200:
        response_200 = ExecutionEnvelope.from_dict(response.json())

        return response_200

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ExecutionEnvelope | Problem]:
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
    body: CancelRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[ExecutionEnvelope | Problem]:
    """Cancel a pending, running or waiting execution

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        execution_id (UUID):
        x_tenant_id (str | Unset):
        body (CancelRequest | Unset): An input serializer that refuses fields it does not know, so
            a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExecutionEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        body=body,
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
    body: CancelRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> ExecutionEnvelope | Problem | None:
    """Cancel a pending, running or waiting execution

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        execution_id (UUID):
        x_tenant_id (str | Unset):
        body (CancelRequest | Unset): An input serializer that refuses fields it does not know, so
            a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExecutionEnvelope | Problem
    """

    return sync_detailed(
        execution_id=execution_id,
        client=client,
        body=body,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[ExecutionEnvelope | Problem]:
    """Cancel a pending, running or waiting execution

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        execution_id (UUID):
        x_tenant_id (str | Unset):
        body (CancelRequest | Unset): An input serializer that refuses fields it does not know, so
            a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExecutionEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        execution_id=execution_id,
        body=body,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> ExecutionEnvelope | Problem | None:
    """Cancel a pending, running or waiting execution

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        execution_id (UUID):
        x_tenant_id (str | Unset):
        body (CancelRequest | Unset): An input serializer that refuses fields it does not know, so
            a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExecutionEnvelope | Problem
    """

    return (
        await asyncio_detailed(
            execution_id=execution_id,
            client=client,
            body=body,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
