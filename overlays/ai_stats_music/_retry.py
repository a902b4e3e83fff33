"""When a single request is tried again, and how long to wait first.

:class:`RetryPolicy` decides for one request (a create or a status read) from
the typed error it got; ``is_transient`` and ``retry_after_of`` are the same
judgement that waiting for a job (``_waiter``) uses for a failed status read,
so a failure that a call retries is one a wait keeps going on.
"""

from __future__ import annotations

import logging
import math
import random
from typing import Final

import attrs

from ._checks import check_max_retries
from ._envelope import parse_retry_after
from ._errors import (
    AIStatsError,
    APIConnectionError,
    APIError,
    APIStatusError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)
from ._log import log

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "MAX_SERVER_WAIT",
    "RetryPolicy",
    "is_transient",
    "retry_after_of",
]

DEFAULT_MAX_RETRIES: Final = 2
#: The longest a single call sleeps on a server's Retry-After before giving up on it.
MAX_SERVER_WAIT: Final = 60.0


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When a single request is tried again (not the waiting: see ``PollPolicy``).

    Give it to a client as ``retry=`` (constructor or ``with_options``) to
    change the delays; ``max_retries=`` is the simple knob for the count alone
    (given with ``retry=``, it must agree with it). A per-call ``max_retries``
    changes the count and keeps the client's delays.

    Status reads are idempotent: retried on connection errors, timeouts, 429,
    5xx and malformed answers -- but never on a 501 (the feature is switched
    off, :class:`FeatureDisabledError`, which asking again will not change).
    Creating a job is paid work: it is retried only when the request provably
    did not reach the server (no connection or no free connection in the pool,
    a 429 that says when to come back, a 503 with a ``Retry-After`` header),
    never after a read timeout, a 500 or a connection dropped once the body
    was sent. The server's wait is its ``Retry-After`` header, else the error
    envelope's ``retry_after_seconds``.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25

    def __attrs_post_init__(self) -> None:
        check_max_retries(self.max_retries)
        for name in ("initial_delay", "max_delay", "jitter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"RetryPolicy.{name} must be a number, not {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"RetryPolicy.{name} must be a finite number >= 0, not {value!r}")
        if self.jitter > 1:
            raise ValueError(f"RetryPolicy.jitter must be between 0 and 1, not {self.jitter!r}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds before try ``attempt + 1`` when the server said nothing:
        exponential up to ``max_delay``, shortened by jitter so that clients
        failing together do not retry in lockstep."""
        base = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return base * (1.0 - self.jitter * rng.random())

    def delay(
        self, error: APIError, *, attempt: int, creating: bool, rng: random.Random
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up with ``error``."""
        seconds = self._delay(error, attempt=attempt, creating=creating, rng=rng)
        if log.isEnabledFor(logging.INFO):
            what = _cut_line(error.message)
            if seconds is None:
                tried = f"after {attempt + 1} tries" if attempt else "not retried"
                log.info("%s: %s (%s)", type(error).__name__, what, tried)
            else:
                log.info(
                    "%s: %s (retry %d of %d in %.2f s)",
                    type(error).__name__,
                    what,
                    attempt + 1,
                    self.max_retries,
                    seconds,
                )
        return seconds

    def _delay(
        self, error: APIError, *, attempt: int, creating: bool, rng: random.Random
    ) -> float | None:
        if attempt >= self.max_retries:
            return None
        server_wait = retry_after_of(error)
        if creating:
            if isinstance(error, APIConnectionError) and not error.may_have_reached_server:
                return self.backoff(attempt, rng)
            if isinstance(error, APIStatusError) and (
                (error.status_code == 429 and server_wait is not None)
                # A 503 is trusted to mean "not processed" only with the
                # header HTTP defines for it, not a hint in the body.
                or (error.status_code == 503 and _header_wait(error) is not None)
            ):
                assert server_wait is not None  # the header is read first
                return min(server_wait, MAX_SERVER_WAIT)
            return None
        if not is_transient(error):
            return None
        if server_wait is not None:
            return min(server_wait, MAX_SERVER_WAIT)
        return self.backoff(attempt, rng)


def _cut_line(text: str, limit: int = 300) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def is_transient(error: AIStatsError) -> bool:
    """Whether a failed status read is worth trying again (the same answer for waiting)."""
    if isinstance(
        error, APIConnectionError | RateLimitError | ServerError | MalformedResponseError
    ):
        return True
    return isinstance(error, APIStatusError) and error.status_code in (408, 409, 425)


def _header_wait(error: APIStatusError) -> float | None:
    return parse_retry_after(error.response.headers.get("retry-after"))


def retry_after_of(error: AIStatsError) -> float | None:
    """The server's word on when to try again: the ``Retry-After`` header, else
    the envelope's ``retry_after_seconds``."""
    if isinstance(error, APIStatusError):
        header = _header_wait(error)
        return header if header is not None else error.retry_after_seconds
    return None
