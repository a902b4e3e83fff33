"""The sync ``wait_many`` in virtual time: its own scheduler, on the caller's clock.

The driver sleeps with the ``sleep`` it is given and reads the ``clock`` it is
given, so a :class:`~ai_stats_music.testing.VirtualClock` drives it: jobs of
minutes end in milliseconds, and every read lands at an exact time -- each job's
at the times a wait for it alone would read it, since both carry out the same
waiter. The sync client's wait_many on a virtual clock is tested in test_wait.py,
beside the client's other waits.
"""

from __future__ import annotations

import contextlib
import random
import threading

import pytest

from ai_stats_music import MusicJob, MusicJobFailed, MusicJobTimeout, PollPolicy
from ai_stats_music._wait import wait_sync
from ai_stats_music._wait_many import wait_many_sync
from ai_stats_music._watch import WaitArgs, WaitResult
from ai_stats_music.testing import VirtualClock

NO_JITTER = PollPolicy(jitter=0.0, timeout=120.0)


class Timelines:
    """Job ``name`` is in progress until ``ends[name]`` on the clock, then completed
    (or failed, for a name starting with ``bad``); each read is logged."""

    def __init__(self, clock: VirtualClock, ends: dict[str, float]) -> None:
        self.clock = clock
        self.ends = ends
        self.reads: list[tuple[float, str]] = []
        self.threads: set[int] = set()
        self.lock = threading.Lock()

    def job(self, job_id: str) -> MusicJob:
        now = self.clock()
        ended = now >= self.ends[job_id]
        status = ("failed" if job_id.startswith("bad") else "completed") if ended else "in_progress"
        return MusicJob.from_dict({"id": job_id, "status": status})

    def fetch(self, job_id: str) -> tuple[MusicJob, float | None]:
        with self.lock:
            self.reads.append((self.clock(), job_id))
            self.threads.add(threading.get_ident())
        return self.job(job_id), None


def run_sync(
    ends: dict[str, float], *, concurrency: int = 8, policy: PollPolicy = NO_JITTER
) -> tuple[list[tuple[float, WaitResult]], Timelines, VirtualClock]:
    clock = VirtualClock()
    gateway = Timelines(clock, ends)
    args = WaitArgs(policy=policy, clock=clock, sleep=clock.sleep, rng=random.Random(0))
    waits = wait_many_sync(gateway.fetch, list(ends), args, concurrency=concurrency)
    return [(clock(), result) for result in waits], gateway, clock


def test_it_runs_in_virtual_time_and_yields_in_completion_order() -> None:
    ends = {"slow": 300.0, "quick": 12.0, "bad": 40.0, "mid": 90.0}
    got, gateway, clock = run_sync(ends, policy=PollPolicy(jitter=0.0, timeout=None))
    assert [r.job_id for _, r in got] == ["quick", "bad", "mid", "slow"]
    assert isinstance(got[1][1].error, MusicJobFailed)
    assert all(r.ok for _, r in got if r.job_id != "bad")
    # each end is learned within the policy's 5.3 s ceiling, at the read that saw it
    for (at, result), end in zip(got, sorted(ends.values()), strict=True):
        assert end <= at <= end + 5.3, result.job_id
        assert (at, result.job_id) in gateway.reads
    assert clock() == got[-1][0]
    # no time passes but by the given sleep: each sleep is a gap between reads
    assert sum(clock.sleeps) == clock()


def test_each_job_is_read_when_it_would_be_if_waited_for_alone() -> None:
    ends = {f"job{i}": 7.0 * i + 3.0 for i in range(6)}
    _, together, _ = run_sync(ends)
    for job_id in ends:
        clock = VirtualClock()
        alone = Timelines(clock, ends)
        wait_sync(alone.fetch, job_id, WaitArgs(policy=NO_JITTER, clock=clock, sleep=clock.sleep))
        assert [t for t, i in together.reads if i == job_id] == [t for t, _ in alone.reads]


def test_reads_beyond_the_concurrency_wait_for_a_slot() -> None:
    ends = {f"job{i}": 4.0 for i in range(5)}
    got, gateway, _ = run_sync(ends, concurrency=2)
    assert sorted(r.job_id for _, r in got) == sorted(ends)
    assert all(r.ok for _, r in got)
    # a read takes no virtual time, so all five are first read at 0 through two slots
    assert [t for t, _ in gateway.reads[:5]] == [0.0] * 5
    assert len(gateway.threads) <= 2  # the pool has two threads


def test_each_deadline_is_kept_on_the_virtual_clock() -> None:
    got, gateway, _ = run_sync(
        {"never": float("inf"), "quick": 2.0}, policy=PollPolicy(jitter=0.0, timeout=30.0)
    )
    assert [r.job_id for _, r in got] == ["quick", "never"]
    error = got[1][1].error
    assert isinstance(error, MusicJobTimeout)
    assert got[1][0] == pytest.approx(30.0)  # its last read is at the deadline, not past it
    assert max(t for t, _ in gateway.reads) == got[1][0]


def test_on_update_runs_in_the_calling_thread_once_per_status() -> None:
    clock = VirtualClock()
    gateway = Timelines(clock, {"a": 10.0, "b": 20.0})
    seen: list[tuple[float, str, str, int]] = []
    args = WaitArgs(
        policy=NO_JITTER,
        clock=clock,
        sleep=clock.sleep,
        on_update=lambda job: seen.append((clock(), job.id, job.status, threading.get_ident())),
    )
    ended = [r.job_id for r in wait_many_sync(gateway.fetch, ["a", "b"], args)]
    assert ended == ["a", "b"]
    assert [(job_id, status) for _, job_id, status, _ in seen] == [
        ("a", "in_progress"),
        ("b", "in_progress"),
        ("a", "completed"),
        ("b", "completed"),
    ]
    assert {ident for *_, ident in seen} == {threading.get_ident()}


def test_closing_it_early_stops_every_read() -> None:
    clock = VirtualClock()
    gateway = Timelines(clock, {"quick": 1.0} | {f"slow{i}": 1e6 for i in range(4)})
    args = WaitArgs(policy=NO_JITTER, clock=clock, sleep=clock.sleep)
    with contextlib.closing(wait_many_sync(gateway.fetch, list(gateway.ends), args)) as waits:
        assert next(waits).job_id == "quick"
    made, now = len(gateway.reads), clock()
    clock.advance(3600)
    assert len(gateway.reads) == made  # no wait goes on behind the caller's back
    assert clock.sleeps
    assert sum(clock.sleeps) == now


@pytest.mark.parametrize("raised", [RuntimeError, KeyboardInterrupt])
def test_an_exception_in_sleep_or_on_update_propagates_and_stops_the_reads(
    raised: type[BaseException],
) -> None:
    clock = VirtualClock()
    gateway = Timelines(clock, {"a": 50.0, "b": 60.0})
    sleeps = 0

    def sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        if sleeps == 3:
            raise raised("interrupted")
        clock.sleep(seconds)

    with pytest.raises(raised, match="interrupted"):
        list(wait_many_sync(gateway.fetch, ["a", "b"], WaitArgs(clock=clock, sleep=sleep)))
    made = len(gateway.reads)

    def on_update(job: MusicJob) -> None:
        if job.status == "completed":
            raise raised("interrupted")

    args = WaitArgs(clock=clock, sleep=clock.sleep, on_update=on_update)
    with pytest.raises(raised, match="interrupted"):
        list(wait_many_sync(gateway.fetch, ["a", "b"], args))
    assert len(gateway.reads) > made
    made = len(gateway.reads)
    clock.advance(3600)
    assert len(gateway.reads) == made
