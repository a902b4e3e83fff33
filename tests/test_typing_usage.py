"""The public API as a user writes it. ``mypy --strict`` checks this file (the
typecheck session), so a change that breaks users' type checking fails CI; the
tests run it too, against the fake gateway."""

from __future__ import annotations

import asyncio
import contextlib

import ai_stats_music as asm
from ai_stats_music import (
    AIStatsError,
    APIStatusError,
    AsyncMusicClient,
    JobStatus,
    MusicClient,
    MusicJob,
    MusicJobFailed,
    MusicJobTimeout,
    PollPolicy,
    SunoOptions,
    WaitResult,
)
from ai_stats_music.testing import FakeGateway


def _summary(job: MusicJob) -> str:
    titles: list[str] = [clip.title or "" for clip in job.output]
    seconds: float = sum(clip.duration or 0 for clip in job.output)
    status: str = job.status
    known: JobStatus | None = job.known_status
    return f"{job.id} {status} {known} {titles} {seconds}"


def test_sync_usage(fake_gateway: FakeGateway) -> None:
    policy = PollPolicy(initial_delay=0.05, max_delay=0.2, latency_bounds=(), timeout=30)
    with MusicClient(
        api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, poll_policy=policy
    ) as client:
        job: MusicJob = client.create(
            model="suno/v4.5plus",
            prompt="jazz",
            format=asm.AudioFormat.MP3,
            suno=SunoOptions(custom_mode=False),
        )
        done: MusicJob = client.wait(job, deadline=30, on_update=lambda j: None)
        assert done.is_completed
        assert _summary(done)
        try:
            client.get("task_missing")
        except APIStatusError as exc:
            code: int = exc.status_code
            assert code == 404
        results: list[WaitResult] = list(client.wait_many([job.id]))
        assert results[0].ok


def test_async_usage(fake_gateway: FakeGateway) -> None:
    async def main() -> list[str]:
        policy = PollPolicy.fixed(0.05, timeout=30)
        async with AsyncMusicClient(
            api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, poll_policy=policy
        ) as client:
            job = await client.create_and_wait(model="suno/v4.5plus", prompt="rain")
            ids: list[str] = []
            async with contextlib.aclosing(client.wait_many([job])) as results:
                async for result in results:
                    ids.append(result.job_id)
            return ids

    assert len(asyncio.run(main())) == 1


def test_errors_are_one_hierarchy() -> None:
    failures: tuple[type[AIStatsError], ...] = (MusicJobFailed, MusicJobTimeout, APIStatusError)
    assert all(issubclass(cls, AIStatsError) for cls in failures)
