"""Waiting over real HTTP on loopback: the drivers around the polling core.

Single waits run in virtual time: the fake gateway reads job timelines from a
``VirtualClock`` and the client sleeps with ``clock.sleep``, so a five-minute
job takes milliseconds and every poll lands at an exact, repeatable time.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest
from _support import FAST, SUNO, EitherClient, interrupted_at_third_call

from ai_stats_music import (
    APIConnectionError,
    AsyncMusicClient,
    AuthenticationError,
    JobStatus,
    MusicClient,
    MusicJob,
    MusicJobFailed,
    MusicJobTimeout,
    NotFoundError,
    PollPolicy,
)
from ai_stats_music.testing import FakeGateway, Fault, VirtualClock


@pytest.fixture
def vclient(make_client: Callable[..., MusicClient], fake_clock: VirtualClock) -> MusicClient:
    """A client over the fake gateway that waits in the fake gateway's virtual time."""
    return make_client(sleep=fake_clock.sleep, clock=fake_clock)


def _status_times(gw: FakeGateway) -> list[float]:
    return [r.time for r in gw.requests_for(operation="status")]


def test_wait_returns_the_completed_job_with_its_clips(
    vclient: MusicClient, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    fake_gateway.script(timeline=[("queued", 2), ("in_progress", 40)], clips=2)
    job = vclient.create_and_wait(model=SUNO, prompt="x")
    assert job.is_completed
    assert len(job.output) == 2
    assert all(c.audio_url for c in job.output)
    assert job.usage is not None
    assert job.usage.output_audio_count == 2
    # Completed at t=42: learned within the policy's 5 s ceiling, in few requests.
    assert 42 <= fake_clock() <= 47
    assert len(_status_times(fake_gateway)) <= 15


def test_a_failed_job_raises_with_the_job_and_its_error(
    vclient: MusicClient, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script(
        timeline=[("in_progress", 3)],
        final="failed",
        error={"code": "content_policy", "message": "lyrics refused"},
    )
    with pytest.raises(MusicJobFailed) as info:
        vclient.create_and_wait(model=SUNO, prompt="x")
    failed = info.value
    assert failed.job.is_failed
    assert failed.job_id == failed.job.id
    assert failed.job.error is not None
    assert failed.job.error.code == "content_policy"
    assert "lyrics refused" in str(failed)


def test_the_deadline_raises_a_timeout_carrying_the_job(
    vclient: MusicClient, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    fake_gateway.script(timeline=[("in_progress", 3600)])
    created = vclient.create(model=SUNO, prompt="x")
    with pytest.raises(MusicJobTimeout) as info:
        vclient.wait(created, deadline=60)
    assert info.value.job_id == created.id
    assert info.value.last_job is not None
    assert info.value.last_job.status == JobStatus.IN_PROGRESS
    assert fake_clock() == pytest.approx(60)  # virtual: not a real minute
    # The job can still be waited for afterwards, by id alone.
    fake_clock.advance(3600)
    assert vclient.wait(created.id).is_completed


def test_on_update_fires_once_per_status(vclient: MusicClient, fake_gateway: FakeGateway) -> None:
    fake_gateway.script(timeline=[("queued", 3), ("in_progress", 20), ("rendering", 10)])
    seen: list[str] = []
    vclient.create_and_wait(model=SUNO, prompt="x", on_update=lambda j: seen.append(j.status))
    assert seen == ["queued", "in_progress", "rendering", "completed"]
    assert len(_status_times(fake_gateway)) > len(seen)  # polled more often than it changed


def test_an_exception_in_on_update_propagates(vclient: MusicClient) -> None:
    def boom(job: MusicJob) -> None:
        raise RuntimeError("display broke")

    with pytest.raises(RuntimeError, match="display broke"):
        vclient.create_and_wait(model=SUNO, prompt="x", on_update=boom)


def test_a_429_burst_is_ridden_out_honouring_retry_after(
    vclient: MusicClient, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    fake_gateway.script(timeline=[("in_progress", 4)])
    created = vclient.create(model=SUNO, prompt="x")
    fake_gateway.inject(Fault.status(429, retry_after=9), on="status", times=3)
    job = vclient.wait(created)
    assert job.is_completed
    assert list(fake_clock.sleeps[1:4]) == [9.0, 9.0, 9.0]  # the server's word wins


def test_a_503_with_retry_after_sets_the_next_poll(
    vclient: MusicClient, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    created = vclient.create(model=SUNO, prompt="x")
    fake_gateway.inject(Fault.status(503, retry_after=3), on="status")
    vclient.wait(created)
    times = _status_times(fake_gateway)
    assert times[1] - times[0] == pytest.approx(3.0)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.drop(),
        Fault.drop(mid_body=True),
        Fault.reset(),
        Fault.status(500),
        Fault.html(502),
        Fault.truncated_json(),
        Fault.text("oops", status=200),
    ],
    ids=["drop", "drop-mid-body", "reset", "500", "502-html", "truncated", "not-json"],
)
def test_transient_failures_mid_wait_are_retried(
    vclient: MusicClient, fake_gateway: FakeGateway, fault: Fault
) -> None:
    created = vclient.create(model=SUNO, prompt="x")
    fake_gateway.inject(fault, on="status", times=2)
    assert vclient.wait(created).is_completed


def test_a_401_mid_wait_ends_it_at_once_with_the_job_id(
    vclient: MusicClient, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script(timeline=[("in_progress", 30)])
    created = vclient.create(model=SUNO, prompt="x")
    fake_gateway.inject(Fault.status(401), on="status")
    with pytest.raises(AuthenticationError) as info:
        vclient.wait(created)
    assert info.value.job_id == created.id
    assert len(_status_times(fake_gateway)) == 1


def test_an_unknown_job_ends_the_wait_with_not_found(vclient: MusicClient) -> None:
    with pytest.raises(NotFoundError) as info:
        vclient.wait("task_gone")
    assert info.value.job_id == "task_gone"


def test_a_dead_gateway_is_retried_until_the_deadline(
    fake_clock: VirtualClock,
) -> None:
    with FakeGateway(clock=fake_clock).serve() as gw:
        base, key = gw.base_url, gw.api_key
    with (
        MusicClient(api_key=key, base_url=base, sleep=fake_clock.sleep, clock=fake_clock) as c,
        pytest.raises(MusicJobTimeout) as info,
    ):
        c.wait("task_000001", deadline=30)
    assert isinstance(info.value.__context__, APIConnectionError) or info.value.last_job is None
    assert 30 <= fake_clock() <= 30.001


def test_sync_and_async_make_the_same_requests(fake_clock: VirtualClock) -> None:
    script = {"timeline": [("queued", 1.5), ("in_progress", 37)]}
    policy = PollPolicy(jitter=0.0)

    async def status_times(kind: Literal["sync", "async"]) -> list[float]:
        with FakeGateway(clock=VirtualClock()).serve() as gw:
            clock = gw.clock
            assert isinstance(clock, VirtualClock)
            gw.script(**script)  # type: ignore[arg-type]
            settings: dict[str, Any] = {
                "api_key": gw.api_key,
                "base_url": gw.base_url,
                "clock": clock,
                "poll_policy": policy,
            }
            with MusicClient(sleep=clock.sleep, **settings) as sync:
                async with AsyncMusicClient(sleep=clock.asleep, **settings) as aio:
                    either = EitherClient(kind=kind, sync=sync, aio=aio)
                    await either.create_and_wait(model=SUNO, prompt="x")
            return _status_times(gw)

    sync_times = asyncio.run(status_times("sync"))
    assert sync_times == asyncio.run(status_times("async"))
    assert sync_times[:6] == pytest.approx([1, 2, 4, 6, 8, 10])


def test_keyboard_interrupt_stops_a_sync_wait_cleanly(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient]
) -> None:
    fake_gateway.script(timeline=[("in_progress", 3600)])
    c = make_client(sleep=interrupted_at_third_call(lambda seconds: None))
    created = c.create(model=SUNO, prompt="x")
    with pytest.raises(KeyboardInterrupt):
        c.wait(created)
    assert c.get(created.id).id == created.id  # the client is still usable


# -- async: cancellation and many jobs ------------------------------------------------


async def test_cancelling_a_wait_stops_polling_and_leaves_nothing_behind(
    fake_gateway: FakeGateway,
) -> None:
    fake_gateway.script(timeline=[("in_progress", 3600)])
    async with AsyncMusicClient(
        api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, poll_policy=FAST
    ) as c:
        created = await c.create(model=SUNO, prompt="x")
        task = asyncio.create_task(c.wait(created))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.2)  # a read already on the wire may still land
        polls = len(fake_gateway.requests_for(operation="status"))
        await asyncio.sleep(0.3)
        assert len(fake_gateway.requests_for(operation="status")) == polls
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.slow
async def test_wait_many_follows_1000_jobs_over_a_bounded_pool(
    fake_gateway: FakeGateway, make_aclient: Callable[..., AsyncMusicClient]
) -> None:
    fake_gateway.default_script = fake_gateway.default_script.__class__(
        timeline=[("queued", 0.05), ("in_progress", 0.25)], clips=1
    )
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    http = httpx.AsyncClient(limits=limits, timeout=30)
    # Jobs end after a few polls; a generous deadline keeps a loaded machine from
    # turning slowness into a false failure (the test is about counts, not time).
    policy = PollPolicy(
        initial_delay=0.1, multiplier=1.5, max_delay=0.25, latency_bounds=(), timeout=300
    )
    c = make_aclient(http_client=http, poll_policy=policy, sleep=None)  # in real time
    created = await asyncio.gather(*(c.create(model=SUNO, prompt=f"p{i}") for i in range(1000)))
    ids = [job.id for job in created]
    seen: list[str] = []
    async with contextlib.aclosing(c.wait_many(created, concurrency=16)) as results:
        async for result in results:
            assert result.ok, result.error
            seen.append(result.job_id)
    await http.aclose()
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == 1000
    # Connections may be replaced over the run (keep-alive expiry), but never
    # more than the pool allows at once: each peer is one TCP connection, open
    # at least from its first request to its last.
    spans: dict[tuple[str, int] | None, list[float]] = {}
    for r in fake_gateway.requests:
        span = spans.setdefault(r.peer, [r.time, r.time])
        span[0], span[1] = min(span[0], r.time), max(span[1], r.time)
    edges = sorted(
        [(a, 1) for a, _ in spans.values()] + [(b, -1) for _, b in spans.values()],
        key=lambda e: (e[0], -e[1]),
    )
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    assert None not in spans
    assert most <= 16


async def test_breaking_out_of_wait_many_cancels_the_rest(fake_gateway: FakeGateway) -> None:
    fake_gateway.script(timeline=[("in_progress", 0.02)], prompt="quick")
    fake_gateway.script(timeline=[("in_progress", 3600)], prompt="never")
    async with AsyncMusicClient(
        api_key=fake_gateway.api_key, base_url=fake_gateway.base_url, poll_policy=FAST
    ) as c:
        jobs = [await c.create(model=SUNO, prompt="quick")]
        jobs += [await c.create(model=SUNO, prompt="never") for _ in range(5)]
        async with contextlib.aclosing(c.wait_many(jobs)) as results:
            async for result in results:
                assert result.job_id == jobs[0].id
                break
        # Reads already on the wire may still land; after that, nothing new.
        await asyncio.sleep(0.2)
        polls = len(fake_gateway.requests_for(operation="status"))
        await asyncio.sleep(0.3)
        assert len(fake_gateway.requests_for(operation="status")) == polls
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_a_job_created_in_one_process_is_awaited_in_another(fake_gateway: FakeGateway) -> None:
    fake_gateway.script(timeline=[("in_progress", 0.3)])
    with MusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url) as c:
        job_id = c.create(model=SUNO, prompt="x").id
    code = textwrap.dedent(f"""
        from ai_stats_music import MusicClient, PollPolicy
        policy = PollPolicy(initial_delay=0.05, max_delay=0.1, latency_bounds=(), timeout=30)
        with MusicClient(api_key={fake_gateway.api_key!r}, base_url={fake_gateway.base_url!r},
                         poll_policy=policy) as c:
            job = c.wait({job_id!r})
        print(job.status, len(job.output))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["completed", "2"]


def test_the_sync_client_waits_for_many_on_its_own_clock(
    vclient: MusicClient, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    fake_gateway.script(timeline=[("queued", 5), ("in_progress", 235)], prompt="long")
    fake_gateway.script(timeline=[("in_progress", 20)], prompt="short")
    long = vclient.create(model=SUNO, prompt="long")
    short = vclient.create(model=SUNO, prompt="short")
    with contextlib.closing(vclient.wait_many([long, short.id], deadline=None)) as results:
        got = [(fake_clock(), r) for r in results]
    assert [r.job_id for _, r in got] == [short.id, long.id]
    assert all(r.ok for _, r in got)
    assert 20 <= got[0][0] <= 20 + 5.3
    assert 240 <= got[1][0] <= 240 + 5.3
    reads = [r.time for r in fake_gateway.requests_for(operation="status")]
    assert max(reads) == got[1][0]
    assert sum(fake_clock.sleeps) == fake_clock()


def test_the_sync_client_keeps_the_deadline_on_its_clock(
    vclient: MusicClient, fake_clock: VirtualClock, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script(timeline=[("in_progress", 10_000)])
    job = vclient.create(model=SUNO, prompt="x")
    [result] = list(vclient.wait_many([job], deadline=60))
    assert isinstance(result.error, MusicJobTimeout)
    assert fake_clock() == pytest.approx(60)


async def test_wait_many_yields_each_job_once_in_completion_order(
    fake_gateway: FakeGateway,
    make_either: Callable[..., EitherClient],
    fake_clock: VirtualClock,
) -> None:
    """Both clients, in virtual time: results in the order the jobs end.

    The async waits sleep concurrently on one VirtualClock, and each sleep moves
    it on, so the clock runs up to three times faster than each wait's own
    sleeps: the jobs end far enough apart (more than a round of three polls of
    at most 5.3 s) that the order is the same whatever the interleaving."""
    fake_gateway.script(timeline=[("in_progress", 400)], prompt="slow")
    fake_gateway.script(timeline=[("in_progress", 5)], prompt="quick")
    fake_gateway.script(timeline=[("in_progress", 100)], final="failed", prompt="doomed")
    updates: list[tuple[str, str]] = []
    c = make_either(clock=fake_clock)
    slow = await c.create(model=SUNO, prompt="slow")
    quick = await c.create(model=SUNO, prompt="quick")
    doomed = await c.create(model=SUNO, prompt="doomed")
    got = await c.wait_many(
        [slow, quick.id, doomed],
        deadline=None,
        on_update=lambda j: updates.append((j.id, j.status)),
    )
    with pytest.raises(ValueError, match="job id"):
        await c.wait_many(["ok", ".."])
    assert [r.job_id for r in got] == [quick.id, doomed.id, slow.id]
    assert got[0].job is not None
    assert got[0].job.is_completed
    assert isinstance(got[1].error, MusicJobFailed)
    assert got[2].ok
    assert (slow.id, "completed") in updates
