"""The way back to the client of one request: stamping, silence, broken connections.

A :class:`Link` knows the request it answers (its id, method, path, the
connection under it) and offers the primitives the delivery of answers and
faults is made of: start an answer, send body bytes, stay silent, kill the
connection, compute a redirect's target.
"""

from __future__ import annotations

import asyncio
from typing import Final

import attrs
from starlette.types import Send

from ._answers import Answer
from ._faults import Fault
from ._server import Connection

__all__ = ["Link"]

_KILL_WAIT: Final = 2.0


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

    def need_conn(self, what: str) -> Connection:
        if self.conn is None:
            raise RuntimeError(
                f"{what} needs a real connection: run the fake gateway with "
                "FakeGateway.serve() (not in-process through an ASGI transport)"
            )
        return self.conn

    async def kill(self, *, reset: bool = False) -> None:
        """Break the connection and wait until it is gone."""
        conn = self.need_conn("reset" if reset else "dropping the connection")
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
