"""The network streams behind :mod:`._deadline`: httpcore's, with each read and
write capped by the current request's budget (:func:`._budget.cap`).

Kept apart from ``_deadline`` because it needs httpcore at import, which httpx
itself imports only when it opens its first transport; ``_deadline.install``
imports this module on a pool's first use.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable

import httpcore
import httpx

from ._budget import cap

__all__ = ["install", "installed"]


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes respect the current :class:`Budget`."""

    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, cap(timeout, httpcore.WriteTimeout))

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
        return await self._inner.read(max_bytes, cap(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, cap(timeout, httpcore.WriteTimeout))

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
