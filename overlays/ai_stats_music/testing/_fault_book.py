"""Arming faults: which requests a fault may hit, and the book that hands them out.

The catalogue of faults (what each does) is :mod:`._faults`; this module
decides *when* one strikes: one-shot faults armed for a target, in the order
they were armed, then random faults at a rate, reproducible from a seed.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Sequence
from typing import Final, TypeAlias

import attrs

from ._faults import Fault

__all__ = ["FaultBook", "Target", "check_target", "matches"]

Target: TypeAlias = str
"""Which requests a fault may hit.

``"create"`` and ``"status"`` (the API operations, both paths of each),
``"api"`` (any request to the API origin), ``"audio"`` (any request to the
audio origin), ``"*"`` (any request), or a path pattern starting with ``/``
matched with :func:`fnmatch.fnmatch` against the request path
(``"/v1/music/generations/*"``, ``"/audio/*"``).
"""

_TARGET_NAMES: Final = frozenset({"create", "status", "api", "audio", "*"})


def check_target(on: str) -> str:
    if not isinstance(on, str) or not (on in _TARGET_NAMES or on.startswith("/")):
        raise ValueError(
            f"on must be 'create', 'status', 'api', 'audio', '*' or a path pattern "
            f"starting with '/', got {on!r}"
        )
    return on


def matches(on: Target, origin: str, operation: str | None, path: str) -> bool:
    if on == "*":
        return True
    if on in ("api", "audio"):
        return origin == on
    if on in ("create", "status"):
        return origin == "api" and operation == on
    return fnmatch.fnmatchcase(path, on)


@attrs.define
class _Armed:
    fault: Fault
    on: Target
    remaining: int | None


_DEFAULT_RANDOM_FAULTS: Final = (
    Fault.status(429, retry_after=0),
    Fault.status(500),
    Fault.status(502),
    Fault.status(503, retry_after=0),
    Fault.drop(),
    Fault.drop(mid_body=True),
    Fault.delay(0.01),
)


class FaultBook:
    """The armed faults. Thread-safe on the gateway's (re-entrant) lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._queue: list[_Armed] = []
        self._rate = 0.0
        self._rate_faults: tuple[Fault, ...] = ()
        self._rate_on: Target = "*"
        self._rng = random.Random(0)

    def inject(self, fault: Fault, on: Target, times: int | None) -> None:
        if not isinstance(fault, Fault):
            raise TypeError(f"expected a Fault, got {type(fault).__name__}")
        check_target(on)
        if times is not None and (type(times) is not int or times < 1):
            raise ValueError(f"times must be an int >= 1 or None (forever), got {times!r}")
        with self._lock:
            self._queue.append(_Armed(fault, on, times))

    def set_rate(
        self, rate: float, faults: Sequence[Fault] | None, seed: int | None, on: Target
    ) -> None:
        if isinstance(rate, bool) or not (isinstance(rate, int | float) and 0 <= rate <= 1):
            raise ValueError(f"rate must be a number in [0, 1], got {rate!r}")
        chosen = _DEFAULT_RANDOM_FAULTS if faults is None else tuple(faults)
        if rate > 0 and not chosen:
            raise ValueError("faults must not be empty")
        for f in chosen:
            if not isinstance(f, Fault):
                raise TypeError(f"expected Fault objects, got {type(f).__name__}")
        target = check_target(on)
        with self._lock:
            self._rate = float(rate)
            self._rate_faults = chosen
            self._rate_on = target
            self._rng = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rate = 0.0
            self._rate_faults = ()

    @property
    def pending(self) -> int:
        """One-shot faults still armed (a fault armed forever counts once)."""
        with self._lock:
            return sum(1 if a.remaining is None else a.remaining for a in self._queue)

    def pick(self, origin: str, operation: str | None, path: str) -> Fault | None:
        """The fault that hits this request, if any (one-shot faults first, then the rate)."""
        with self._lock:
            return self._pick(origin, operation, path)

    def _pick(self, origin: str, operation: str | None, path: str) -> Fault | None:
        for i, armed in enumerate(self._queue):
            if matches(armed.on, origin, operation, path):
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        del self._queue[i]
                return armed.fault
        if self._rate > 0 and matches(self._rate_on, origin, operation, path):
            # Two draws per eligible request, whatever the outcome, so that the
            # sequence of faults depends only on the seed and the request order.
            hit = self._rng.random() < self._rate
            choice = self._rng.choice(self._rate_faults)
            return choice if hit else None
        return None
