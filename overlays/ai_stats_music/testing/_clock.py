"""Time for the fake gateway: the real monotonic clock, or a virtual one.

Job timelines ("queued 1 s, then in_progress 30 s") are read against the
gateway's clock. With a :class:`VirtualClock` a test moves time by hand, so a
job that takes minutes in production completes in microseconds: the test calls
``clock.advance(30)``, or hands ``clock.sleep`` / ``clock.asleep`` to the client
under test as its sleep function, so every poll interval the client waits
advances the gateway's time instead of the wall clock.

Network timing (``Fault.delay``, ``Fault.stall``) is always real time: it is
what client timeouts measure.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TypeAlias

import anyio.lowlevel

__all__ = ["Clock", "VirtualClock", "monotonic_clock"]

Clock: TypeAlias = Callable[[], float]
"""Anything that returns the current time in seconds (``time.monotonic`` by default)."""

monotonic_clock: Clock = time.monotonic


class VirtualClock:
    """A clock that moves only when told to. Thread-safe.

    ``clock()`` (or ``clock.now()``) reads it; ``advance(seconds)`` moves it on;
    ``sleep(seconds)`` and ``asleep(seconds)`` are drop-in sleep functions that
    advance the clock instead of waiting, and record each requested duration in
    ``sleeps`` (so a test can check a client's poll intervals and backoff).
    """

    __slots__ = ("_lock", "_now", "_sleeps")

    def __init__(self, start: float = 0.0) -> None:
        if not math.isfinite(start):
            raise ValueError(f"start must be a finite number, got {start!r}")
        self._now = float(start)
        self._lock = threading.Lock()
        self._sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"can only advance by a finite number >= 0, got {seconds!r}")
        with self._lock:
            self._now += seconds
            return self._now

    def sleep(self, seconds: float) -> None:
        """A synchronous sleep that advances the clock and returns at once.

        Negative durations sleep 0 s, like :func:`asyncio.sleep`.
        """
        seconds = max(0.0, float(seconds))
        if not math.isfinite(seconds):
            raise ValueError(f"cannot sleep for {seconds!r} seconds")
        with self._lock:
            self._sleeps.append(seconds)
            self._now += seconds

    async def asleep(self, seconds: float) -> None:
        """The asynchronous twin of :meth:`sleep`; it yields to the event loop once."""
        self.sleep(seconds)
        await anyio.lowlevel.checkpoint()  # yields under asyncio and trio alike

    @property
    def sleeps(self) -> tuple[float, ...]:
        """Every duration passed to :meth:`sleep` / :meth:`asleep`, in order."""
        with self._lock:
            return tuple(self._sleeps)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now()!r})"
