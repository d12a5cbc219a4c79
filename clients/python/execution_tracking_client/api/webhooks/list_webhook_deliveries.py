from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_page import DeliveryPage
from ...models.list_webhook_deliveries_status import ListWebhookDeliveriesStatus
from ...models.list_webhook_deliveries_type import ListWebhookDeliveriesType
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook_id: UUID,
    *,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: ListWebhookDeliveriesStatus | Unset = UNSET,
    type_: ListWebhookDeliveriesType | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params["page_size"] = page_size

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/automation/webhooks/{webhook_id}/deliveries".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | DeliveryPage | Problem | None:
    if response.status_code == 200:
        response_200 = DeliveryPage.from_dict(response.json())

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
) -> Response[Any | DeliveryPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: ListWebhookDeliveriesStatus | Unset = UNSET,
    type_: ListWebhookDeliveriesType | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | DeliveryPage | Problem]:
    """A subscription's deliveries, newest first

     The deliveries of one subscription.

    Args:
        webhook_id (UUID):
        cursor (str | Unset):
        page_size (int | Unset):
        status (ListWebhookDeliveriesStatus | Unset):
        type_ (ListWebhookDeliveriesType | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DeliveryPage | Problem]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        cursor=cursor,
        page_size=page_size,
        status=status,
        type_=type_,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: ListWebhookDeliveriesStatus | Unset = UNSET,
    type_: ListWebhookDeliveriesType | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | DeliveryPage | Problem | None:
    """A subscription's deliveries, newest first

     The deliveries of one subscription.

    Args:
        webhook_id (UUID):
        cursor (str | Unset):
        page_size (int | Unset):
        status (ListWebhookDeliveriesStatus | Unset):
        type_ (ListWebhookDeliveriesType | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DeliveryPage | Problem
    """

    return sync_detailed(
        webhook_id=webhook_id,
        client=client,
        cursor=cursor,
        page_size=page_size,
        status=status,
        type_=type_,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: ListWebhookDeliveriesStatus | Unset = UNSET,
    type_: ListWebhookDeliveriesType | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | DeliveryPage | Problem]:
    """A subscription's deliveries, newest first

     The deliveries of one subscription.

    Args:
        webhook_id (UUID):
        cursor (str | Unset):
        page_size (int | Unset):
        status (ListWebhookDeliveriesStatus | Unset):
        type_ (ListWebhookDeliveriesType | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DeliveryPage | Problem]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        cursor=cursor,
        page_size=page_size,
        status=status,
        type_=type_,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: ListWebhookDeliveriesStatus | Unset = UNSET,
    type_: ListWebhookDeliveriesType | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | DeliveryPage | Problem | None:
    """A subscription's deliveries, newest first

     The deliveries of one subscription.

    Args:
        webhook_id (UUID):
        cursor (str | Unset):
        page_size (int | Unset):
        status (ListWebhookDeliveriesStatus | Unset):
        type_ (ListWebhookDeliveriesType | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DeliveryPage | Problem
    """

    return (
        await asyncio_detailed(
            webhook_id=webhook_id,
            client=client,
            cursor=cursor,
            page_size=page_size,
            status=status,
            type_=type_,
            if_none_match=if_none_match,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
