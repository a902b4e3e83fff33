"""Sending an answer, with or without a fault in the way."""

from __future__ import annotations

import asyncio
import http
import json
from collections.abc import Callable, Generator, Iterable
from typing import Any, Final

import attrs
from starlette.types import Send

from ._faults import Fault
from ._server import Connection

__all__ = [
    "Answer",
    "Link",
    "deliver",
    "envelope",
    "error_answer",
    "send_answer",
    "strike_before",
]

_NO_PAYLOAD: Final = object()
_KILL_WAIT: Final = 2.0


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


@attrs.define(kw_only=True)
class Link:
    """The way back to the client of one request."""

    send: Send
    method: str
    conn: Connection | None
    stopping: asyncio.Event | None
    scheme: str
    server: tuple[str, int | None] | None
    host_header: str | None
    path: str
    query: str
    request_id: str | None = None  # API origin only: the gateway's id of this request
    id_on_success: bool = True  # send X-Request-Id on 2xx/3xx answers too

    def stamp(self, answer: Answer) -> Answer:
        """``answer`` with this request's id: in the error envelope, and as ``X-Request-Id``."""
        rid = self.request_id
        if rid is None:
            return answer
        if answer.needs_request_id and isinstance(answer.payload, dict):
            payload = answer.payload
            if "request_id" not in payload:
                payload = {"request_id": rid, **payload}
            fresh = Answer.json(answer.status, payload)
            answer = attrs.evolve(fresh, headers=list(answer.headers), needs_request_id=False)
        names = {k for k, _ in answer.headers}
        extra: list[tuple[str, str]] = []
        if "x-request-id" not in names and (answer.status >= 400 or self.id_on_success):
            extra.append(("x-request-id", rid))
        if answer.status >= 400 and "x-gateway-error-origin" not in names:
            origin = (
                answer.payload.get("error_origin") if isinstance(answer.payload, dict) else None
            )
            extra.append(("x-gateway-error-origin", str(origin or "gateway")))
        if extra:
            answer = attrs.evolve(answer, headers=[*answer.headers, *extra])
        return answer

    def _need_conn(self, what: str) -> Connection:
        if self.conn is None:
            raise RuntimeError(
                f"{what} needs a real connection: run the fake gateway with "
                "FakeGateway.serve() (not in-process through an ASGI transport)"
            )
        return self.conn

    async def kill(self, *, reset: bool = False) -> None:
        """Break the connection and wait until it is gone."""
        conn = self._need_conn("reset" if reset else "dropping the connection")
        if reset:
            await conn.flushed(_KILL_WAIT)  # what was sent reaches the client before the RST
        conn.close(reset=reset)
        try:
            await asyncio.wait_for(conn.lost.wait(), _KILL_WAIT)
        except TimeoutError:  # a client that does not read blocks the flush: force it
            conn.transport.abort()
            await asyncio.wait_for(conn.lost.wait(), _KILL_WAIT)

    async def wait(self, seconds: float | None) -> bool:
        """Stay silent for ``seconds`` (None: for ever). True if the time ran out,
        False if the client went away or the gateway is stopping first."""
        events = [e for e in (self.conn.lost if self.conn else None, self.stopping) if e]
        if not events:
            if seconds is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(seconds)
            return True
        tasks = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            done, _ = await asyncio.wait(
                tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in tasks:
                task.cancel()
        return not done

    async def start(self, answer: Answer, *, length: int | None = None) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
        if answer.declare_length:
            declared = answer.size if length is None else length
            headers.append((b"content-length", str(declared).encode("ascii")))
        await self.send(
            {"type": "http.response.start", "status": answer.status, "headers": headers}
        )

    async def body(self, data: bytes, *, more: bool) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    def redirect_location(self, fault: Fault) -> str:
        if fault.location is not None:
            return fault.location
        host, port = self.server or ("127.0.0.1", None)
        if self.host_header:
            name, _, maybe_port = self.host_header.rpartition(":")
            if name and maybe_port.isdigit():
                host, port = name, int(maybe_port)
            else:
                host = self.host_header
        host = fault.redirect_host or host
        port = fault.redirect_port or port
        scheme = fault.redirect_scheme or self.scheme
        netloc = host if port is None else f"{host}:{port}"
        query = f"?{self.query}" if self.query else ""
        return f"{scheme}://{netloc}{self.path}{query}"


class _Cursor:
    """Reads an answer's chunks in pieces of a chosen size."""

    def __init__(self, chunks: Generator[bytes, None, None]) -> None:
        self._chunks = chunks
        self._buf = b""

    def take(self, limit: int | None) -> bytes:
        while not self._buf:
            nxt = next(self._chunks, None)
            if nxt is None:
                return b""
            self._buf = nxt
        if limit is None or len(self._buf) <= limit:
            piece, self._buf = self._buf, b""
        else:
            piece, self._buf = self._buf[:limit], self._buf[limit:]
        return piece

    def close(self) -> None:
        self._chunks.close()


async def _pump(link: Link, cursor: _Cursor, limit: int | None) -> None:
    """Send up to ``limit`` body bytes (all with None), leaving the message open."""
    sent = 0
    while limit is None or sent < limit:
        if link.conn is not None and link.conn.lost.is_set():
            return  # the client left: generating the rest would be wasted
        piece = cursor.take(None if limit is None else limit - sent)
        if not piece:
            return
        await link.body(piece, more=True)
        sent += len(piece)


async def send_answer(link: Link, answer: Answer) -> None:
    await link.start(answer)
    if link.method == "HEAD":
        await link.body(b"", more=False)
        return
    cursor = _Cursor(answer.chunks())
    try:
        await _pump(link, cursor, None)
    finally:
        cursor.close()
    await link.body(b"", more=False)


def _replacement(fault: Fault, link: Link) -> Answer:
    """The answer a status, text or redirect fault sends instead of the real one."""
    code = fault.status_code or 500
    if fault.kind == "redirect":
        return Answer.raw(code, b"", None, [("location", link.redirect_location(fault))])
    if fault.kind == "text":
        return Answer.raw(code, fault.body or b"", fault.content_type)
    headers = list(fault.headers)
    if fault.retry_after is not None:
        ra = fault.retry_after
        value = ra if isinstance(ra, str) else (f"{ra:g}" if isinstance(ra, float) else str(ra))
        headers.append(("retry-after", value))
    if fault.envelope is not None:
        answer = Answer.json(code, dict(fault.envelope), headers)
        answer.needs_request_id = True
        return answer
    if fault.body is not None:
        return Answer.raw(code, fault.body, fault.content_type, headers)
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    slug = {429: "rate_limited"}.get(code) or phrase.lower().replace(" ", "_")
    return error_answer(code, slug, f"{phrase} (fault injected by the fake gateway)", headers)


def _reshape(answer: Answer, fault: Fault) -> Answer:
    if fault.kind == "truncated_json":
        data = answer.body_bytes()
        return Answer.raw(
            fault.status_code or answer.status, data[: len(data) // 2], "application/json"
        )
    if isinstance(answer.payload, dict):
        if fault.kind == "unknown_status" and "status" in answer.payload:
            return Answer.json(answer.status, {**answer.payload, "status": fault.job_status})
        if fault.kind == "extra_fields":
            return Answer.json(answer.status, {**answer.payload, **fault.fields})
    return answer


def _cut(answer: Answer, mid_body: bool | int) -> int:
    return answer.size // 2 if mid_body is True else min(int(mid_body), answer.size)


async def _send_lying(link: Link, answer: Answer, delta: int) -> None:
    conn = link._need_conn("a lying Content-Length")
    try:
        phrase = http.HTTPStatus(answer.status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {answer.status} {phrase}"]
    lines += [f"{k}: {v}" for k, v in answer.headers]
    lines += [f"content-length: {max(0, answer.size + delta)}", "connection: close", "", ""]
    ok = await conn.write("\r\n".join(lines).encode("latin-1"))
    if link.method != "HEAD":
        chunks = answer.chunks()
        try:
            for chunk in chunks:
                if not ok:
                    break
                ok = await conn.write(chunk)
        finally:
            chunks.close()
    await link.kill()


async def strike_before(link: Link, fault: Fault) -> bool:
    """Play a fault that strikes before processing. True: go on and process."""
    kind = fault.kind
    if kind in ("delay", "stall"):
        if await link.wait(fault.seconds):
            return True
        await link.kill()
        return False
    if kind in ("drop", "reset"):
        await link.kill(reset=kind == "reset")
        return False
    await send_answer(link, link.stamp(_replacement(fault, link)))
    return False


async def deliver(link: Link, answer: Answer, fault: Fault | None) -> None:
    """Send the real ``answer``, through ``fault`` if one strikes after processing."""
    answer = link.stamp(answer)
    if fault is None:
        await send_answer(link, answer)
        return
    kind = fault.kind
    if kind in ("status", "text", "redirect"):
        await send_answer(link, link.stamp(_replacement(fault, link)))
        return
    if kind in ("truncated_json", "unknown_status", "extra_fields"):
        await send_answer(link, link.stamp(_reshape(answer, fault)))
        return
    if kind == "lying_length":
        await _send_lying(link, answer, fault.length_delta)
        return
    if fault.mid_body is False:
        if kind in ("drop", "reset"):
            await link.kill(reset=kind == "reset")
        elif await link.wait(fault.seconds):  # delay, stall
            await send_answer(link, answer)
        else:
            await link.kill()
        return
    # Mid-body: the headers and part of the body, then the fault.
    link._need_conn(f"{kind} mid-body")
    cut = _cut(answer, fault.mid_body)
    cursor = _Cursor(answer.chunks())
    try:
        await link.start(answer)
        await _pump(link, cursor, cut)
        if kind in ("drop", "reset"):
            await link.kill(reset=kind == "reset")
            return
        if not await link.wait(fault.seconds):
            await link.kill()
            return
        await _pump(link, cursor, None)
        await link.body(b"", more=False)
    finally:
        cursor.close()
