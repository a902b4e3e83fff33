"""Waiting for one job: :func:`wait_sync` and :func:`wait_async`.

Each is a loop of sleep, read and report around a :class:`~._watch.Watch` of
one job, which decides everything else; the two differ only by their
``await``.
"""

from __future__ import annotations

import time

from ._models import MusicJob
from ._watch import (
    AsyncFetch,
    AsyncSleep,
    Fetch,
    SyncSleep,
    WaitArgs,
    Watch,
    job_targets,
    read_async,
    read_sync,
)

__all__ = ["wait_async", "wait_sync"]


def wait_sync(fetch: Fetch, job: MusicJob | str, args: WaitArgs[SyncSleep]) -> MusicJob:
    """Poll ``fetch(job_id)`` until the job completes; return the completed job.

    ``job`` is an id, or the job as last known (a terminal one ends the wait at
    once, without a request). Raises :class:`~ai_stats_music.MusicJobFailed`,
    :class:`~ai_stats_music.MusicJobTimeout` or the permanent error that ended
    the wait (see :class:`~._waiter.Waiter`). ``args.on_update(job)`` is called
    once per status the job goes through, the first known one included; an
    exception in it ends the wait and propagates, as does ``KeyboardInterrupt``.
    """
    sleep = time.sleep if args.sleep is None else args.sleep
    watch = Watch(job_targets([job]), args)
    ((job_id, seconds),) = watch.start(args.clock()).items()
    while seconds is not None:
        sleep(seconds)
        seconds = watch.report(job_id, read_sync(fetch, job_id), args.clock())
    return watch.ended[0].result()


async def wait_async(
    afetch: AsyncFetch, job: MusicJob | str, args: WaitArgs[AsyncSleep]
) -> MusicJob:
    """The async twin of :func:`wait_sync`, with the same semantics.

    Cancelling the awaiting task stops the wait at its current ``await`` (a
    sleep or a fetch) and the cancellation propagates. ``args.sleep`` defaults
    to :func:`anyio.sleep`: the wait runs under asyncio and trio alike.
    """
    if args.sleep is None:
        import anyio

        sleep: AsyncSleep = anyio.sleep
    else:
        sleep = args.sleep
    watch = Watch(job_targets([job]), args)
    ((job_id, seconds),) = watch.start(args.clock()).items()
    while seconds is not None:
        await sleep(seconds)
        seconds = watch.report(job_id, await read_async(afetch, job_id), args.clock())
    return watch.ended[0].result()
