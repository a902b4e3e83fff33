"""How often a wait reads a job's status, and for how long: :class:`PollPolicy`.

A plain value with validated fields and one pure function, :meth:`PollPolicy.delay`;
the waits (:mod:`._waiter`) apply it, the clients carry one as their default. It
lives alone so that a program that only configures waiting (the command line)
imports nothing of the machinery that waits.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any, Final

import attrs

__all__ = ["DEFAULT_POLICY", "PollPolicy"]


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
