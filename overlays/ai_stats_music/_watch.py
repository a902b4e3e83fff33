"""What every wait driver shares: its arguments, its results, its bookkeeping.

:class:`WaitArgs` is how to wait (policy, clock, sleep, ``on_update``...), one
typed object that the clients build and every driver takes. :class:`Watch`
holds the :class:`~._waiter.Waiter` of each job being waited for and carries
out their decisions -- ``on_update`` once per status, a :class:`WaitResult` for
each wait that ends -- so that the one-job drivers (:mod:`._wait`) and the
many-job ones (:mod:`._wait_many`), sync and async, only sleep and read.

A driver reads with a *fetch* callable rather than a client: ``fetch(job_id)``
returns ``(job, hint)`` -- the job as just read and the server's poll-delay
hint in seconds (a ``Retry-After`` header on the status answer), or ``None`` --
or raises an :class:`~ai_stats_music.AIStatsError`. Any other exception is a
bug or an interrupt, not an answer, and goes straight through.
"""

from __future__ import annotations

import collections
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Generic, TypeAlias, TypeVar

import attrs

from ._errors import AIStatsError
from ._models import MusicJob
from ._poll_policy import DEFAULT_POLICY, PollPolicy
from ._waiter import Decision, Done, Sleep, Waiter, log_failure

__all__ = [
    "AsyncFetch",
    "AsyncSleep",
    "Fetch",
    "OnUpdate",
    "Read",
    "SyncSleep",
    "WaitArgs",
    "WaitResult",
    "Watch",
    "job_targets",
    "read_async",
    "read_sync",
]

Fetch: TypeAlias = Callable[[str], tuple[MusicJob, float | None]]
AsyncFetch: TypeAlias = Callable[[str], Awaitable[tuple[MusicJob, float | None]]]
OnUpdate: TypeAlias = Callable[[MusicJob], object]
SyncSleep: TypeAlias = Callable[[float], object]
AsyncSleep: TypeAlias = Callable[[float], Awaitable[object]]
#: What one status read gave: the job and the server's hint, or the error.
Read: TypeAlias = tuple[MusicJob, float | None] | AIStatsError

SleepT = TypeVar("SleepT", SyncSleep, AsyncSleep)


@attrs.frozen(kw_only=True, slots=True)
class WaitArgs(Generic[SleepT]):
    """How to wait, the same for one job or many, for both clients.

    Attributes:
        policy: When to read each job's status, and the deadline.
        just_created: The jobs were accepted a moment ago: their first read
            waits ``policy.initial_delay`` (see :class:`~._waiter.Waiter`).
        on_update: Called with a job once per status it goes through.
        clock: Seconds on a monotonic clock; a test gives a virtual one.
        sleep: How to sleep, sync or async after the driver; ``None`` is the
            driver's own (:func:`time.sleep`, :func:`anyio.sleep`).
        rng: The jitter's random draws; ``None`` is a shared generator.
    """

    policy: PollPolicy = DEFAULT_POLICY
    just_created: bool = False
    on_update: OnUpdate | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: SleepT | None = None
    rng: random.Random | None = None


@attrs.frozen(kw_only=True, slots=True)
class WaitResult:
    """How the wait for one of many jobs ended: ``job`` (completed) or ``error``.

    The failed job of a :class:`~ai_stats_music.MusicJobFailed` is its ``.job``;
    the last status before a :class:`~ai_stats_music.MusicJobTimeout` is its
    ``.last_job``. ``job`` is only ever a completed job, so ``if result.job``
    cannot mistake a failure for audio.
    """

    job_id: str
    job: MusicJob | None = None
    error: AIStatsError | None = None

    def __attrs_post_init__(self) -> None:
        if (self.job is None) == (self.error is None):
            raise ValueError("WaitResult takes exactly one of job and error")

    @property
    def ok(self) -> bool:
        """Whether the job completed (then ``job`` is set, else ``error``)."""
        return self.error is None

    def result(self) -> MusicJob:
        """The completed job, or raise the error that ended its wait."""
        if self.error is not None:
            raise self.error
        assert self.job is not None
        return self.job


def job_targets(jobs: Iterable[str | MusicJob]) -> dict[str, MusicJob | None]:
    """Each job's id and last known state, refusing a job given twice: it would
    be waited once but asked for twice, and which of its results is which
    would be anyone's guess."""
    targets: dict[str, MusicJob | None] = {}
    for item in jobs:
        job_id, last_job = (item.id, item) if isinstance(item, MusicJob) else (item, None)
        if job_id in targets:
            raise ValueError(f"job {job_id!r} is given twice")
        targets[job_id] = last_job
    return targets


def read_sync(fetch: Fetch, job_id: str) -> Read:
    """One status read: an :class:`~ai_stats_music.AIStatsError` is an answer
    about the job; anything else is not, and propagates."""
    try:
        return fetch(job_id)
    except AIStatsError as exc:
        return exc


async def read_async(afetch: AsyncFetch, job_id: str) -> Read:
    """The async twin of :func:`read_sync`."""
    try:
        return await afetch(job_id)
    except AIStatsError as exc:
        return exc


class Watch:
    """The waits in progress and the results of those that ended.

    Each job has its own :class:`~._waiter.Waiter`. :meth:`start` and
    :meth:`report` carry out a waiter's decision and answer how long that job
    sleeps before its next read (``None``: its wait is over, its result is in
    ``ended``). A result is recorded before ``on_update`` is called, so an
    exception from ``on_update`` (which propagates) leaves the watch consistent.
    """

    __slots__ = ("_on_update", "ended", "running")

    def __init__(self, targets: Mapping[str, MusicJob | None], args: WaitArgs[SleepT]) -> None:
        self._on_update = args.on_update
        self.ended: collections.deque[WaitResult] = collections.deque()
        self.running: dict[str, Waiter] = {
            job_id: Waiter(
                job_id,
                policy=args.policy,
                last_job=last_job,
                just_created=args.just_created,
                rng=args.rng,
            )
            for job_id, last_job in targets.items()
        }

    def start(self, now: float) -> dict[str, float | None]:
        """Start every wait at ``now``: each job's first sleep, in the order given."""
        return {
            job_id: self._carry_out(job_id, waiter.start(now))
            for job_id, waiter in list(self.running.items())
        }

    def report(self, job_id: str, read: Read, now: float) -> float | None:
        """Job ``job_id``'s status read gave ``read`` at ``now``."""
        waiter = self.running[job_id]
        if isinstance(read, AIStatsError):
            decision = waiter.on_error(read, now)
            log_failure(waiter, read)
        else:
            job, hint = read
            decision = waiter.on_job(job, now, hint=hint)
        return self._carry_out(job_id, decision)

    def _carry_out(self, job_id: str, decision: Decision) -> float | None:
        seconds = None
        if isinstance(decision, Sleep):
            seconds = decision.seconds
        else:
            del self.running[job_id]
            if isinstance(decision, Done):
                self.ended.append(WaitResult(job_id=job_id, job=decision.job))
            else:
                self.ended.append(WaitResult(job_id=job_id, error=decision.error))
        if self._on_update is not None and decision.changed is not None:
            self._on_update(decision.changed)
        return seconds
