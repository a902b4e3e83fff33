"""Waiting for many jobs at once: :func:`wait_many_async` and :func:`wait_many_sync`.

Both keep one :class:`~._watch.Watch` of every job (its waiter, ``on_update``,
the results) and differ only in how they sleep and read: the async driver runs
a task per job in an AnyIO task group, the sync one keeps a heap of each job's
next read and does the reads through a small thread pool, sleeping with the
given ``sleep`` (a virtual clock's included) while none is due.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import AsyncGenerator, Generator, Iterable
from typing import TYPE_CHECKING, Any

from ._models import MusicJob
from ._watch import (
    AsyncFetch,
    AsyncSleep,
    Fetch,
    Read,
    SyncSleep,
    WaitArgs,
    WaitResult,
    Watch,
    job_targets,
    read_async,
    read_sync,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["wait_many_async", "wait_many_sync"]

# _LAZY_ASYNCIO: anyio, asyncio and concurrent.futures are imported where they
# are used, not here: they are about a third of ``import ai_stats_music``'s
# time, which a program that never waits for many jobs should not pay.


def wait_many_async(
    afetch: AsyncFetch,
    jobs: Iterable[str | MusicJob],
    args: WaitArgs[AsyncSleep],
    *,
    concurrency: int = 8,
) -> AsyncGenerator[WaitResult, None]:
    """Wait for many jobs at once; yield a :class:`~._watch.WaitResult` for each
    as it ends, in the order they end.

    ``jobs`` are ids, or jobs as last known (a terminal one is reported without
    a request). A job given twice is refused with ``ValueError`` (here, not at
    the first iteration), as is a ``concurrency`` under 1.

    Every job has its own waiter and its own schedule; ``concurrency`` bounds
    the status reads in flight, not the jobs being waited on. Bounding whole
    waits instead would leave the jobs beyond the first ``concurrency`` unread,
    learned late, and their deadlines spent in a queue; a sleeping waiter costs
    nothing. Time spent waiting for a read slot counts like the read's own.

    A job's failure, timeout or permanent error is its result's ``error`` and
    does not disturb the others. Anything else (a bug in ``afetch``, an
    exception from ``on_update``) is not a result: it propagates from the
    iteration, and the other waits are cancelled. Leaving early -- ``break``,
    ``aclose()``, cancelling the consumer -- cancels every wait still running
    and leaves no task behind; use ``contextlib.aclosing(...)`` so that a
    ``break`` closes at once rather than when the generator is collected.
    """
    return _wait_many_async(afetch, _targets(jobs, concurrency), args, concurrency)


def wait_many_sync(
    fetch: Fetch,
    jobs: Iterable[str | MusicJob],
    args: WaitArgs[SyncSleep],
    *,
    concurrency: int = 8,
) -> Generator[WaitResult, None, None]:
    """The sync twin of :func:`wait_many_async`, with the same semantics.

    The reads due are made from a pool of at most ``concurrency`` threads
    (started at the first read: a thread per job would not scale); in between,
    the calling thread sleeps with ``args.sleep`` until the next read is due, so
    a virtual clock drives it as it drives the async waits. Results and
    ``on_update`` calls happen in the calling thread, in order, and an
    exception in ``on_update`` propagates from the iteration.

    Closing the generator -- ``.close()``, leaving a ``with
    contextlib.closing(...)`` block, a ``break`` once the generator is
    collected, an exception or ``KeyboardInterrupt`` in the caller -- stops
    every wait: no read is started after it, and a read already running ends
    in its pool thread and is ignored.
    """
    return _wait_many_sync(fetch, _targets(jobs, concurrency), args, concurrency)


def _targets(jobs: Iterable[str | MusicJob], concurrency: int) -> dict[str, MusicJob | None]:
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    return job_targets(jobs)


class _Step:
    """One stretch of :func:`_wait_many_async` between two results: when a job
    ends, the sleeping waits are woken (to be resumed later), and the reads in
    flight are let finish, so that nothing runs while the generator is
    suspended."""

    __slots__ = ("_stopped", "sleepers")

    def __init__(self) -> None:
        self._stopped = False
        self.sleepers: set[Any] = set()

    def stopped(self) -> bool:
        """Whether the step is ending (a call: it changes under the tasks' feet)."""
        return self._stopped

    def stop(self) -> None:
        self._stopped = True
        for scope in self.sleepers:
            scope.cancel()


async def _wait_many_async(
    afetch: AsyncFetch,
    targets: dict[str, MusicJob | None],
    args: WaitArgs[AsyncSleep],
    concurrency: int,
) -> AsyncGenerator[WaitResult, None]:
    # The waits run in an AnyIO task group (asyncio or trio alike) that is
    # entered and left within one step of the iteration, never across a
    # ``yield``: a task group open while the generator is suspended would
    # tie its tasks to whatever the consumer does meanwhile (a cancel scope
    # of its own, another task calling __anext__), which AnyIO and trio
    # refuse. Each waiter is sans-I/O, so stopping a sleeping wait between
    # steps and resuming it later loses nothing.
    import anyio

    clock = args.clock
    sleep: AsyncSleep = anyio.sleep if args.sleep is None else args.sleep
    slots = anyio.CapacityLimiter(concurrency)
    raised: list[Exception] = []  # a bug in afetch, an exception from on_update
    watch = Watch(targets, args)
    # Each running job's sleep before its next read (None: read now).
    pending: dict[str, float | None] = {}

    async def drive(job_id: str, step: _Step) -> None:
        while not step.stopped():
            seconds = pending[job_id]
            if seconds is not None:
                due = clock() + seconds
                with anyio.CancelScope() as scope:
                    step.sleepers.add(scope)
                    try:
                        await sleep(seconds)
                    finally:
                        step.sleepers.discard(scope)
                if scope.cancel_called:  # woken by the step's end: sleep the rest later
                    pending[job_id] = max(0.0, due - clock())
                    return
                pending[job_id] = None
                if step.stopped():
                    return
            try:
                async with slots:
                    if step.stopped():
                        return
                    read = await read_async(afetch, job_id)
                pending[job_id] = seconds = watch.report(job_id, read, clock())
            except Exception as exc:  # not an answer: ends the iteration
                raised.append(exc)
                step.stop()
                return
            if seconds is None:  # ended: its result is yielded at the step's end
                step.stop()

    # Nothing happens before the first iteration, so an unused generator costs nothing.
    pending.update(watch.start(clock()))
    while True:
        if raised:
            raise raised[0]
        while watch.ended:
            yield watch.ended.popleft()
        if not watch.running:
            return
        step = _Step()
        async with anyio.create_task_group() as group:
            for job_id in list(watch.running):
                group.start_soon(drive, job_id, step)


def _wait_many_sync(
    fetch: Fetch,
    targets: dict[str, MusicJob | None],
    args: WaitArgs[SyncSleep],
    concurrency: int,
) -> Generator[WaitResult, None, None]:
    from concurrent.futures import FIRST_COMPLETED, wait

    clock = args.clock
    sleep = time.sleep if args.sleep is None else args.sleep
    watch = Watch(targets, args)
    # The sleeping jobs by the time of their next read; the counter breaks
    # ties in the order they were planned, never by comparing ids.
    due: list[tuple[float, int, str]] = []
    order = itertools.count()
    reading: dict[Future[Read], str] = {}
    pool: ThreadPoolExecutor | None = None

    def plan(job_id: str, seconds: float | None, now: float) -> None:
        if seconds is not None:
            heapq.heappush(due, (now + seconds, next(order), job_id))

    now = clock()
    for job_id, seconds in watch.start(now).items():
        plan(job_id, seconds, now)
    try:
        while True:
            while watch.ended:
                yield watch.ended.popleft()
            if not watch.running:
                return
            now = clock()
            while due and due[0][0] <= now and len(reading) < concurrency:
                job_id = heapq.heappop(due)[2]
                if pool is None:
                    pool = _pool(concurrency)
                reading[pool.submit(read_sync, fetch, job_id)] = job_id
            if not reading:
                sleep(due[0][0] - now)
                continue
            # Wait for a read to end, or (a slot being free) until the next one is due.
            free = bool(due) and len(reading) < concurrency
            done, _ = wait(reading, due[0][0] - now if free else None, FIRST_COMPLETED)
            for future in [f for f in reading if f in done]:  # in the order they were sent
                job_id = reading.pop(future)
                now = clock()
                plan(job_id, watch.report(job_id, future.result(), now), now)
    finally:
        if pool is not None:
            for future in reading:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)


def _pool(concurrency: int) -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(concurrency, thread_name_prefix="ai-stats-music-fetch")
