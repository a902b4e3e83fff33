"""Shared test setup: the fake gateway's fixtures, and a client wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from _support import SleepRecorder

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
