"""HTTP answers not yet sent, and the gateway's normalised error envelope.

An :class:`Answer` is built by the routes and by the faults, then stamped
with the request's id and sent by :mod:`._delivery`; keeping it apart lets
the fault catalogue build envelopes without importing the delivery machinery.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable
from typing import Any, Final

import attrs

__all__ = ["Answer", "envelope", "error_answer"]

_NO_PAYLOAD: Final = object()


def _once(data: bytes) -> Callable[[], Generator[bytes, None, None]]:
    def chunks() -> Generator[bytes, None, None]:
        if data:
            yield data

    return chunks


@attrs.define(kw_only=True)
class Answer:
    """An HTTP answer not yet sent: status, headers, and its body as chunks."""

    status: int
    headers: list[tuple[str, str]]
    size: int
    chunks: Callable[[], Generator[bytes, None, None]]
    declare_length: bool = True  # False: chunked transfer encoding
    payload: Any = _NO_PAYLOAD  # the JSON value, for faults that reshape it
    # An error envelope whose request_id is filled in when it is sent.
    needs_request_id: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Answer:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        answer = cls.raw(status, body, "application/json", headers)
        answer.payload = payload
        return answer

    @classmethod
    def raw(
        cls,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> Answer:
        hdrs = [] if content_type is None else [("content-type", content_type)]
        hdrs.extend((k.lower(), v) for k, v in headers)
        return cls(status=status, headers=hdrs, size=len(body), chunks=_once(body))

    def body_bytes(self) -> bytes:
        return b"".join(self.chunks())


_RETRYABLE: Final = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def envelope(
    status: int,
    code: Any,
    *,
    reason: str | None = None,
    message: str | None = None,
    origin: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The gateway's normalised error body (shared/upstream examples/error-normalized.json).

    ``request_id`` is left out: it is filled in when the answer is sent, from
    the request it answers. ``fields`` add to or override the defaults
    (``retryable``, ``error_type``, ``details``, ``min_usd``...).
    """
    user = status < 500
    body: dict[str, Any] = {
        "status_code": status,
        "error": code,
        "error_type": "user" if user else "system",
        "error_origin": origin or ("user" if user else "gateway"),
    }
    if message is not None:
        body["message"] = message
    if reason is not None:
        body["reason"] = reason
    body["retryable"] = status in _RETRYABLE
    body.update(fields)
    return body


def error_answer(
    status: int,
    code: str,
    reason: str,
    headers: Iterable[tuple[str, str]] = (),
    *,
    message: str | None = None,
    **fields: Any,
) -> Answer:
    """An error in the normalised envelope, with the human text in ``message`` and ``reason``."""
    payload = envelope(status, code, reason=reason, message=message or reason, **fields)
    answer = Answer.json(status, payload, headers)
    answer.needs_request_id = True
    return answer
