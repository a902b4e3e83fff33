"""A request's time budget, and the context variable that carries it.

The state :mod:`._deadline` and :mod:`._streams` share: ``_deadline.budget``
sets the current :class:`Budget` while a request runs, the streams of
``_streams`` read it on each socket operation (:func:`cap`). Apart from both,
so that neither imports the other at import time, and light (no httpx, no
httpcore): it is on every request's path.
"""

from __future__ import annotations

import contextvars
import time
from typing import Final

__all__ = ["CURRENT", "Budget", "cap"]


class Budget:
    """The time one request may take on its connection, armed on first use."""

    __slots__ = ("_ends", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends: float | None = None

    def cap(self, timeout: float | None, expired: type[Exception]) -> float:
        """``timeout`` shortened to the time left; raise ``expired`` when none is."""
        now = time.monotonic()
        if self._ends is None:
            self._ends = now + self.seconds
            left = self.seconds
        else:
            left = self._ends - now
            if left <= 0:
                raise expired(f"the request took longer than its timeout of {self.seconds:g} s")
        return left if timeout is None or timeout > left else timeout


CURRENT: Final[contextvars.ContextVar[Budget | None]] = contextvars.ContextVar(
    "ai_stats_music_request_budget", default=None
)


def cap(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` capped by the current request's budget, if any (:meth:`Budget.cap`)."""
    current = CURRENT.get()
    return timeout if current is None else current.cap(timeout, expired)
