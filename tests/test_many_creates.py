"""Hundreds of creates at once, each held open by the server, through a small pool.

Today's gateway holds a create open while it generates the music, so creates
hold their connections for tens of seconds and more of them than the pool has
connections must queue for one. Waiting there is never a failure of the
create (it has provably not been sent), and never a job that may exist.

The server here is a real HTTP/1.1 server on loopback (a few lines of
asyncio, so that nothing but the client's own pool limits the requests in
flight), which holds every create for a fraction of a second and counts the
creates it received and how many it held at once. No test asserts a duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import httpx
import pytest
from _servers import read_request
from _support import ELEVEN

from ai_stats_music import APITimeoutError, AsyncMusicClient, MusicClient, MusicJob

KEY: Final = "sk-many-creates"
#: The status reads' timeout in these tests: a pool wait of 0.2 s at most. A
#: create waits far longer than that for a connection, and must not fail.
READS: Final = httpx.Timeout(5.0, pool=0.2)


class HoldingServer:
    """Answers every ``POST`` after ``hold`` seconds with a completed job of its own id.

    Not the fake gateway: these tests count the requests held at the same time
    (``most_open``, the client's pool size seen from the server), which the fake
    does not record, and take hundreds of connections at once (``backlog``)."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.creates = 0
        self.open = 0
        self.most_open = 0
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # one connection, many requests (keep-alive)
                await read_request(reader)
                self.creates += 1
                self.open += 1
                self.most_open = max(self.most_open, self.open)
                try:
                    await asyncio.sleep(self.hold)
                finally:
                    self.open -= 1
                body = json.dumps(
                    {
                        "id": f"req_{next(self._ids)}",
                        "object": "music",
                        "status": "completed",
                        "model": ELEVEN,
                        "provider": "elevenlabs",
                        "audio_base64": "AQIDBA==",
                    }
                ).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serving(hold: float) -> AsyncIterator[HoldingServer]:
    server = HoldingServer(hold)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@contextlib.contextmanager
def serving_in_a_thread(hold: float) -> Iterator[HoldingServer]:
    """The same server on its own event loop, for the sync client's threads."""
    loop = asyncio.new_event_loop()
    server = HoldingServer(hold)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.stop())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()


def _settings(server: HoldingServer, connections: int) -> dict[str, Any]:
    """A client of ``connections`` connections whose status reads wait 0.2 s at most
    for one; no retries, so that a create that failed is not hidden by a second try."""
    return {
        "api_key": KEY,
        "base_url": server.base_url,
        "timeout": READS,
        "limits": httpx.Limits(max_connections=connections),
        "max_retries": 0,
    }


def _check_all_made(jobs: list[MusicJob], server: HoldingServer, n: int, connections: int) -> None:
    assert all(job.is_completed for job in jobs)
    assert len({job.id for job in jobs}) == n
    assert server.creates == n  # each sent once: none failed, none retried
    assert server.most_open <= connections  # they queued in the pool, well past its 0.2 s


@pytest.mark.parametrize(
    ("call", "n", "connections"), [("create", 300, 8), ("create_and_wait", 100, 4)]
)
async def test_many_concurrent_async_calls_through_a_few_connections_all_succeed(
    call: str, n: int, connections: int
) -> None:
    async with (
        serving(hold=0.05) as server,
        AsyncMusicClient(**_settings(server, connections)) as client,
    ):
        method = getattr(client, call)
        jobs = await asyncio.gather(*(method(model=ELEVEN, prompt=f"song {i}") for i in range(n)))
    _check_all_made(jobs, server, n, connections)


def test_threads_on_one_sync_client_all_succeed() -> None:
    with (
        serving_in_a_thread(hold=0.05) as server,
        MusicClient(**_settings(server, 4)) as client,
        ThreadPoolExecutor(32) as pool,
    ):
        jobs = list(pool.map(lambda i: client.create(model=ELEVEN, prompt=f"song {i}"), range(120)))
    _check_all_made(jobs, server, 120, 4)


async def test_a_pool_timeout_the_caller_asked_for_is_never_a_job_that_may_exist() -> None:
    # Only a create timeout given with its own pool bound can end a pool wait.
    async with (
        serving(hold=0.5) as server,
        AsyncMusicClient(
            api_key=KEY,
            base_url=server.base_url,
            create_timeout=httpx.Timeout(5.0, pool=0.05),
            limits=httpx.Limits(max_connections=1),
            max_retries=0,
        ) as client,
    ):
        outcomes = await asyncio.gather(
            *(client.create(model=ELEVEN, prompt=f"song {i}") for i in range(6)),
            return_exceptions=True,
        )
    jobs = [o for o in outcomes if isinstance(o, MusicJob)]
    errors = [o for o in outcomes if not isinstance(o, MusicJob)]
    assert errors, "the pool bound was never reached"
    for error in errors:
        assert isinstance(error, APITimeoutError), repr(error)
        assert not error.may_have_reached_server
        assert not error.job_may_exist
        assert "may exist" not in str(error)
    assert server.creates == len(jobs)  # what failed was never sent


@pytest.mark.parametrize("limit", [1, 3])
async def test_the_pool_size_is_the_clients_limits(limit: int) -> None:
    async with (
        serving(hold=0.05) as server,
        AsyncMusicClient(
            api_key=KEY, base_url=server.base_url, limits=httpx.Limits(max_connections=limit)
        ) as client,
    ):
        await asyncio.gather(*(client.create(model=ELEVEN, prompt=str(i)) for i in range(12)))
    assert server.most_open == limit
