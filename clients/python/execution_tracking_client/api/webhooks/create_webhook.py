from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_input_request import WebhookInputRequest
from ...models.webhook_with_secret_envelope import WebhookWithSecretEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: WebhookInputRequest,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/automation/webhooks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookWithSecretEnvelope | None:
    if response.status_code == 201:
        response_201 = WebhookWithSecretEnvelope.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[Problem | WebhookWithSecretEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookInputRequest,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Problem | WebhookWithSecretEnvelope]:
    """Subscribe a URL to execution events (the secret is shown once)

     Webhook subscriptions of the tenant.

    Args:
        x_tenant_id (str | Unset):
        body (WebhookInputRequest): An input serializer that refuses fields it does not know, so a
            misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookWithSecretEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: WebhookInputRequest,
    x_tenant_id: str | Unset = UNSET,
) -> Problem | WebhookWithSecretEnvelope | None:
    """Subscribe a URL to execution events (the secret is shown once)

     Webhook subscriptions of the tenant.

    Args:
        x_tenant_id (str | Unset):
        body (WebhookInputRequest): An input serializer that refuses fields it does not know, so a
            misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookWithSecretEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookInputRequest,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Problem | WebhookWithSecretEnvelope]:
    """Subscribe a URL to execution events (the secret is shown once)

     Webhook subscriptions of the tenant.

    Args:
        x_tenant_id (str | Unset):
        body (WebhookInputRequest): An input serializer that refuses fields it does not know, so a
            misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookWithSecretEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: WebhookInputRequest,
    x_tenant_id: str | Unset = UNSET,
) -> Problem | WebhookWithSecretEnvelope | None:
    """Subscribe a URL to execution events (the secret is shown once)

     Webhook subscriptions of the tenant.

    Args:
        x_tenant_id (str | Unset):
        body (WebhookInputRequest): An input serializer that refuses fields it does not know, so a
            misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookWithSecretEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
