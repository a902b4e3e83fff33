"""The connection pools of a client: the API's and the downloads', and the
transports that send a request through a pool.

Kept apart from the clients because the rules here are about connections, not
the API: who owns a pool (the client that opened it, not its copies), when a
new one is opened (first use, and again in a child after ``os.fork()``), and
which credentials may reach which origin (the key the gateway, never the
audio CDN; a user's httpx client's own auth never).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Final, Generic, TypeVar

import httpx

from ._deadline import install
from ._errors import AIStatsError
from ._version import __version__

__all__ = [
    "DEFAULT_LIMITS",
    "USER_AGENT",
    "AsyncForward",
    "Forward",
    "Pool",
    "check_given",
    "closed_error",
    "new_async_downloads",
    "new_async_pool",
    "new_sync_downloads",
    "new_sync_pool",
]

_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)

USER_AGENT: Final = f"ai-stats-music/{__version__} python-httpx/{httpx.__version__}"

#: One pool per client, for creates and status reads alike: at most 64
#: connections to the gateway at once (``limits=`` changes it). ``wait_many``'s
#: reads fit easily (see its ``concurrency``); creates beyond 64 at once queue
#: for a connection -- unsent, and without a deadline -- and go out as earlier
#: ones are answered.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=64)
_DOWNLOAD_HEADERS: Final = {"Accept-Encoding": "identity", "User-Agent": USER_AGENT}


def closed_error(client: object) -> AIStatsError:
    return AIStatsError(
        f"this {type(client).__name__} is closed: make a new client (or use it in a "
        "'with' block only)"
    )


class Pool(Generic[_H]):
    """The connections a client and its copies (``with_options``) share.

    The client that opened the pool owns it: closing that client closes the
    pool, and its copies then say they are closed; closing a copy closes only
    the copy. An httpx client passed in is used as is and never closed. A pool
    of our own is opened on first use and again in a child process after
    ``os.fork()``: connections are not fork-safe, so a child never uses the
    parent's (it leaves them to the parent, unclosed).
    """

    __slots__ = ("_given", "_http", "_lock", "_make", "_pid", "closed")

    def __init__(self, make: Callable[[], _H], given: _H | None) -> None:
        self._make: Callable[[], _H] = make
        self._given: _H | None = given
        self._http: _H | None = given
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.closed = False

    @property
    def owned(self) -> bool:
        return self._given is None

    def get(self, client: object) -> _H:
        if self.closed:
            raise closed_error(client)
        http = self._http
        if http is not None and (self._given is not None or self._pid == os.getpid()):
            return http
        with self._lock:
            if self.closed:
                raise closed_error(client)
            if self._http is None or self._pid != os.getpid():
                self._http = self._make()
                self._pid = os.getpid()
            return self._http

    def take(self) -> _H | None:
        """Mark the pool closed; the httpx client to close, if it is ours and this process's."""
        with self._lock:
            self.closed = True
            http, self._http = self._http, None
        if self._given is not None or self._pid != os.getpid():
            return None
        return http


class Forward(httpx.BaseTransport):
    """A transport that sends through a pool: ``raw``'s client and downloads
    through a user's client go through it, with their own settings."""

    def __init__(self, pool: Callable[[], httpx.Client]) -> None:
        self._pool = pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool().send(request, stream=True, auth=None, follow_redirects=False)


class AsyncForward(httpx.AsyncBaseTransport):
    """The async twin of :class:`Forward`."""

    def __init__(self, pool: Callable[[], httpx.AsyncClient]) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool().send(request, stream=True, auth=None, follow_redirects=False)


def check_given(http_client: object, download_client: object, kind: type[_H], other: str) -> None:
    """Refuse an ``http_client`` / ``download_client`` of the other client's kind
    (``other`` says which one takes it), or an ``http_client`` with an auth."""
    name = f"httpx.{kind.__name__}"
    if http_client is not None and not isinstance(http_client, kind):
        raise TypeError(f"http_client must be an {name} ({other})")
    if download_client is not None and not isinstance(download_client, kind):
        raise TypeError(f"download_client must be an {name}")
    # httpx keeps a client's auth in ``_auth`` (``auth`` is its property).
    if isinstance(http_client, kind) and http_client.auth is not None:
        raise ValueError(
            "http_client has an auth set: this client sends the API key itself, and an auth "
            "of the http client would replace it silently. Pass an http client without auth."
        )


def new_sync_pool(limits: httpx.Limits | None, headers: Mapping[str, str]) -> httpx.Client:
    # A plain httpx client: proxies and certificates from the environment
    # apply, as they would to any httpx client. Its default headers are the
    # owning client's (key included), so that the owner's requests carry none
    # of their own: merging headers into every request costs about 5 % of a
    # status read's CPU (bench, overhead). install: each request's timeout
    # bounds the whole request (see _deadline).
    limits = DEFAULT_LIMITS if limits is None else limits
    return install(httpx.Client(follow_redirects=False, limits=limits, headers=headers))


def new_async_pool(limits: httpx.Limits | None, headers: Mapping[str, str]) -> httpx.AsyncClient:
    limits = DEFAULT_LIMITS if limits is None else limits
    return install(httpx.AsyncClient(follow_redirects=False, limits=limits, headers=headers))


def new_sync_downloads(given: httpx.Client | None) -> httpx.Client:
    if given is not None:
        # The user's transport, proxies and TLS settings; never its headers
        # or auth (which may carry credentials meant for elsewhere).
        return httpx.Client(
            transport=Forward(lambda: given), follow_redirects=False, headers=_DOWNLOAD_HEADERS
        )
    from ._download import new_sync_client

    return new_sync_client(user_agent=USER_AGENT)


def new_async_downloads(given: httpx.AsyncClient | None) -> httpx.AsyncClient:
    if given is not None:
        return httpx.AsyncClient(
            transport=AsyncForward(lambda: given),
            follow_redirects=False,
            headers=_DOWNLOAD_HEADERS,
        )
    from ._download import new_async_client

    return new_async_client(user_agent=USER_AGENT)
