from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.music_generate_response import MusicGenerateResponse
from ...types import Response


def _get_kwargs(
    music_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/music/generate/{music_id}".format(
            music_id=quote(str(music_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MusicGenerateResponse | None:
    if response.status_code == 200:
        response_200 = MusicGenerateResponse.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[MusicGenerateResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    music_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[MusicGenerateResponse]:
    """Get music generation status

     Retrieves a normalized music result using the Phaseo request ID returned by POST /music/generate.
    Provider-specific status APIs are handled internally.

    Args:
        music_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MusicGenerateResponse]
    """

    kwargs = _get_kwargs(
        music_id=music_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    music_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> MusicGenerateResponse | None:
    """Get music generation status

     Retrieves a normalized music result using the Phaseo request ID returned by POST /music/generate.
    Provider-specific status APIs are handled internally.

    Args:
        music_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MusicGenerateResponse
    """

    return sync_detailed(
        music_id=music_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    music_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[MusicGenerateResponse]:
    """Get music generation status

     Retrieves a normalized music result using the Phaseo request ID returned by POST /music/generate.
    Provider-specific status APIs are handled internally.

    Args:
        music_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MusicGenerateResponse]
    """

    kwargs = _get_kwargs(
        music_id=music_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    music_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> MusicGenerateResponse | None:
    """Get music generation status

     Retrieves a normalized music result using the Phaseo request ID returned by POST /music/generate.
    Provider-specific status APIs are handled internally.

    Args:
        music_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MusicGenerateResponse
    """

    return (
        await asyncio_detailed(
            music_id=music_id,
            client=client,
        )
    ).parsed
