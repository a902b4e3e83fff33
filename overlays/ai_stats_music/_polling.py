"""Waiting for music jobs: one sans-I/O core, thin sync and async drivers.

The core (:class:`Waiter`, with its :class:`PollPolicy`) never sleeps, never
reads a clock and never does I/O: it is told what happened (a status read at
time ``now``, or an error) and answers what to do next (:class:`Sleep` then
poll, :class:`Done`, :class:`Fail`). The drivers below only carry its answers
out, so the sync and async waits cannot drift apart, and the whole policy is
tested in virtual time.

The drivers take a *fetch* callable rather than a client: ``fetch(job_id)``
returns ``(job, hint)`` -- the job as just read and the server's poll-delay
hint in seconds (a ``Retry-After`` header on the status answer), or ``None`` --
or raises an :class:`~ai_stats_music.AIStatsError`. Any other exception is a
bug or an interrupt, not an answer, and goes straight through.
"""

from __future__ import annotations

import logging
import math
import queue
import random
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable
from typing import Any, Final, TypeAlias

import attrs

from ._errors import AIStatsError
from ._job_errors import MusicJobFailed, MusicJobTimeout
from ._models import MusicJob
from ._retry import is_transient, retry_after_of

log = logging.getLogger("ai_stats_music")

# _LAZY_ASYNCIO: asyncio (and concurrent.futures) are imported where they are
# used, not here: they are about a third of ``import ai_stats_music``'s time,
# which a program that never waits asynchronously should not pay.

__all__ = [
    "DEFAULT_POLICY",
    "AsyncFetch",
    "Decision",
    "Done",
    "Fail",
    "Fetch",
    "OnUpdate",
    "PollPolicy",
    "Sleep",
    "WaitResult",
    "Waiter",
    "wait_async",
    "wait_many_async",
    "wait_many_sync",
    "wait_sync",
]

Fetch: TypeAlias = Callable[[str], tuple[MusicJob, float | None]]
AsyncFetch: TypeAlias = Callable[[str], Awaitable[tuple[MusicJob, float | None]]]
OnUpdate: TypeAlias = Callable[[MusicJob], object]

# Time left below this is none: no request could make use of it, and float
# rounding (``now + (deadline - now)``) must not buy one more poll.
_DEADLINE_SLACK: Final = 1e-6
# A server's delay shorter than this is no delay: it is ignored, like 0, so
# that "Retry-After: 0.001" cannot turn a wait into a busy loop either.
_MIN_SERVER_DELAY: Final = 0.1
# Jitter draws need not be reproducible unless a test asks; one shared
# generator keeps a waiter from seeding its own from the OS.
_RNG: Final = random.Random()


def _seconds(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive number of seconds, got {value!r}")


def _timeout(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _seconds(_, attribute, value)


def _multiplier(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value >= 1):
        raise ValueError(f"multiplier must be a finite number >= 1, got {value!r}")


def _jitter(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"jitter must be a fraction in [0, 1), got {value!r}")


def _to_bounds(value: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    return tuple((float(age), float(delay)) for age, delay in value)


def _bounds(
    _: object, attribute: attrs.Attribute[Any], value: tuple[tuple[float, float], ...]
) -> None:
    for age, delay in value:
        if not (math.isfinite(age) and age > 0 and math.isfinite(delay) and delay > 0):
            raise ValueError(
                "latency_bounds must be pairs (age, delay) of positive seconds, "
                f"got {(age, delay)!r}"
            )


@attrs.frozen(kw_only=True, slots=True)
class PollPolicy:
    """How often to read a job's status while waiting, and for how long.

    The delay before poll ``n`` is the least of ``initial_delay * multiplier**n``,
    ``max_delay`` and the latency bound for the job's age, then shortened by
    jitter; the wait's deadline caps it last. The defaults poll a new job at
    about 1, 2, 4, 6, 8, 10, 15.3, 20.6, ... s: short jobs are learned quickly,
    long ones cost a request every 5.3 s. (Measured by ``nox -s bench`` over
    2,000 job lengths spread like the gateway's, lognormal with median 45 s and
    sigma 0.8, jitter on: 3.5 times fewer requests than polling every second --
    3.8 without jitter -- for a mean detection delay of 2.5 s; docs/guide/performance.md,
    "Why these polling defaults", says why 5.3 s. A plain exponential saves
    more only by learning of short jobs late.)

    Attributes:
        initial_delay: Seconds before the first poll of a job just created: no
            job is done the instant it is accepted, so reading it at once is a
            wasted request.
        multiplier: Growth of the delay per poll. A job still running after a
            few polls is likely a long one, so the delay grows towards
            ``max_delay``.
        max_delay: The longest wait between polls: how late, at worst, a long
            job's completion is learned.
        jitter: Each delay is multiplied by a random factor in
            ``[1 - jitter, 1]``, so that many waiters started together do not
            poll in lockstep. It only ever shortens a delay, so the latency
            bounds and the deadline hold with any jitter.
        timeout: The overall deadline in seconds, ``None`` for none. The wait
            never sleeps past it; its last poll is made at the deadline.
        latency_bounds: Pairs ``(age, delay)``: while the wait is younger than
            ``age`` seconds, never wait more than ``delay`` seconds before the
            next poll. The defaults learn of a job that fails in its first 2 s
            within 1 s, and of a job of 10 s or less at most 2 s late. Age is
            counted from the start of the wait: for a job just created that is
            its age; for a job created earlier the bounds merely poll more
            often than needed.
    """

    initial_delay: float = attrs.field(default=1.0, validator=_seconds)
    multiplier: float = attrs.field(default=2.0, validator=_multiplier)
    max_delay: float = attrs.field(default=5.3, validator=_seconds)
    jitter: float = attrs.field(default=0.1, validator=_jitter)
    timeout: float | None = attrs.field(default=600.0, validator=_timeout)
    latency_bounds: tuple[tuple[float, float], ...] = attrs.field(
        default=((2.0, 1.0), (10.0, 2.0)), converter=_to_bounds, validator=_bounds
    )

    @classmethod
    def fixed(cls, interval: float, *, timeout: float | None = 600.0) -> PollPolicy:
        """Poll every ``interval`` seconds exactly: the baseline a smarter
        policy is measured against, and what a server that asks for a fixed
        rate wants."""
        return cls(
            initial_delay=interval,
            multiplier=1.0,
            max_delay=interval,
            jitter=0.0,
            timeout=timeout,
            latency_bounds=(),
        )

    def delay(self, poll_index: int, elapsed: float, rng: random.Random | None = None) -> float:
        """Seconds to wait before poll ``poll_index`` (0 is the first poll of a
        job just created), ``elapsed`` seconds into the wait.

        Without ``rng`` the delay is not jittered (the policy's ceiling). The
        deadline is not applied here: :class:`Waiter` caps by it after the
        jitter, so that a wait's last sleep ends exactly at its deadline.
        """
        delay = self.max_delay
        try:
            grown = self.initial_delay * self.multiplier**poll_index
        except OverflowError:  # a very long wait: the growth has long hit max_delay
            grown = delay
        if grown < delay:
            delay = grown
        for age, bound in self.latency_bounds:
            if elapsed < age and bound < delay:
                delay = bound
        if rng is not None and self.jitter:
            delay *= 1.0 - self.jitter * rng.random()
        return delay


DEFAULT_POLICY: Final = PollPolicy()


@attrs.frozen(slots=True)
class Sleep:
    """Wait ``seconds``, then read the job's status and report it."""

    seconds: float
    changed: MusicJob | None = None
    """The job, when this observation changed its status (else ``None``): the
    drivers call ``on_update`` with it, once per status rather than per poll."""


@attrs.frozen(slots=True)
class Done:
    """The job completed: return it."""

    job: MusicJob
    changed: MusicJob | None = None


@attrs.frozen(slots=True)
class Fail:
    """The wait is over without a completed job: raise ``error``.

    :class:`~ai_stats_music.MusicJobFailed` for a failed job,
    :class:`~ai_stats_music.MusicJobTimeout` at the deadline (caused by the last
    error, if the last read failed), or the permanent error that ended it.
    """

    error: AIStatsError
    changed: MusicJob | None = None


Decision: TypeAlias = Sleep | Done | Fail


class Waiter:
    """The wait for one job, as a state machine without I/O.

    Call :meth:`start` once, then after each :class:`Sleep` read the job and
    report the outcome with :meth:`on_job` or :meth:`on_error`, until the
    answer is :class:`Done` or :class:`Fail`. Times are seconds on any
    monotonic clock the caller likes.

    ``last_job`` is the job as last known (its status is the first one
    reported as ``changed``, and a terminal one ends the wait at once without a
    request). ``just_created`` says the job was accepted a moment ago, so the
    first poll waits ``policy.initial_delay``; otherwise the first poll is
    immediate, since a job known only by its id may have finished long ago.
    """

    __slots__ = (
        "_deadline",
        "_failed",
        "_failed_in_a_row",
        "_finished",
        "_just_created",
        "_last_error",
        "_last_job",
        "_polls",
        "_rng",
        "_start",
        "_status",
        "job_id",
        "policy",
    )

    def __init__(
        self,
        job_id: str,
        *,
        policy: PollPolicy = DEFAULT_POLICY,
        last_job: MusicJob | None = None,
        just_created: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        if last_job is not None and last_job.id != job_id:
            raise ValueError(f"last_job is job {last_job.id!r}, not {job_id!r}")
        self.job_id = job_id
        self.policy = policy
        self._last_job = last_job
        self._just_created = just_created
        self._rng = _RNG if rng is None else rng
        self._status: object = None  # no status seen yet
        self._polls = 0  # status reads reported so far: the index of the next poll
        self._failed = 0  # of which failed
        self._failed_in_a_row = 0  # since the last read that succeeded
        self._last_error: AIStatsError | None = None
        self._start: float | None = None
        self._deadline = math.inf
        self._finished = False

    @property
    def last_job(self) -> MusicJob | None:
        """The job as last seen (or as given), ``None`` before any status is known."""
        return self._last_job

    @property
    def polls(self) -> int:
        """How many status reads (successful or not) have been reported."""
        return self._polls

    @property
    def failed_polls(self) -> int:
        """How many of the reported status reads failed."""
        return self._failed

    @property
    def failed_in_a_row(self) -> int:
        """How many status reads failed since the last one that succeeded."""
        return self._failed_in_a_row

    @property
    def last_error(self) -> AIStatsError | None:
        """The last failed status read's error, ``None`` if none failed."""
        return self._last_error

    def start(self, now: float) -> Decision:
        """Begin the wait at ``now``; the deadline is counted from here."""
        if self._start is not None:
            raise RuntimeError("Waiter.start() may be called only once")
        self._start = now
        if self.policy.timeout is not None:
            self._deadline = now + self.policy.timeout
        job = self._last_job
        if job is not None:
            self._status = job.status
            if job.is_terminal:
                return self._end(job, job)
        if not self._just_created:
            return Sleep(0.0, job)
        seconds = self.policy.delay(0, 0.0, self._rng)
        return Sleep(min(seconds, self._deadline - now), job)

    def on_job(self, job: MusicJob, now: float, *, hint: float | None = None) -> Decision:
        """A status read returned ``job`` at ``now``.

        ``hint`` is the server's own poll delay (``Retry-After`` on the answer):
        the server knows its jobs better than any policy, so a positive hint
        replaces the policy's delay (the deadline still caps it). A hint
        under 0.1 s, 0 included, is ignored, so that a server which always
        says "now" cannot turn the wait into a busy loop.
        """
        self._check_running()
        changed = job if job.status != self._status else None
        self._last_job = job
        self._status = job.status
        self._polls += 1
        self._failed_in_a_row = 0
        if job.is_terminal:
            return self._end(job, changed)
        return self._next(now, hint, changed, None)

    def on_error(self, exc: AIStatsError, now: float) -> Decision:
        """A status read raised ``exc`` at ``now``.

        Transient errors -- no answer, a rate limit, a 5xx, a garbled answer, a
        408, 409 or 425, which say nothing about the job -- are retried on the
        policy's schedule (or after the server's ``Retry-After``) and end the
        wait only at its deadline, as a :class:`~ai_stats_music.MusicJobTimeout`
        caused by the last of them. Permanent ones (401, 403, 404, other 4xx),
        which asking again will not change, end it at once. Either way
        ``exc.job_id`` is set.
        """
        self._check_running()
        if exc.job_id is None:
            exc.job_id = self.job_id
        self._polls += 1
        self._failed += 1
        self._failed_in_a_row += 1
        self._last_error = exc
        if not is_transient(exc):
            self._finished = True
            return Fail(exc)
        return self._next(now, retry_after_of(exc), None, exc)

    def _check_running(self) -> None:
        if self._start is None or self._finished:
            raise RuntimeError(
                "Waiter: report a status read only after start() and before the wait ended"
            )

    def _end(self, job: MusicJob, changed: MusicJob | None) -> Decision:
        self._finished = True
        if job.is_completed:
            return Done(job, changed)
        return Fail(MusicJobFailed(job), changed)

    def _next(
        self, now: float, hint: float | None, changed: MusicJob | None, cause: AIStatsError | None
    ) -> Decision:
        left = self._deadline - now
        if left <= _DEADLINE_SLACK:
            self._finished = True
            error = MusicJobTimeout(
                self.job_id,
                last_job=self._last_job,
                timeout=self.policy.timeout,
                polls=self._polls,
                failed_polls=self._failed,
                last_error=self._last_error,
            )
            error.__cause__ = cause
            return Fail(error, changed)
        if hint is not None and hint >= _MIN_SERVER_DELAY:
            seconds = hint
        else:
            assert self._start is not None  # checked by _check_running
            seconds = self.policy.delay(self._polls, now - self._start, self._rng)
        return Sleep(seconds if seconds < left else left, changed)


def _log_failure(waiter: Waiter, exc: AIStatsError) -> None:
    """A debug record per failed status read, for whoever watches a wait: its
    ``failed_in_a_row`` and ``error`` attributes let a program (the command
    line) warn while a wait keeps failing. The message names the error's type
    only; its text, which may quote a server's echo, is on the record."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "status read of music job %s failed (%d in a row): %s",
            waiter.job_id,
            waiter.failed_in_a_row,
            type(exc).__name__,
            extra={
                "job_id": waiter.job_id,
                "failed_in_a_row": waiter.failed_in_a_row,
                "error": exc,
            },
        )


def _outcome(decision: Done | Fail) -> MusicJob:
    if isinstance(decision, Done):
        return decision.job
    raise decision.error


def wait_sync(
    fetch: Fetch,
    job_id: str,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    last_job: MusicJob | None = None,
    just_created: bool = False,
    on_update: OnUpdate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
    rng: random.Random | None = None,
) -> MusicJob:
    """Poll ``fetch(job_id)`` until the job completes; return the completed job.

    Raises :class:`~ai_stats_music.MusicJobFailed`,
    :class:`~ai_stats_music.MusicJobTimeout` or the permanent error that ended
    the wait (see :class:`Waiter`). ``on_update(job)`` is called once per
    status the job goes through, the first known one included; an exception in
    it ends the wait and propagates, as does ``KeyboardInterrupt``.
    """
    waiter = Waiter(job_id, policy=policy, last_job=last_job, just_created=just_created, rng=rng)
    decision = waiter.start(clock())
    while True:
        if on_update is not None and decision.changed is not None:
            on_update(decision.changed)
        if not isinstance(decision, Sleep):
            return _outcome(decision)
        sleep(decision.seconds)
        try:
            job, hint = fetch(job_id)
        except AIStatsError as exc:
            decision = waiter.on_error(exc, clock())
            _log_failure(waiter, exc)
        else:
            decision = waiter.on_job(job, clock(), hint=hint)


async def wait_async(
    afetch: AsyncFetch,
    job_id: str,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    last_job: MusicJob | None = None,
    just_created: bool = False,
    on_update: OnUpdate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    rng: random.Random | None = None,
) -> MusicJob:
    """The async twin of :func:`wait_sync`, with the same semantics.

    Cancelling the awaiting task stops the wait at its current ``await`` (a
    sleep or a fetch) and the cancellation propagates. ``sleep`` defaults to
    :func:`anyio.sleep`: the wait runs under asyncio and trio alike.
    """
    if sleep is None:
        import anyio

        sleep = anyio.sleep
    waiter = Waiter(job_id, policy=policy, last_job=last_job, just_created=just_created, rng=rng)
    decision = waiter.start(clock())
    while True:
        if on_update is not None and decision.changed is not None:
            on_update(decision.changed)
        if not isinstance(decision, Sleep):
            return _outcome(decision)
        await sleep(decision.seconds)
        try:
            job, hint = await afetch(job_id)
        except AIStatsError as exc:
            decision = waiter.on_error(exc, clock())
            _log_failure(waiter, exc)
        else:
            decision = waiter.on_job(job, clock(), hint=hint)


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


def wait_many_async(
    afetch: AsyncFetch,
    jobs: Iterable[str | MusicJob],
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    concurrency: int = 8,
    just_created: bool = False,
    on_update: OnUpdate | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    rng: random.Random | None = None,
) -> AsyncGenerator[WaitResult, None]:
    """Wait for many jobs at once; yield a :class:`WaitResult` for each as it
    ends, in the order they end.

    ``jobs`` are ids, or jobs as last known (a terminal one is reported without
    a request). A job given twice is refused with ``ValueError`` (here, not at
    the first iteration): it would be waited once but asked for twice, and
    which of its results is which would be anyone's guess.

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
    return _wait_many(
        afetch,
        _targets(jobs, concurrency),
        concurrency=concurrency,
        policy=policy,
        just_created=just_created,
        on_update=on_update,
        clock=clock,
        sleep=sleep,
        rng=rng,
    )


def wait_many_sync(
    fetch: Fetch,
    jobs: Iterable[str | MusicJob],
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    concurrency: int = 8,
    just_created: bool = False,
    on_update: OnUpdate | None = None,
    rng: random.Random | None = None,
) -> Generator[WaitResult, None, None]:
    """The sync twin of :func:`wait_many_async`, with the same semantics.

    It runs :func:`wait_many_async` itself on a private event loop in a helper
    thread, with ``fetch`` called from a pool of ``concurrency`` threads: a
    thread per job would not scale to many jobs, and a scheduler of its own
    would be a third copy of the waiting. Results and ``on_update`` calls are
    handed back, so ``on_update`` runs in the calling thread, in order with the
    results, and an exception in it propagates from the iteration.

    Closing the generator -- ``.close()``, leaving a ``with
    contextlib.closing(...)`` block, a ``break`` once the generator is
    collected, an exception or ``KeyboardInterrupt`` in the caller -- cancels
    every wait and joins the helper thread; a status read already running ends
    in its pool thread and is ignored.
    """
    return _wait_many_sync(
        fetch,
        _targets(jobs, concurrency),
        concurrency=concurrency,
        policy=policy,
        just_created=just_created,
        on_update=on_update,
        rng=rng,
    )


def _targets(jobs: Iterable[str | MusicJob], concurrency: int) -> dict[str, MusicJob | None]:
    """Each job's id and last known state, refusing what cannot be waited for."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    targets: dict[str, MusicJob | None] = {}
    for item in jobs:
        job_id, last_job = (item.id, item) if isinstance(item, MusicJob) else (item, None)
        if job_id in targets:
            raise ValueError(f"job {job_id!r} is given twice")
        targets[job_id] = last_job
    return targets


class _Step:
    """One stretch of :func:`_wait_many` between two results: when a job ends,
    the sleeping waits are woken (to be resumed later), and the reads in flight
    are let finish, so that nothing runs while the generator is suspended."""

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


class _Job:
    """One job's waiter and what it does next: sleep ``pending`` seconds
    (``None``: read the status now)."""

    __slots__ = ("pending", "waiter")

    def __init__(self, waiter: Waiter) -> None:
        self.waiter = waiter
        self.pending: float | None = None


async def _wait_many(
    afetch: AsyncFetch,
    targets: dict[str, MusicJob | None],
    *,
    concurrency: int,
    policy: PollPolicy,
    just_created: bool,
    on_update: OnUpdate | None,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]] | None,
    rng: random.Random | None,
) -> AsyncGenerator[WaitResult, None]:
    # The waits run in an AnyIO task group (asyncio or trio alike) that is
    # entered and left within one step of the iteration, never across a
    # ``yield``: a task group open while the generator is suspended would
    # tie its tasks to whatever the consumer does meanwhile (a cancel scope
    # of its own, another task calling __anext__), which AnyIO and trio
    # refuse. Each waiter is sans-I/O, so stopping a sleeping wait between
    # steps and resuming it later loses nothing.
    import collections

    import anyio

    do_sleep: Callable[[float], Awaitable[object]] = anyio.sleep if sleep is None else sleep
    slots = anyio.CapacityLimiter(concurrency)
    ready: collections.deque[WaitResult] = collections.deque()
    raised: list[Exception] = []  # a bug in afetch, an exception from on_update
    running: dict[str, _Job] = {}

    def decide(job_id: str, state: _Job, decision: Decision, step: _Step | None) -> None:
        try:
            if on_update is not None and decision.changed is not None:
                on_update(decision.changed)
        except Exception as exc:
            raised.append(exc)
        if isinstance(decision, Sleep):
            state.pending = decision.seconds
            if not raised:
                return
        elif isinstance(decision, Done):
            ready.append(WaitResult(job_id=job_id, job=decision.job))
        else:
            ready.append(WaitResult(job_id=job_id, error=decision.error))
        if not isinstance(decision, Sleep):
            del running[job_id]
        if step is not None:
            step.stop()

    async def drive(job_id: str, state: _Job, step: _Step) -> None:
        while not step.stopped():
            if state.pending is not None:
                due = clock() + state.pending
                with anyio.CancelScope() as scope:
                    step.sleepers.add(scope)
                    try:
                        await do_sleep(state.pending)
                    finally:
                        step.sleepers.discard(scope)
                if scope.cancel_called:  # woken by the step's end: sleep the rest later
                    state.pending = max(0.0, due - clock())
                    return
                state.pending = None
                if step.stopped():
                    return
            async with slots:
                if step.stopped():
                    return
                try:
                    job, hint = await afetch(job_id)
                except AIStatsError as exc:
                    decision = state.waiter.on_error(exc, clock())
                except Exception as exc:  # not an answer: ends the iteration
                    raised.append(exc)
                    step.stop()
                    return
                else:
                    decision = state.waiter.on_job(job, clock(), hint=hint)
            decide(job_id, state, decision, step)

    # Nothing happens before the first iteration, so an unused generator costs nothing.
    now = clock()
    for job_id, last_job in targets.items():
        waiter = Waiter(
            job_id, policy=policy, last_job=last_job, just_created=just_created, rng=rng
        )
        state = running[job_id] = _Job(waiter)
        decide(job_id, state, waiter.start(now), None)
    while True:
        if raised:
            raise raised[0]
        while ready:
            yield ready.popleft()
        if not running:
            return
        step = _Step()
        async with anyio.create_task_group() as group:
            for job_id, state in list(running.items()):
                group.start_soon(drive, job_id, state, step)


def _wait_many_sync(
    fetch: Fetch,
    targets: dict[str, MusicJob | None],
    *,
    concurrency: int,
    policy: PollPolicy,
    just_created: bool,
    on_update: OnUpdate | None,
    rng: random.Random | None,
) -> Generator[WaitResult, None, None]:
    # What the helper hands over: a status change, a result, the exception that
    # ended the iteration, or None at the end.
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    handoff: queue.SimpleQueue[MusicJob | WaitResult | BaseException | None] = queue.SimpleQueue()
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="ai-stats-music-fetch")
    loop = asyncio.new_event_loop()

    async def afetch(job_id: str) -> tuple[MusicJob, float | None]:
        return await loop.run_in_executor(pool, fetch, job_id)

    async def pump() -> None:
        async for result in _wait_many(
            afetch,
            targets,
            concurrency=concurrency,
            policy=policy,
            just_created=just_created,
            on_update=None if on_update is None else handoff.put,
            clock=time.monotonic,
            sleep=asyncio.sleep,
            rng=rng,
        ):
            handoff.put(result)

    def run() -> None:
        try:
            loop.run_until_complete(main)
        except asyncio.CancelledError:  # the caller closed early and is not listening
            pass
        except BaseException as exc:  # whatever it is, the caller's thread raises it
            handoff.put(exc)
        else:
            handoff.put(None)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())

    main = loop.create_task(pump())
    helper = threading.Thread(target=run, name="ai-stats-music-wait", daemon=True)
    helper.start()
    try:
        while True:
            item = handoff.get()
            if isinstance(item, MusicJob):
                assert on_update is not None
                on_update(item)
            elif isinstance(item, WaitResult):
                yield item
            elif item is None:
                return
            else:
                raise item
    finally:
        loop.call_soon_threadsafe(main.cancel)
        helper.join()
        loop.close()
        pool.shutdown(wait=False, cancel_futures=True)
