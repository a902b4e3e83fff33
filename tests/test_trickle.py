"""A request's timeout bounds the whole request (issue 12, item 7).

A local server (asyncio streams, in a thread) answers one byte every 0.05 s:
its answer would take seconds, each read only 0.05 s. Under a 0.5 s timeout
the request must fail as a read timeout does, and the server must see the
connection closed before it has sent its answer -- not at its end. The wait for
a free connection of the pool is not part of a request: a create that queued
behind another one still gets its whole timeout once it is sent. Nothing here
asserts a duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final, Literal

import httpx
import pytest
from _servers import read_request
from _support import ELEVEN, EitherClient

from ai_stats_music import (
    APITimeoutError,
    AsyncMusicClient,
    MusicClient,
    MusicJobTimeout,
    _deadline,
)

KEY: Final = "sk-trickle-test-key"
TRICKLE_GAP: Final = 0.05  # seconds between two bytes of a trickled answer
TIMEOUT: Final = 0.5  # the request timeout under test: 10 gaps


def _answer(job_id: str, status: str) -> bytes:
    body = json.dumps(
        {"id": job_id, "object": "music", "status": status, "model": ELEVEN, "provider": "x"}
    ).encode()
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


class Server:
    """Not the fake gateway: its faults stall or cut an answer, none sends it one
    byte at a time, and none tells whether the client hung up before the end.

    How it answers is chosen by the request's ``x-test`` header:
    ``trickle`` (every byte, the status line included, one at a time),
    ``trickle-body`` (the head at once, then the body byte by byte) or
    ``hold=SECONDS`` (the whole answer after that long)."""

    def __init__(self) -> None:
        self.closed_early = threading.Event()  # a trickled answer cut off by the client
        self.finished = threading.Event()  # a trickled answer sent whole
        self.received: list[str] = []  # the x-test header of each request, as it arrived
        self.received_one = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> str:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        ).result(timeout=10)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        async def close() -> None:
            # Connections still trickling (a client that did not hang up) end
            # here, so that nothing is left running on a closed loop.
            assert self._server is not None
            self._server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line, fields, _ = await read_request(reader)
                how = fields.get("x-test", "")
                self.received.append(how)
                self.received_one.set()
                path = line.split()[1]
                job_id = path.rsplit("/", 1)[-1] if "/generate/" in path else "G-created"
                answer = _answer(job_id, "queued" if job_id != "G-created" else "completed")
                if how.startswith("hold="):
                    await asyncio.sleep(float(how.partition("=")[2]))
                    writer.write(answer)
                    await writer.drain()
                    continue
                start = answer.index(b"\r\n\r\n") + 4 if how == "trickle-body" else 0
                writer.write(answer[:start])
                for i in range(start, len(answer)):
                    if reader.at_eof():
                        self.closed_early.set()
                        return
                    writer.write(answer[i : i + 1])
                    await writer.drain()
                    await asyncio.sleep(TRICKLE_GAP)
                self.finished.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            if not self.finished.is_set():
                self.closed_early.set()
        finally:
            writer.close()


@pytest.fixture
def server() -> Iterator[tuple[Server, str]]:
    srv = Server()
    base_url = srv.start()
    try:
        yield srv, base_url
    finally:
        srv.stop()


def _cut_off(srv: Server) -> None:
    """The server saw the client hang up mid-answer (given up on after 10 s,
    which a client that waited for the whole answer would also reach)."""
    assert srv.closed_early.wait(10), "the client read the trickled answer to its end"
    assert not srv.finished.is_set()


@contextlib.asynccontextmanager
async def either_at(
    base_url: str, kind: Literal["sync", "async"], **settings: Any
) -> AsyncIterator[EitherClient]:
    """Both clients of this server, behind the one face of ``EitherClient`` (the
    conftest's ``either`` is wired to the fake gateway, which cannot trickle)."""
    with MusicClient(api_key=KEY, base_url=base_url, **settings) as sync:
        async with AsyncMusicClient(api_key=KEY, base_url=base_url, **settings) as aio:
            yield EitherClient(kind=kind, sync=sync, aio=aio)


@pytest.mark.parametrize("how", ["trickle", "trickle-body"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_status_read_ends_at_its_timeout(
    server: tuple[Server, str], kind: Literal["sync", "async"], how: str
) -> None:
    srv, base_url = server
    async with either_at(base_url, kind, max_retries=0) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.get("job_1", timeout=TIMEOUT, extra_headers={"x-test": how})
    assert "ReadTimeout" in str(caught.value)
    assert caught.value.job_id == "job_1"
    assert caught.value.may_have_reached_server
    _cut_off(srv)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_trickled_create_times_out_saying_a_job_may_exist(
    server: tuple[Server, str], kind: Literal["sync", "async"]
) -> None:
    srv, base_url = server
    async with either_at(base_url, kind) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.create(
                model=ELEVEN, prompt="p", timeout=TIMEOUT, extra_headers={"x-test": "trickle"}
            )
    assert caught.value.job_may_exist
    assert srv.received == ["trickle"]  # a create that may have reached the server: not retried
    _cut_off(srv)


def test_a_wait_deadline_caps_the_whole_status_read(server: tuple[Server, str]) -> None:
    """The deadline's cap of a read (issue 12.6) is a cap of the whole read too."""
    srv, base_url = server
    with (
        MusicClient(api_key=KEY, base_url=base_url) as client,
        pytest.raises(MusicJobTimeout),
    ):
        client.wait("job_1", deadline=TIMEOUT, extra_headers={"x-test": "trickle"})
    _cut_off(srv)


# -- the wait for a free connection is not part of the request -----------------------

HELD: Final = 1.5  # the first create holds the only connection this long
QUICK: Final = 0.3  # the second one is answered this long after it is sent
SECOND_TIMEOUT: Final = 1.0  # more than QUICK, less than HELD + QUICK


def test_sync_pool_wait_does_not_count(server: tuple[Server, str]) -> None:
    srv, base_url = server
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with MusicClient(api_key=KEY, base_url=base_url, limits=one) as client:
        first: dict[str, Any] = {}

        def hold() -> None:
            first["job"] = client.create(
                model=ELEVEN, prompt="p", timeout=10.0, extra_headers={"x-test": f"hold={HELD}"}
            )

        holder = threading.Thread(target=hold)
        holder.start()
        assert srv.received_one.wait(10)  # the first create has the connection
        second = client.create(
            model=ELEVEN,
            prompt="p",
            timeout=SECOND_TIMEOUT,
            extra_headers={"x-test": f"hold={QUICK}"},
        )
        holder.join(timeout=30)
    assert second.id == "G-created"
    assert first["job"].id == "G-created"
    assert srv.received == [f"hold={HELD}", f"hold={QUICK}"]


async def test_async_pool_wait_does_not_count(server: tuple[Server, str]) -> None:
    srv, base_url = server
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncMusicClient(api_key=KEY, base_url=base_url, limits=one) as client:
        holder = asyncio.ensure_future(
            client.create(
                model=ELEVEN, prompt="p", timeout=10.0, extra_headers={"x-test": f"hold={HELD}"}
            )
        )
        # the first create has the connection (the server runs in another thread)
        assert await asyncio.to_thread(srv.received_one.wait, 10)
        second = await client.create(
            model=ELEVEN,
            prompt="p",
            timeout=SECOND_TIMEOUT,
            extra_headers={"x-test": f"hold={QUICK}"},
        )
        first = await holder
    assert second.id == "G-created"
    assert first.id == "G-created"
    assert srv.received == [f"hold={HELD}", f"hold={QUICK}"]


# -- where the bound is enforced -------------------------------------------------------


def test_the_clients_own_pools_enforce_it_proxies_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If a new httpx moves the internals the bound hooks into, this fails
    (instead of the bound silently going back to per-read)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    sync = MusicClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    asy = AsyncMusicClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    try:
        assert _deadline.installed(sync._http())
        assert _deadline.installed(asy._http())
        assert len(sync._http()._mounts) >= 1  # the proxy from the environment
    finally:
        sync.close()


def test_outside_a_request_the_streams_pass_timeouts_through() -> None:
    """No budget set (a download's body, the raw client): httpx's own timeouts."""
    budget = _deadline.Budget(5.0)
    assert budget.cap(1.0, TimeoutError) == 1.0  # armed now; the shorter one wins
    assert budget.cap(None, TimeoutError) <= 5.0
    spent = _deadline.Budget(0.0)
    spent.cap(None, TimeoutError)  # arms it, with nothing left
    with pytest.raises(TimeoutError, match="longer than its timeout of 0 s"):
        spent.cap(1.0, TimeoutError)
