"""Sending an answer, with or without a fault in the way.

The fault's effect on the wire lives here (replace the answer, reshape it,
lie about its length, cut it mid-body, stall, drop or reset the
connection); what a fault *is* lives in :mod:`._faults`.
"""

from __future__ import annotations

import http
from collections.abc import Generator

from ._answers import Answer, error_answer
from ._faults import Fault
from ._link import Link

__all__ = ["deliver", "send_answer", "strike_before"]


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
    conn = link.need_conn("a lying Content-Length")
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
    link.need_conn(f"{kind} mid-body")
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
