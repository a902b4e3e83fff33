"""Faults the fake gateway can be told to commit, and the book that hands them out."""

from __future__ import annotations

import fnmatch
import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias

import attrs

__all__ = ["Fault", "FaultBook", "FaultKind", "Target", "check_target", "matches"]

FaultKind: TypeAlias = Literal[
    "status",
    "text",
    "redirect",
    "drop",
    "reset",
    "delay",
    "stall",
    "truncated_json",
    "lying_length",
    "unknown_status",
    "extra_fields",
]

Target: TypeAlias = str
"""Which requests a fault may hit.

``"create"`` and ``"status"`` (the API operations, both paths of each),
``"api"`` (any request to the API origin), ``"audio"`` (any request to the
audio origin), ``"*"`` (any request), or a path pattern starting with ``/``
matched with :func:`fnmatch.fnmatch` against the request path
(``"/v1/music/generations/*"``, ``"/audio/*"``).
"""

_TARGET_NAMES: Final = frozenset({"create", "status", "api", "audio", "*"})
# Kinds that reshape the real answer, so the request must be processed first.
_NEEDS_ANSWER: Final = frozenset(
    {"truncated_json", "lying_length", "unknown_status", "extra_fields"}
)

_HTML_PAGE: Final = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


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


def _seconds(value: float | None, name: str, *, allow_none: bool) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise ValueError(f"{name} is required")
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and math.isfinite(value) and value >= 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _mid_body(value: bool | int) -> bool | int:
    if value is True or value is False:
        return value
    if type(value) is not int or value < 0:
        raise ValueError(f"mid_body must be a bool or a byte count >= 0, got {value!r}")
    return value


def _status_code(code: int, low: int = 100) -> int:
    if type(code) is not int or not low <= code <= 599:
        raise ValueError(f"status must be an int in {low}..599, got {code!r}")
    return code


@attrs.frozen(kw_only=True, slots=True)
class Fault:
    """One misbehaviour of the gateway or of the audio origin.

    Build faults with the class methods (``Fault.status(503, retry_after=2)``,
    ``Fault.drop()``...), then arm them with ``FakeGateway.inject`` (one-shot,
    matched by operation or path) or ``FakeGateway.fault_rate`` (at random).

    When it hits: a fault strikes *before* the request is processed (no job is
    created) unless it reshapes the real answer (truncated JSON, lying length,
    unknown status, extra fields, anything ``mid_body``): those strike after.
    ``after_processing=True`` makes any fault strike after: the job is created,
    then the client gets the 500, the dropped connection or the stall.
    """

    kind: FaultKind
    status_code: int | None = None
    retry_after: float | str | None = None
    seconds: float | None = None
    mid_body: bool | int = False
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    location: str | None = None
    redirect_host: str | None = None
    redirect_scheme: str | None = None
    redirect_port: int | None = None
    length_delta: int = 0
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    job_status: str | None = None
    after_processing: bool = False
    envelope: Mapping[str, Any] | None = None
    """A JSON error body to which the request's ``request_id`` is added when sent."""

    @property
    def processed(self) -> bool:
        """Whether the request is processed (a create creates its job) before the fault."""
        return self.after_processing or self.kind in _NEEDS_ANSWER or self.mid_body is not False

    # -- answers in place of the real one ---------------------------------------

    @classmethod
    def status(
        cls,
        code: int,
        *,
        retry_after: float | str | None = None,
        body: bytes | str | Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        after_processing: bool = False,
    ) -> Fault:
        """An error answer: ``code`` (429, 500, 502, 503...) with a JSON error body.

        ``retry_after`` (seconds, or an HTTP date string) is sent as ``Retry-After``.
        ``body`` replaces the default ``{"error": ..., "reason": ...}`` (a mapping
        is sent as JSON, text as is).
        """
        _status_code(code, 400)
        if retry_after is not None and not isinstance(retry_after, str):
            _seconds(retry_after, "retry_after", allow_none=False)
        raw: bytes | None
        content_type = "application/json"
        if body is None or isinstance(body, Mapping):
            raw = None if body is None else _json_bytes(body)
        else:
            raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            content_type = "text/plain; charset=utf-8"
        return cls(
            kind="status",
            status_code=code,
            retry_after=retry_after,
            body=raw,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
            after_processing=after_processing,
        )

    @classmethod
    def gateway_error(
        cls,
        status: int,
        error: Any,
        *,
        reason: str | None = None,
        message: str | None = None,
        retry_after: float | str | None = None,
        headers: Mapping[str, str] | None = None,
        after_processing: bool = False,
        **fields: Any,
    ) -> Fault:
        """An error in the gateway's normalised envelope, as its pipeline sends them.

        ``{"request_id": <this request's id>, "status_code": status, "error": error,
        "error_type", "error_origin", "message", "reason", "retryable", **fields}``,
        with the ``X-Request-Id`` header. ``error`` is usually a code string
        (``"key_limit_exceeded"``); ``fields`` add keys (``details=[...]``,
        ``upstream_error={...}``) or override the defaults (``retryable=True``).
        """
        from ._delivery import envelope

        _status_code(status, 400)
        if retry_after is not None and not isinstance(retry_after, str):
            _seconds(retry_after, "retry_after", allow_none=False)
        body = envelope(status, error, reason=reason, message=message, **fields)
        return cls(
            kind="status",
            status_code=status,
            retry_after=retry_after,
            headers=tuple((headers or {}).items()),
            after_processing=after_processing,
            envelope=body,
        )

    @classmethod
    def insufficient_funds(
        cls,
        *,
        min_usd: float = 0.5,
        reason: str = "insufficient_balance",
        message: str = "Your workspace balance is too low for this request.",
    ) -> Fault:
        """The gateway's 402: the workspace cannot pay for the job (no job is made)."""
        return cls.gateway_error(
            402, "insufficient_funds", reason=reason, message=message, min_usd=min_usd
        )

    @classmethod
    def queue_timeout(cls, *, status: str = "queued") -> Fault:
        """The 504 of the queue-backed MiniMax route, which gives up after about 60 s:
        ``{"error": "gmicloud_request_queue_timeout", "request_id": ..., "status": ...}``.

        It strikes after processing: the job exists, under the ``request_id``
        of the body, and the status operation serves it. To make the create
        hold as long as the real one first, script the job's
        ``generation_seconds``.
        """
        return cls(
            kind="status",
            status_code=504,
            after_processing=True,
            envelope={"error": "gmicloud_request_queue_timeout", "status": status},
        )

    @classmethod
    def executor_error(
        cls,
        status: int = 400,
        *,
        type: str = "invalid_request_error",
        message: str = "The provider refused the request.",
        param: str | None = None,
        after_processing: bool = False,
        **fields: Any,
    ) -> Fault:
        """An error from the provider's executor: ``error`` is an object,
        ``{"type": ..., "message": ..., "param": ...}`` (``fields`` add ``reason``,
        ``code``...), beside ``request_id`` and ``status_code``."""
        _status_code(status, 400)
        error: dict[str, Any] = {"type": type, "message": message}
        if param is not None:
            error["param"] = param
        error.update(fields)
        return cls(
            kind="status",
            status_code=status,
            after_processing=after_processing,
            envelope={"status_code": status, "error": error, "error_origin": "upstream"},
        )

    @classmethod
    def text(
        cls,
        body: str = "upstream connect error or disconnect/reset before headers",
        *,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        after_processing: bool = False,
    ) -> Fault:
        """A body that is not JSON (with status 200 by default)."""
        return cls(
            kind="text",
            status_code=_status_code(status),
            body=body.encode("utf-8"),
            content_type=content_type,
            after_processing=after_processing,
        )

    @classmethod
    def html(cls, status: int = 502, *, after_processing: bool = False) -> Fault:
        """An HTML error page, as a proxy in front of the gateway sends one."""
        from http import HTTPStatus

        code = _status_code(status)
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        page = _HTML_PAGE.format(code=code, phrase=phrase)
        return cls(
            kind="text",
            status_code=code,
            body=page.encode("utf-8"),
            content_type="text/html",
            after_processing=after_processing,
        )

    @classmethod
    def redirect(
        cls,
        location: str | None = None,
        *,
        status: int = 302,
        host: str | None = None,
        scheme: str | None = None,
        port: int | None = None,
        after_processing: bool = False,
    ) -> Fault:
        """A redirect (301, 302, 303, 307, 308).

        To ``location`` as given (``"ftp://files.example/x.wav"``,
        ``"file:///etc/passwd"``), or, without it, to the same path and query
        on the same server with ``host``, ``scheme`` and/or ``port`` replaced:
        ``Fault.redirect(host="localhost")`` sends the client to the same
        server under another name, another origin for the client.
        """
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"a redirect status is 301, 302, 303, 307 or 308, got {status!r}")
        if location is None and host is None and scheme is None and port is None:
            raise ValueError("give a location, or a host, scheme or port to change")
        return cls(
            kind="redirect",
            status_code=status,
            location=location,
            redirect_host=host,
            redirect_scheme=scheme,
            redirect_port=port,
            after_processing=after_processing,
        )

    # -- the connection ------------------------------------------------------------

    @classmethod
    def drop(cls, *, mid_body: bool | int = False, after_processing: bool = False) -> Fault:
        """Close the connection (FIN) without an answer: the client sees the server
        disconnect without sending a response (``httpx.RemoteProtocolError``).

        ``mid_body=True`` sends the status line, the headers (with the real
        ``Content-Length``) and half the body first; an int sends that many bytes.
        """
        return cls(kind="drop", mid_body=_mid_body(mid_body), after_processing=after_processing)

    @classmethod
    def reset(cls, *, mid_body: bool | int = False, after_processing: bool = False) -> Fault:
        """Abort the connection with a TCP reset (``httpx.ReadError``); ``mid_body`` as in drop."""
        return cls(kind="reset", mid_body=_mid_body(mid_body), after_processing=after_processing)

    @classmethod
    def delay(cls, seconds: float, *, after_processing: bool = False) -> Fault:
        """Answer normally, ``seconds`` (real time) late."""
        return cls(
            kind="delay",
            seconds=_seconds(seconds, "seconds", allow_none=False),
            after_processing=after_processing,
        )

    @classmethod
    def stall(
        cls,
        seconds: float | None = None,
        *,
        mid_body: bool | int = False,
        after_processing: bool = False,
    ) -> Fault:
        """Go silent: before the answer, or ``mid_body`` after the headers and part
        of the body. For ``seconds`` (real time), after which the answer goes on,
        or with ``None`` until the client gives up or the gateway stops (the
        connection is then closed). A client's read timeout must fire.
        """
        return cls(
            kind="stall",
            seconds=_seconds(seconds, "seconds", allow_none=True),
            mid_body=_mid_body(mid_body),
            after_processing=after_processing,
        )

    # -- the real answer, reshaped (always after processing) ---------------------

    @classmethod
    def truncated_json(cls, *, status: int | None = None) -> Fault:
        """The real JSON answer cut in half, sent whole (a consistent
        ``Content-Length``), with the real status or ``status``."""
        return cls(
            kind="truncated_json",
            status_code=None if status is None else _status_code(status),
        )

    @classmethod
    def lying_length(cls, delta: int) -> Fault:
        """The real answer with ``Content-Length`` off by ``delta`` bytes.

        ``delta > 0`` declares more than is sent (the body ends early, then the
        connection closes); ``delta < 0`` declares less than is sent (more bytes
        than declared follow the body, then the connection closes).
        """
        if type(delta) is not int or delta == 0:
            raise ValueError(f"delta must be a non-zero int, got {delta!r}")
        return cls(kind="lying_length", length_delta=delta)

    @classmethod
    def unknown_status(cls, status: str = "rendering") -> Fault:
        """A job answer whose ``status`` is one the API does not document."""
        if not isinstance(status, str) or not status:
            raise ValueError(f"status must be a non-empty string, got {status!r}")
        return cls(kind="unknown_status", job_status=status)

    @classmethod
    def extra_fields(cls, fields: Mapping[str, Any] | None = None) -> Fault:
        """A job answer carrying fields the client does not know."""
        if fields is None:
            fields = {"x_fake_extra": {"nested": [1, 2, 3]}, "trace_id": "fake-trace"}
        return cls(kind="extra_fields", fields=dict(fields))

    def describe(self) -> str:
        """A short text for logs and assertion messages: ``status(503, retry_after=2)``."""
        parts: list[str] = []
        if self.kind in ("status", "text", "redirect") and self.status_code is not None:
            parts.append(str(self.status_code))
        if self.envelope is not None:
            error = self.envelope.get("error")
            parts.append(repr(error if isinstance(error, str) else "error object"))
        if self.retry_after is not None:
            parts.append(f"retry_after={self.retry_after!r}")
        if self.seconds is not None:
            parts.append(f"seconds={self.seconds:g}")
        if self.mid_body is not False:
            parts.append(f"mid_body={self.mid_body!r}")
        if self.location is not None:
            parts.append(f"location={self.location!r}")
        if self.redirect_host is not None:
            parts.append(f"host={self.redirect_host!r}")
        if self.length_delta:
            parts.append(f"delta={self.length_delta:+d}")
        if self.job_status is not None:
            parts.append(repr(self.job_status))
        if self.after_processing:
            parts.append("after_processing=True")
        return f"{self.kind}({', '.join(parts)})"


def _json_bytes(value: Any) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":")).encode("utf-8")


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
    """The armed faults. Not thread-safe by itself: the gateway holds its lock."""

    def __init__(self) -> None:
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
        self._rate = float(rate)
        self._rate_faults = chosen
        self._rate_on = check_target(on)
        self._rng = random.Random(seed)

    def clear(self) -> None:
        self._queue.clear()
        self._rate = 0.0
        self._rate_faults = ()

    @property
    def pending(self) -> int:
        """One-shot faults still armed (a fault armed forever counts once)."""
        return sum(1 if a.remaining is None else a.remaining for a in self._queue)

    def pick(self, origin: str, operation: str | None, path: str) -> Fault | None:
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
