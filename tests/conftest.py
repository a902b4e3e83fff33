"""Shared test setup: the fake gateway's fixtures, and a client wired to it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from _support import EitherClient, SleepRecorder

from ai_stats_music import AsyncMusicClient, MusicClient
from ai_stats_music.testing import FakeGateway, VirtualClock

pytest_plugins = ["ai_stats_music.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def _gateway_of_2025_for_the_older_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most of this suite was written for the 2025 gateway: every job queued, Suno
    routable, ids ``task_000001``... Every FakeGateway a test makes (the fixture's
    and its own) keeps that behaviour unless the test asks otherwise
    (``FakeGateway(queued=(), job_ids="request")``: today's gateway, the plugin's
    default for users). ``eleven-labs/``, ``google/lyria`` and ``minimax/`` stay
    synchronous, as today."""
    monkeypatch.setattr(FakeGateway, "default_queued", ("suno/", "elevenlabs/"))
    monkeypatch.setattr(FakeGateway, "default_job_ids", "task")


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(fake_gateway: FakeGateway, sleeps: SleepRecorder) -> Iterator[MusicClient]:
    with MusicClient(
        api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, sleep=sleeps
    ) as c:
        yield c


@pytest.fixture
async def aclient(
    fake_gateway: FakeGateway, sleeps: SleepRecorder
) -> AsyncIterator[AsyncMusicClient]:
    async with AsyncMusicClient(
        api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, sleep=sleeps.async_sleep
    ) as c:
        yield c


@pytest.fixture(params=["sync", "async"])
def either(
    request: pytest.FixtureRequest, client: MusicClient, aclient: AsyncMusicClient
) -> EitherClient:
    """The test runs twice: once with the sync client, once with the async one."""
    return EitherClient(kind=request.param, sync=client, aio=aclient)


@pytest.fixture
def make_client(
    fake_gateway: FakeGateway, sleeps: SleepRecorder
) -> Iterator[Callable[..., MusicClient]]:
    """The one way tests build a sync client with settings of their own: wired to
    the fake gateway (key, base URL, recorded sleeps) unless told otherwise, and
    closed at the end of the test."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> MusicClient:
            settings: dict[str, Any] = {
                "api_key": fake_gateway.api_key,
                "base_url": fake_gateway.base_url,
                "sleep": sleeps,
                **overrides,
            }
            return stack.enter_context(MusicClient(**settings))

        yield make


@pytest.fixture
async def make_aclient(
    fake_gateway: FakeGateway, sleeps: SleepRecorder
) -> AsyncIterator[Callable[..., AsyncMusicClient]]:
    """:func:`make_client` for the async client (closed at the end of the test)."""
    made: list[AsyncMusicClient] = []

    def make(**overrides: Any) -> AsyncMusicClient:
        settings: dict[str, Any] = {
            "api_key": fake_gateway.api_key,
            "base_url": fake_gateway.base_url,
            "sleep": sleeps.async_sleep,
            **overrides,
        }
        made.append(AsyncMusicClient(**settings))
        return made[-1]

    yield make
    for made_client in made:
        await made_client.aclose()


@pytest.fixture(params=["sync", "async"])
async def make_either(
    request: pytest.FixtureRequest,
    make_client: Callable[..., MusicClient],
    make_aclient: Callable[..., AsyncMusicClient],
) -> AsyncIterator[Callable[..., EitherClient]]:
    """:func:`make_client` and :func:`make_aclient` behind the face of :func:`either`:
    the test runs once with each kind. Two settings need a client of each kind and
    are given once here: ``transport`` (an httpx transport, a ``MockTransport``
    standing in for the gateway) goes into an http client of the right kind,
    ``clock`` (a :class:`VirtualClock`) is both the clock and the sleep, and
    ``real_time=True`` keeps each client's own sleep (for jobs of milliseconds)."""
    https: list[httpx.Client | httpx.AsyncClient] = []

    def make(
        *,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        clock: VirtualClock | None = None,
        real_time: bool = False,
        **overrides: Any,
    ) -> EitherClient:
        sync: dict[str, Any] = dict(overrides)
        aio: dict[str, Any] = dict(overrides)
        if transport is not None:
            https.append(httpx.Client(transport=transport))  # type: ignore[arg-type]
            https.append(httpx.AsyncClient(transport=transport))  # type: ignore[arg-type]
            sync["http_client"], aio["http_client"] = https[-2:]
        if clock is not None:
            sync.update(clock=clock, sleep=clock.sleep)
            aio.update(clock=clock, sleep=clock.asleep)
        if real_time:
            sync["sleep"], aio["sleep"] = time.sleep, None
        return EitherClient(kind=request.param, sync=make_client(**sync), aio=make_aclient(**aio))

    yield make
    for http in https:
        if isinstance(http, httpx.Client):
            http.close()
        else:
            await http.aclose()
