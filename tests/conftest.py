"""Shared test setup: the fake gateway's fixtures, and a client wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from _support import SleepRecorder

from ai_stats_music import AsyncMusicClient, MusicClient
from ai_stats_music.testing import FakeGateway

pytest_plugins = ["ai_stats_music.testing.pytest_plugin"]


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
