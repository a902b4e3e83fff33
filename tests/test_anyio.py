"""``AsyncMusicClient`` under asyncio and trio alike (AnyIO): waits, deadlines,
``wait_many``, cancellation and downloads; and one client across two event loops."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from _support import FAST, SUNO

from ai_stats_music import (
    AIStatsError,
    AsyncMusicClient,
    MusicJob,
    MusicJobTimeout,
)
from ai_stats_music.testing import Clip, FakeGateway, VirtualClock

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    if request.param == "trio":
        # nox -s tests_lowest runs without trio (it needs a newer attrs than
        # the runtime floor); every other session has it.
        pytest.importorskip("trio")
    return str(request.param)


@contextlib.asynccontextmanager
async def client_of(gw: FakeGateway) -> AsyncIterator[AsyncMusicClient]:
    # The default sleep (anyio.sleep) and the real clock: what a user gets.
    async with AsyncMusicClient(
        api_key=gw.api_key, base_url=gw.base_url, poll_policy=FAST
    ) as client:
        yield client


async def test_create_and_wait_and_get(fake_gateway: FakeGateway, anyio_backend: str) -> None:
    fake_gateway.script(timeline=[("queued", 0.02), ("in_progress", 0.03)], clips=2)
    async with client_of(fake_gateway) as client:
        job = await client.create_and_wait(model=SUNO, prompt="x")
        assert job.is_completed
        assert len(job.output) == 2
        assert (await client.get(job.id)).is_completed
        assert (await client.wait(job.id)).id == job.id


async def test_the_deadline_holds(fake_gateway: FakeGateway, anyio_backend: str) -> None:
    fake_gateway.script(timeline=[("in_progress", 3600)])
    async with client_of(fake_gateway) as client:
        created = await client.create(model=SUNO, prompt="x")
        with pytest.raises(MusicJobTimeout) as info:
            await client.wait(created, deadline=0.1)
    assert info.value.job_id == created.id


async def test_a_cancelled_wait_stops_at_once(
    fake_gateway: FakeGateway, anyio_backend: str
) -> None:
    fake_gateway.script(timeline=[("in_progress", 3600)])
    async with client_of(fake_gateway) as client:
        created = await client.create(model=SUNO, prompt="x")
        with anyio.move_on_after(0.1) as scope:
            await client.wait(created, deadline=None)
        assert scope.cancelled_caught
        assert (await client.get(created.id)).status == "in_progress"  # still usable


async def test_wait_many(fake_gateway: FakeGateway, anyio_backend: str) -> None:
    fake_gateway.script(timeline=[("in_progress", 0.06)], times=1)
    fake_gateway.script(timeline=[("in_progress", 0.01)], final="failed", times=1)
    fake_gateway.script(timeline=[("in_progress", 0.02)], times=2)
    seen: list[str] = []
    async with client_of(fake_gateway) as client:
        jobs = [await client.create(model=SUNO, prompt="x") for _ in range(4)]
        results = {}
        async with contextlib.aclosing(
            client.wait_many(jobs, concurrency=2, on_update=lambda j: seen.append(j.id))
        ) as waits:
            async for result in waits:
                results[result.job_id] = result
    assert set(results) == {j.id for j in jobs}
    assert results[jobs[0].id].ok
    assert not results[jobs[1].id].ok
    assert results[jobs[2].id].ok
    assert results[jobs[3].id].ok
    assert set(seen) == {j.id for j in jobs}


async def test_leaving_wait_many_early_cancels_the_others(
    fake_gateway: FakeGateway, anyio_backend: str
) -> None:
    fake_gateway.script(timeline=[("in_progress", 0.01)], times=1)
    fake_gateway.script(timeline=[("in_progress", 3600)], times=3)
    async with client_of(fake_gateway) as client:
        jobs = [await client.create(model=SUNO, prompt="x") for _ in range(4)]
        async with contextlib.aclosing(client.wait_many(jobs)) as waits:
            async for result in waits:
                assert result.job_id == jobs[0].id
                break
        reads = len(fake_gateway.requests_for(operation="status"))
        await anyio.sleep(0.1)
        assert len(fake_gateway.requests_for(operation="status")) == reads  # nothing left polling


async def test_wait_many_under_a_cancel_scope_of_the_consumer(
    fake_gateway: FakeGateway, anyio_backend: str
) -> None:
    """No task group stays open across a ``yield``: the consumer may wrap each
    step in its own cancel scope, as trio and AnyIO users do."""
    fake_gateway.script(timeline=[("in_progress", 0.01)], times=2)
    async with client_of(fake_gateway) as client:
        jobs = [await client.create(model=SUNO, prompt="x") for _ in range(2)]
        waits = client.wait_many(jobs)
        got = []
        for _ in jobs:
            with anyio.fail_after(20):
                got.append(await anext(waits))
        await waits.aclose()
    assert {r.job_id for r in got} == {j.id for j in jobs}


async def test_downloads(fake_gateway: FakeGateway, tmp_path: Path, anyio_backend: str) -> None:
    fake_gateway.script(timeline=[], clips=[Clip(audio_size=64 * 1024)])
    audio = b"ID3\x04" + bytes(range(256)) * 4
    inline = MusicJob.from_dict(
        {"id": "G-1", "status": "completed", "audio_base64": base64.b64encode(audio).decode()}
    )
    async with client_of(fake_gateway) as client:
        job = await client.create_and_wait(model=SUNO, prompt="x")
        saved = await client.download(job.output[0], tmp_path / "song.mp3")
        assert saved.stat().st_size == 64 * 1024
        # Inline audio is decoded and written in a worker thread (anyio.to_thread).
        [written] = await client.download_all(inline, tmp_path)
        assert written.read_bytes() == audio


def test_one_client_in_two_asyncio_runs_fails_clearly_before_sending(
    fake_gateway: FakeGateway,
) -> None:
    client = AsyncMusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url)

    async def create() -> MusicJob:
        return await client.create(model=SUNO, prompt="x")

    first = asyncio.run(create())
    sent = len(fake_gateway.requests_for(operation="create"))
    with pytest.raises(AIStatsError, match="another event loop") as info:
        asyncio.run(create())
    assert "nothing was sent" in str(info.value)
    assert len(fake_gateway.requests_for(operation="create")) == sent
    assert first.id


async def test_the_virtual_clock_sleeps_under_either_backend(anyio_backend: str) -> None:
    """``fake_clock.asleep`` is what users pass as ``sleep=``: it must not need asyncio."""
    clock = VirtualClock()
    await clock.asleep(2.5)
    assert clock.now() == 2.5
    assert clock.sleeps == (2.5,)
