from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.execution_envelope import ExecutionEnvelope
from ...models.get_rule_execution_expand import GetRuleExecutionExpand
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    rule_id: UUID,
    execution_id: UUID,
    *,
    expand: GetRuleExecutionExpand | Unset = UNSET,
    fields: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_tenant_id, Unset):
        headers["x-tenant-id"] = x_tenant_id

    params: dict[str, Any] = {}

    json_expand: str | Unset = UNSET
    if not isinstance(expand, Unset):
        json_expand = expand.value

    params["expand"] = json_expand

    params["fields"] = fields

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/automation/rules/{rule_id}/executions/{execution_id}".format(
            rule_id=quote(str(rule_id), safe=""),
            execution_id=quote(str(execution_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ExecutionEnvelope | Problem | None:
    if response.status_code == 200:
        response_200 = ExecutionEnvelope.from_dict(response.json())

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
) -> Response[Any | ExecutionEnvelope | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    rule_id: UUID,
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    expand: GetRuleExecutionExpand | Unset = UNSET,
    fields: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | ExecutionEnvelope | Problem]:
    """One execution of a rule

     The executions of one rule.

    Args:
        rule_id (UUID):
        execution_id (UUID):
        expand (GetRuleExecutionExpand | Unset):
        fields (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ExecutionEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        rule_id=rule_id,
        execution_id=execution_id,
        expand=expand,
        fields=fields,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    rule_id: UUID,
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    expand: GetRuleExecutionExpand | Unset = UNSET,
    fields: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | ExecutionEnvelope | Problem | None:
    """One execution of a rule

     The executions of one rule.

    Args:
        rule_id (UUID):
        execution_id (UUID):
        expand (GetRuleExecutionExpand | Unset):
        fields (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ExecutionEnvelope | Problem
    """

    return sync_detailed(
        rule_id=rule_id,
        execution_id=execution_id,
        client=client,
        expand=expand,
        fields=fields,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    ).parsed


async def asyncio_detailed(
    rule_id: UUID,
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    expand: GetRuleExecutionExpand | Unset = UNSET,
    fields: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Response[Any | ExecutionEnvelope | Problem]:
    """One execution of a rule

     The executions of one rule.

    Args:
        rule_id (UUID):
        execution_id (UUID):
        expand (GetRuleExecutionExpand | Unset):
        fields (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ExecutionEnvelope | Problem]
    """

    kwargs = _get_kwargs(
        rule_id=rule_id,
        execution_id=execution_id,
        expand=expand,
        fields=fields,
        if_none_match=if_none_match,
        x_tenant_id=x_tenant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    rule_id: UUID,
    execution_id: UUID,
    *,
    client: AuthenticatedClient,
    expand: GetRuleExecutionExpand | Unset = UNSET,
    fields: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_tenant_id: str | Unset = UNSET,
) -> Any | ExecutionEnvelope | Problem | None:
    """One execution of a rule

     The executions of one rule.

    Args:
        rule_id (UUID):
        execution_id (UUID):
        expand (GetRuleExecutionExpand | Unset):
        fields (str | Unset):
        if_none_match (str | Unset):
        x_tenant_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ExecutionEnvelope | Problem
    """

    return (
        await asyncio_detailed(
            rule_id=rule_id,
            execution_id=execution_id,
            client=client,
            expand=expand,
            fields=fields,
            if_none_match=if_none_match,
            x_tenant_id=x_tenant_id,
        )
    ).parsed
