from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_cancel_request import BulkCancelRequest
from ...models.bulk_result_envelope import BulkResultEnvelope
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BulkCancelRequest,
    idempotency_key: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/automation/executions/bulk-cancel",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BulkResultEnvelope | Problem | None:
    if response.status_code == 200:
        response_200 = BulkResultEnvelope.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BulkResultEnvelope | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BulkCancelRequest,
    idempotency_key: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[BulkResultEnvelope | Problem]:
    """Cancel every execution a filter selects (or say what a cancel would do)

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        idempotency_key (str | Unset):
        x_tenant_id (str | Unset):
        body (BulkCancelRequest): POST /executions/bulk-retry and /bulk-cancel. `filter` holds the
            list's filters as JSON
            values (a list for a repeatable one); the view checks them with the list's own filter
            code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkResultEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: BulkCancelRequest,
    idempotency_key: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> BulkResultEnvelope | Problem | None:
    """Cancel every execution a filter selects (or say what a cancel would do)

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        idempotency_key (str | Unset):
        x_tenant_id (str | Unset):
        body (BulkCancelRequest): POST /executions/bulk-retry and /bulk-cancel. `filter` holds the
            list's filters as JSON
            values (a list for a repeatable one); the view checks them with the list's own filter
            code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkResultEnvelope | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BulkCancelRequest,
    idempotency_key: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[BulkResultEnvelope | Problem]:
    """Cancel every execution a filter selects (or say what a cancel would do)

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        idempotency_key (str | Unset):
        x_tenant_id (str | Unset):
        body (BulkCancelRequest): POST /executions/bulk-retry and /bulk-cancel. `filter` holds the
            list's filters as JSON
            values (a list for a repeatable one); the view checks them with the list's own filter
            code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkResultEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: BulkCancelRequest,
    idempotency_key: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> BulkResultEnvelope | Problem | None:
    """Cancel every execution a filter selects (or say what a cancel would do)

     Executions: start, read, report progress, retry, cancel, history.

    Args:
        idempotency_key (str | Unset):
        x_tenant_id (str | Unset):
        body (BulkCancelRequest): POST /executions/bulk-retry and /bulk-cancel. `filter` holds the
            list's filters as JSON
            values (a list for a repeatable one); the view checks them with the list's own filter
            code.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkResultEnvelope | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
