"""Shared test setup: the fake gateway's fixtures, and a client wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from _support import EitherClient, SleepRecorder

from ai_stats_music import AsyncMusicClient, MusicClient
from ai_stats_music.testing import FakeGateway

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
