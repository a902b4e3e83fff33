"""The catalogue of faults the fake gateway can be told to commit.

A :class:`Fault` is a value: what goes wrong and when (before or after the
request is processed). Arming faults is :mod:`._fault_book`'s job, playing
them on the wire :mod:`._delivery`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from . import _fault_args as check
from ._answers import envelope as error_envelope

__all__ = ["Fault", "FaultKind"]

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
# Kinds that reshape the real answer, so the request must be processed first.
_NEEDS_ANSWER: Final = frozenset(
    {"truncated_json", "lying_length", "unknown_status", "extra_fields"}
)


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
        raw, content_type = check.error_body(body)
        return cls(
            kind="status",
            status_code=check.error_status(code, retry_after),
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
        return cls(
            kind="status",
            status_code=check.error_status(status, retry_after),
            retry_after=retry_after,
            headers=tuple((headers or {}).items()),
            after_processing=after_processing,
            envelope=error_envelope(status, error, reason=reason, message=message, **fields),
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
        check.status_code(status, 400)
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
            status_code=check.status_code(status),
            body=body.encode("utf-8"),
            content_type=content_type,
            after_processing=after_processing,
        )

    @classmethod
    def html(cls, status: int = 502, *, after_processing: bool = False) -> Fault:
        """An HTML error page, as a proxy in front of the gateway sends one."""
        code = check.status_code(status)
        return cls(
            kind="text",
            status_code=code,
            body=check.html_page(code),
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
        return cls(
            kind="drop", mid_body=check.mid_body(mid_body), after_processing=after_processing
        )

    @classmethod
    def reset(cls, *, mid_body: bool | int = False, after_processing: bool = False) -> Fault:
        """Abort the connection with a TCP reset (``httpx.ReadError``); ``mid_body`` as in drop."""
        return cls(
            kind="reset", mid_body=check.mid_body(mid_body), after_processing=after_processing
        )

    @classmethod
    def delay(cls, seconds: float, *, after_processing: bool = False) -> Fault:
        """Answer normally, ``seconds`` (real time) late."""
        return cls(
            kind="delay",
            seconds=check.seconds(seconds, "seconds", allow_none=False),
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
            seconds=check.seconds(seconds, "seconds", allow_none=True),
            mid_body=check.mid_body(mid_body),
            after_processing=after_processing,
        )

    # -- the real answer, reshaped (always after processing) ---------------------

    @classmethod
    def truncated_json(cls, *, status: int | None = None) -> Fault:
        """The real JSON answer cut in half, sent whole (a consistent
        ``Content-Length``), with the real status or ``status``."""
        return cls(
            kind="truncated_json",
            status_code=None if status is None else check.status_code(status),
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
        return f"{self.kind}({', '.join(_described_parts(self))})"


def _described_parts(fault: Fault) -> list[str]:
    """What ``Fault.describe`` shows of ``fault``: the fields that differ from a plain fault."""
    parts: list[str] = []
    if fault.kind in ("status", "text", "redirect") and fault.status_code is not None:
        parts.append(str(fault.status_code))
    if fault.envelope is not None:
        error = fault.envelope.get("error")
        parts.append(repr(error if isinstance(error, str) else "error object"))
    if fault.retry_after is not None:
        parts.append(f"retry_after={fault.retry_after!r}")
    if fault.seconds is not None:
        parts.append(f"seconds={fault.seconds:g}")
    if fault.mid_body is not False:
        parts.append(f"mid_body={fault.mid_body!r}")
    if fault.location is not None:
        parts.append(f"location={fault.location!r}")
    if fault.redirect_host is not None:
        parts.append(f"host={fault.redirect_host!r}")
    if fault.length_delta:
        parts.append(f"delta={fault.length_delta:+d}")
    if fault.job_status is not None:
        parts.append(repr(fault.job_status))
    if fault.after_processing:
        parts.append("after_processing=True")
    return parts
