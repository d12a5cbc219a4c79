from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.patched_rule_input_request import PatchedRuleInputRequest
from ...models.problem import Problem
from ...models.rule_envelope import RuleEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    rule_id: UUID,
    *,
    body: PatchedRuleInputRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/automation/rules/{rule_id}".format(
            rule_id=quote(str(rule_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | RuleEnvelope | None:
    if response.status_code == 200:
        response_200 = RuleEnvelope.from_dict(response.json())

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
) -> Response[Problem | RuleEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    rule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedRuleInputRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Problem | RuleEnvelope]:
    """Change a rule

     Automation rules.

    Args:
        rule_id (UUID):
        x_tenant_id (str | Unset):
        body (PatchedRuleInputRequest | Unset): An input serializer that refuses fields it does
            not know, so a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RuleEnvelope]
    """

    kwargs = _get_kwargs(
        rule_id=rule_id,
        body=body,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    rule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedRuleInputRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Problem | RuleEnvelope | None:
    """Change a rule

     Automation rules.

    Args:
        rule_id (UUID):
        x_tenant_id (str | Unset):
        body (PatchedRuleInputRequest | Unset): An input serializer that refuses fields it does
            not know, so a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RuleEnvelope
    """

    return sync_detailed(
        rule_id=rule_id,
        client=client,
        body=body,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    rule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedRuleInputRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Problem | RuleEnvelope]:
    """Change a rule

     Automation rules.

    Args:
        rule_id (UUID):
        x_tenant_id (str | Unset):
        body (PatchedRuleInputRequest | Unset): An input serializer that refuses fields it does
            not know, so a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RuleEnvelope]
    """

    kwargs = _get_kwargs(
        rule_id=rule_id,
        body=body,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    rule_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PatchedRuleInputRequest | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Problem | RuleEnvelope | None:
    """Change a rule

     Automation rules.

    Args:
        rule_id (UUID):
        x_tenant_id (str | Unset):
        body (PatchedRuleInputRequest | Unset): An input serializer that refuses fields it does
            not know, so a misspelt field is not lost.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RuleEnvelope
    """

    return (
        await asyncio_detailed(
            rule_id=rule_id,
            client=client,
            body=body,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
