"""A request's timeout bounds the whole request, not each read.

httpx's timeouts are per socket operation: a server that sends one byte every
second, under a 30 s read timeout, can hold a request for ever. Here the
clients' own connection pools read and write through a thin wrapper of
httpcore's network streams (:class:`DeadlineBackend`, installed by
:func:`install`). While a request runs, a :class:`Budget` is set in a context
variable (:func:`budget`); each read and write of the stream it runs on takes
at most the time left, and fails with httpcore's ``ReadTimeout`` /
``WriteTimeout`` -- which httpx turns into ``httpx.ReadTimeout`` /
``WriteTimeout``, the error an ordinary read timeout gives -- once none is
left.

The budget is armed by the first read or write on a connection, so the wait
for a free connection of the pool (a create may wait there as long as it
takes) and the connect (bounded by its own timeout) do not count. A context
variable follows the request on both sides: a sync request runs in its
caller's thread, an async one in its caller's task. Outside a budget (another
request of the same pool, a download's body) the wrapper passes the timeout
through unchanged, so the cost is one context-variable read per socket
operation.

It works with httpx's own transports (``HTTPTransport``, including the proxy
pools it mounts from the environment); a transport of the user's
(``http_client=``) is used as it is, with httpx's per-operation timeouts.
"""

from __future__ import annotations

import contextvars
import ssl
import time
import typing
from collections.abc import Iterable
from typing import Final

import httpcore
import httpx

__all__ = ["Budget", "budget", "install", "installed"]


class Budget:
    """The time one request may take on its connection, armed on first use."""

    __slots__ = ("_ends", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends: float | None = None

    def cap(self, timeout: float | None, expired: type[Exception]) -> float:
        """``timeout`` shortened to the time left; raise ``expired`` when none is."""
        now = time.monotonic()
        if self._ends is None:
            self._ends = now + self.seconds
            left = self.seconds
        else:
            left = self._ends - now
            if left <= 0:
                raise expired(f"the request took longer than its timeout of {self.seconds:g} s")
        return left if timeout is None or timeout > left else timeout


_CURRENT: Final[contextvars.ContextVar[Budget | None]] = contextvars.ContextVar(
    "ai_stats_music_request_budget", default=None
)


class budget:
    """``with budget(seconds):`` -- the requests sent inside take at most ``seconds``
    on their connection (``None``: no bound beyond httpx's). A class rather than
    a generator context manager: it is on every request's path. Lower case: it
    reads as a statement, like ``open``."""

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> None:
        if self._seconds is not None:
            self._token = _CURRENT.set(Budget(self._seconds))

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)
            self._token = None


def _cap(timeout: float | None, expired: type[Exception]) -> float | None:
    current = _CURRENT.get()
    return timeout if current is None else current.cap(timeout, expired)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes respect the current :class:`Budget`."""

    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    """The async twin of :class:`DeadlineStream`."""

    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return AsyncDeadlineStream(stream)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with every stream it opens wrapped."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return DeadlineStream(
            self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return DeadlineStream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """The async twin of :class:`DeadlineBackend`."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return AsyncDeadlineStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_unix_socket(path, timeout, socket_options)
        return AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


_H = typing.TypeVar("_H", httpx.Client, httpx.AsyncClient)


def _pools(http: httpx.Client | httpx.AsyncClient) -> list[object]:
    # httpx keeps the default transport in ``_transport`` and the ones mounted
    # for proxies in ``_mounts``; each of its own keeps its httpcore pool in
    # ``_pool``, whose connections are opened by ``_network_backend``.
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    return [
        t._pool
        for t in transports
        if isinstance(t, httpx.HTTPTransport | httpx.AsyncHTTPTransport)
        and hasattr(t._pool, "_network_backend")
    ]


def install(http: _H) -> _H:
    """Wrap the network backend of ``http``'s own transports (before any
    connection is opened); a transport this does not know is left as it is."""
    for pool in _pools(http):
        inner = pool._network_backend  # type: ignore[attr-defined]
        if isinstance(inner, DeadlineBackend | AsyncDeadlineBackend):
            continue
        if isinstance(inner, httpcore.NetworkBackend):
            pool._network_backend = DeadlineBackend(inner)  # type: ignore[attr-defined]
        elif isinstance(inner, httpcore.AsyncNetworkBackend):
            pool._network_backend = AsyncDeadlineBackend(inner)  # type: ignore[attr-defined]
    return http


def installed(http: httpx.Client | httpx.AsyncClient) -> bool:
    """Whether every transport of ``http`` enforces request budgets (for tests:
    a new httpx that moved its internals must fail a test, not go unnoticed)."""
    pools = _pools(http)
    return bool(pools) and all(
        isinstance(p._network_backend, DeadlineBackend | AsyncDeadlineBackend)  # type: ignore[attr-defined]
        for p in pools
    )
