"""The wait for one job as a state machine without I/O: :class:`Waiter`.

A :class:`Waiter` never sleeps, never reads a clock and never does I/O: it is
told what happened (a status read at time ``now``, or an error) and answers
what to do next (:class:`Sleep` then poll, :class:`Done`, :class:`Fail`). Every
driver -- one job or many, sync or async -- only carries its answers out, so
the waits cannot drift apart, and the whole policy is tested in virtual time.
"""

from __future__ import annotations

import logging
import math
import random
from typing import Final, TypeAlias

import attrs

from ._errors import AIStatsError
from ._job_errors import MusicJobFailed, MusicJobTimeout
from ._models import MusicJob
from ._poll_policy import DEFAULT_POLICY, PollPolicy
from ._retry import is_transient, retry_after_of

__all__ = ["Decision", "Done", "Fail", "Sleep", "Waiter", "log_failure"]

log = logging.getLogger("ai_stats_music")

# Time left below this is none: no request could make use of it, and float
# rounding (``now + (deadline - now)``) must not buy one more poll.
_DEADLINE_SLACK: Final = 1e-6
# A server's delay shorter than this is no delay: it is ignored, like 0, so
# that "Retry-After: 0.001" cannot turn a wait into a busy loop either.
_MIN_SERVER_DELAY: Final = 0.1
# Jitter draws need not be reproducible unless a test asks; one shared
# generator keeps a waiter from seeding its own from the OS.
_RNG: Final = random.Random()


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
    def failed_in_a_row(self) -> int:
        """How many status reads failed since the last one that succeeded."""
        return self._failed_in_a_row

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


def log_failure(waiter: Waiter, exc: AIStatsError) -> None:
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
