"""What the fake gateway received: the recorded requests and the gateway's request ids.

Every request is recorded on arrival, before any fault, so a test can count
attempts, connections and bodies whatever the answer was. The request ids are
the gateway's (``G-`` and a ULID): the id of a create is also its job's id.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from ._faults import Fault

__all__ = ["Origin", "RecordedRequest", "RequestLog"]

Origin: TypeAlias = Literal["api", "audio"]

_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """A request as the fake received it (recorded on arrival, before any fault).

    ``origin`` is ``"api"`` or ``"audio"``; ``operation`` is ``"create"``,
    ``"status"`` (API), ``"audio"``, ``"image"`` (audio origin) or None;
    ``headers`` has lower-case names (repeated headers joined with ``", "``);
    ``time`` is the gateway's clock; ``fault`` the fault that hit it, if any;
    ``job_id`` the job named in the path (status and audio requests);
    ``peer`` the client's (host, port): one per TCP connection, so a test can
    count the connections a client opened; ``request_id`` the gateway's id of
    the request (API origin; sent back as ``X-Request-Id``, and the job's id
    for a create).
    """

    seq: int
    origin: Origin
    operation: str | None
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=False)
    time: float
    fault: Fault | None
    job_id: str | None
    peer: tuple[str, int] | None = None
    request_id: str | None = None

    def json(self) -> Any:
        """The body parsed as JSON."""
        import json

        return json.loads(self.body)


class RequestLog:
    """The requests received, in order, and the counter behind the request ids.

    Thread-safe on the gateway's lock (re-entrant: the gateway holds it to pick
    a fault and record the request as one step).
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._records: list[RecordedRequest] = []
        self._seq = 0
        self._id_base = secrets.randbits(48)
        self._ids = 0

    def next_request_id(self) -> str:
        """``G-`` and a ULID: 48 bits of wall-clock milliseconds, 80 of identity."""
        with self._lock:
            self._ids += 1
            value = (int(time.time() * 1000) << 80) | (self._id_base << 32) | self._ids
        chars = []
        for _ in range(26):
            value, digit = divmod(value, 32)
            chars.append(_CROCKFORD[digit])
        return "G-" + "".join(reversed(chars))

    def add(self, request: RecordedRequest) -> RecordedRequest:
        """Keep ``request``, numbered in order of arrival (its ``seq`` is set here)."""
        with self._lock:
            numbered = attrs.evolve(request, seq=self._seq)
            self._records.append(numbered)
            self._seq += 1
        return numbered

    def all(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self._records)

    def select(
        self, origin: Origin | None, operation: str | None, job_id: str | None
    ) -> tuple[RecordedRequest, ...]:
        return tuple(
            r
            for r in self.all()
            if (origin is None or r.origin == origin)
            and (operation is None or r.operation == operation)
            and (job_id is None or r.job_id == job_id)
        )

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
