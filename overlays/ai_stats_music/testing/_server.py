"""Real HTTP servers for the fake gateway: uvicorn in one background thread.

Each origin (the API, the audio files) is a ``uvicorn.Server`` on its own
pre-bound loopback socket; both run on one event loop in one daemon thread.

Two additions to stock uvicorn, both through its public extension points:

* The HTTP protocol is uvicorn's h11 protocol (pinned, whatever else is
  installed) subclassed to keep a registry of live connections by peer address
  (the ``scope["client"]`` of each request). The application uses it to do what
  ASGI cannot express: close the connection before any answer (the client sees
  "server disconnected without sending a response"), reset it, or write raw
  bytes that break HTTP framing (a lying ``Content-Length``). After such a close
  uvicorn sees the client as disconnected and stays silent, instead of sending
  the 500 it sends when an application fails before answering.
* ``Server.main_loop`` waits on an event instead of polling every 0.1 s, and
  ``Server.shutdown`` skips uvicorn's fixed 0.1 s pause and polls every
  millisecond, so starting and stopping take milliseconds. Shutdown is still
  uvicorn's: ``should_exit``, then close the listeners, ask each connection to
  close, wait for the requests in flight (up to a grace period), cancel the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Final

import attrs
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["Connection", "ConnectionRegistry", "ServerThread"]

_START_TIMEOUT: Final = 10.0
_POLL: Final = 0.001
_BACKLOG: Final = 4096


@attrs.define(eq=False)
class Connection:
    """A live client connection: what the application needs to break it."""

    transport: asyncio.Transport
    flow: FlowControl
    lost: asyncio.Event

    def close(self, *, reset: bool = False) -> None:
        """Close after flushing (FIN), or with ``reset`` abort with a TCP RST."""
        if self.lost.is_set():
            return
        if reset:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                # Linger on, timeout 0: close() discards unsent data and sends RST.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        else:
            self.transport.close()

    async def flushed(self, timeout: float) -> None:
        """Wait (up to ``timeout`` s) until the transport has handed its buffer to the kernel."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (  # noqa: ASYNC110 (asyncio transports signal no "buffer empty" event)
            self.transport.get_write_buffer_size()
            and not self.lost.is_set()
            and loop.time() < deadline
        ):
            await asyncio.sleep(_POLL)

    async def write(self, data: bytes) -> bool:
        """Write raw bytes (bypassing HTTP framing), with flow control.

        Returns False once the connection is lost.
        """
        if self.lost.is_set() or self.transport.is_closing():
            return False
        self.transport.write(data)
        if self.flow.write_paused:
            await self.flow.drain()  # uvicorn resumes it when the connection is lost, too
        return not self.lost.is_set()


class ConnectionRegistry:
    """Live connections of one server, by peer address. Used on the server's loop only."""

    def __init__(self) -> None:
        self._by_peer: dict[tuple[str, int], Connection] = {}

    def get(self, peer: object) -> Connection | None:
        if isinstance(peer, tuple | list) and len(peer) == 2:
            return self._by_peer.get((str(peer[0]), int(peer[1])))
        return None

    def add(self, peer: tuple[str, int], conn: Connection) -> None:
        self._by_peer[peer] = conn

    def remove(self, peer: tuple[str, int]) -> None:
        conn = self._by_peer.pop(peer, None)
        if conn is not None:
            conn.lost.set()

    def abort_all(self) -> None:
        for conn in list(self._by_peer.values()):
            conn.transport.abort()

    def __len__(self) -> int:
        return len(self._by_peer)


def _protocol_class(registry: ConnectionRegistry) -> type[H11Protocol]:
    class TrackedH11Protocol(H11Protocol):
        _peer: tuple[str, int] | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.access_log = False
            self._peer = self.client
            if self.client is not None:
                registry.add(self.client, Connection(transport, self.flow, asyncio.Event()))

        def connection_lost(self, exc: Exception | None) -> None:
            try:
                super().connection_lost(exc)
            finally:
                if self._peer is not None:
                    registry.remove(self._peer)

    return TrackedH11Protocol


class _Server(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        *,
        registry: ConnectionRegistry,
        wake: asyncio.Event,
        on_started: Callable[[], None],
        grace: float,
    ) -> None:
        super().__init__(config)
        self._registry = registry
        self._wake = wake
        self._on_started = on_started
        self._grace = grace

    async def main_loop(self) -> None:
        self._on_started()
        counter = 0
        while not await self.on_tick(counter):
            counter += 10  # on_tick refreshes the Date header when counter % 10 == 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            with contextlib.suppress(Exception):  # h11 may refuse in odd states: it is closing
                connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._grace
        state = self.server_state
        while (state.connections or state.tasks) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(_POLL)
        tasks = list(state.tasks)
        for task in tasks:
            task.cancel()
        self._registry.abort_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


class ServerThread:
    """Serve ASGI apps on loopback ports from one background thread."""

    def __init__(
        self,
        sites: Sequence[tuple[ASGIApp, ConnectionRegistry]],
        *,
        host: str = "127.0.0.1",
        grace: float = 1.0,
    ) -> None:
        self._sites = list(sites)
        self._host = host
        self._grace = grace
        self._sockets: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[_Server] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._wake: asyncio.Event | None = None
        self.stopping: asyncio.Event | None = None
        """Set (on the server loop) when shutdown begins: stalls end at once."""
        self.ports: list[int] = []

    def start(self) -> list[int]:
        if self._thread is not None:
            raise RuntimeError("already started")
        try:
            for _ in self._sites:
                # proto must say TCP: asyncio disables Nagle (TCP_NODELAY) only on
                # accepted sockets whose proto is IPPROTO_TCP, and they inherit it
                # from this one; with proto 0, each keep-alive request waits ~40 ms
                # for a delayed ACK.
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                self._sockets.append(sock)
                sock.bind((self._host, 0))
                # A deep backlog: hundreds of clients connecting at once (each
                # create held open for its generation time) must all be accepted,
                # not left to SYN retries. The kernel caps it at somaxconn.
                sock.listen(_BACKLOG)
                self.ports.append(sock.getsockname()[1])
        except BaseException:
            self._close_sockets()
            raise
        self._thread = threading.Thread(
            target=self._run, name=f"fake-gateway:{','.join(map(str, self.ports))}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            self.stop()
            raise RuntimeError("the fake gateway did not start in time")
        if self._error is not None:
            self.stop()
            raise RuntimeError(
                f"the fake gateway failed to start: {self._error!r}"
            ) from self._error
        return self.ports

    def stop(self, timeout: float = 10.0) -> None:
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._request_exit)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f"the fake gateway thread did not stop within {timeout} s")
        self._thread = None
        self._close_sockets()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _request_exit(self) -> None:
        for server in self._servers:
            server.should_exit = True
        if self.stopping is not None:
            self.stopping.set()
        if self._wake is not None:
            self._wake.set()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(); nothing else can see it
            self._error = exc
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
                self._ready.set()

    async def _main(self) -> None:
        self._wake = asyncio.Event()
        self.stopping = asyncio.Event()
        started = 0

        def on_started() -> None:
            nonlocal started
            started += 1
            if started == len(self._sites):
                self._ready.set()

        for app, registry in self._sites:
            config = uvicorn.Config(
                app,
                host=self._host,
                http=_protocol_class(registry),
                ws="none",
                lifespan="off",
                interface="asgi3",
                log_config=None,
                proxy_headers=False,  # scope["client"] must stay the real peer
            )
            self._servers.append(
                _Server(
                    config,
                    registry=registry,
                    wake=self._wake,
                    on_started=on_started,
                    grace=self._grace,
                )
            )
        tasks = [
            asyncio.create_task(server.serve(sockets=[sock]))
            for server, sock in zip(self._servers, self._sockets, strict=True)
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            self._request_exit()
            await asyncio.gather(*tasks, return_exceptions=True)
