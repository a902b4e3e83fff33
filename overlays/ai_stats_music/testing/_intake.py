"""How a request enters the fake gateway, before any route sees it.

Each origin (the API, the audio files) is an :class:`OriginApp`, an ASGI
application. Every request is read whole, recorded, and may meet an armed
fault; then the API checks what the gateway checks first (body size, bearer
key, the feature switch) and only then hands it to the Starlette routes.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import types
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from ._answers import Answer, error_answer
from ._clock import Clock
from ._delivery import deliver, strike_before
from ._fault_book import FaultBook
from ._faults import Fault
from ._link import Link
from ._request_log import Origin, RecordedRequest, RequestLog
from ._server import ConnectionRegistry, ServerThread

__all__ = ["MUSIC_DISABLED_BODY", "Intake", "OriginApp", "Reply", "RequestContext", "context_of"]

_CONTEXT_KEY: Final = "ai_stats_music.testing.context"
_MAX_BODY: Final = 1024 * 1024
_CREATE_PATH: Final = re.compile(r"^/v1/music/(?:generate|generations)$")
_STATUS_PATH: Final = re.compile(r"^/v1/music/(?:generate|generations)/([^/]+)$")
_AUDIO_PATH: Final = re.compile(r"^/(audio|stream|image)/([^/]+)/(\d+)\.(?:wav|png|mp3|ogg)$")
#: The body of every music operation while the feature is switched off
#: (shared/upstream examples/error-feature-disabled-501.json, verbatim).
MUSIC_DISABLED_BODY: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        "error": "not_implemented",
        "reason": "feature_temporarily_disabled",
        "feature": "music",
        "message": "music endpoints are temporarily disabled.",
    }
)


@attrs.define(kw_only=True)
class RequestContext:
    """What a route needs of its request beyond Starlette's: the way back, the fault, the record."""

    link: Link
    fault: Fault | None
    record: RecordedRequest


def context_of(request: Request) -> RequestContext:
    context: RequestContext = request.scope[_CONTEXT_KEY]
    return context


class Reply(Response):
    """A Starlette response that goes out through the fault machinery."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(status_code=answer.status)
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context: RequestContext = scope[_CONTEXT_KEY]
        await deliver(context.link, self.answer, context.fault)


class _ClientGone(Exception):
    pass


def _header_map(raw: Iterable[tuple[bytes, bytes]]) -> Mapping[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, val = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {val}" if key in headers else val
    return types.MappingProxyType(headers)


def _classify(origin: Origin, method: str, path: str) -> tuple[str | None, str | None]:
    if origin == "api":
        if _CREATE_PATH.match(path):
            return ("create" if method == "POST" else None), None
        m = _STATUS_PATH.match(path)
        if m:
            return ("status" if method in ("GET", "HEAD") else None), m.group(1)
        return None, None
    m = _AUDIO_PATH.match(path)
    if m:
        return ("image" if m.group(1) == "image" else "audio"), m.group(2)
    return None, None


def _server_address(raw: Any) -> tuple[str, int | None] | None:
    if not raw:
        return None
    host, port = raw[0], raw[1] if len(raw) > 1 else None
    return str(host), None if port is None else int(port)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is larger than allowed."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= _MAX_BODY:
            parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts) if size <= _MAX_BODY else None


def _peer(raw: Any) -> tuple[str, int] | None:
    if isinstance(raw, list | tuple) and len(raw) == 2:
        return (str(raw[0]), int(raw[1]))
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class OriginApp:
    """The ASGI application of one origin: records, arms faults, then routes.

    ``registry`` and ``server`` are set while the gateway serves (the live
    connections of this origin, the thread whose shutdown ends stalls):
    without them (in-process use) faults that need the connection cannot be
    played.
    """

    def __init__(self, intake: Intake, origin: Origin, routes: list[Route]) -> None:
        self.intake = intake
        self.origin: Origin = origin
        self.registry: ConnectionRegistry | None = None
        self.server: ServerThread | None = None
        self.inner = Starlette(routes=routes, exception_handlers={HTTPException: self._http_error})

    def _http_error(self, request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        if self.origin == "audio":
            return Reply(Answer.raw(code, b"Not Found", "text/plain; charset=utf-8"))
        slug = {404: "not_found", 405: "method_not_allowed"}.get(code, "error")
        reason = f"no operation {request.method} {request.url.path}"
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        return Reply(error_answer(code, slug, reason, headers.items()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            with contextlib.suppress(_ClientGone):
                await self.intake.handle(self, scope, receive, send)

    def link(self, scope: Scope, send: Send, headers: Mapping[str, str]) -> Link:
        """The way back to the client of the request in ``scope``."""
        registry, server = self.registry, self.server
        return Link(
            send=send,
            method=scope["method"],
            conn=registry.get(scope.get("client")) if registry is not None else None,
            stopping=server.stopping if server is not None else None,
            scheme=str(scope.get("scheme", "http")),
            server=_server_address(scope.get("server")),
            host_header=headers.get("host"),
            path=scope["path"],
            query=bytes(scope.get("query_string", b"")).decode("latin-1"),
        )


@attrs.define(kw_only=True)
class Intake:
    """The checks and the bookkeeping every request goes through, on either origin.

    ``music_disabled`` is the gateway's feature switch (read per request).
    """

    api_key: str = attrs.field(repr=False)
    clock: Clock
    lock: threading.RLock
    log: RequestLog
    faults: FaultBook
    request_id_header: bool
    music_disabled: bool

    def _authorized(self, value: str | None) -> bool:
        if value is None:
            return False
        scheme, _, token = value.strip().partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode("utf-8", "replace"), self.api_key.encode("utf-8")
        )

    def _arrive(self, app: OriginApp, link: Link, record: RecordedRequest) -> RecordedRequest:
        """Give the request its id and its fault, and record it: one step under the lock,
        so that the faults drawn follow the order of the records."""
        with self.lock:
            link.request_id = self.log.next_request_id() if app.origin == "api" else None
            link.id_on_success = self.request_id_header
            fault = self.faults.pick(app.origin, record.operation, record.path)
            return self.log.add(attrs.evolve(record, fault=fault, request_id=link.request_id))

    async def handle(self, app: OriginApp, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _header_map(scope.get("headers", []))
        link = app.link(scope, send, headers)
        body = await _read_body(receive)
        operation, job_id = _classify(app.origin, link.method, link.path)
        arrived = RecordedRequest(
            seq=-1,
            origin=app.origin,
            operation=operation,
            method=link.method,
            path=link.path,
            query=link.query,
            headers=headers,
            body=body or b"",
            time=self.clock(),
            fault=None,
            job_id=job_id,
            peer=_peer(scope.get("client")),
        )
        record = self._arrive(app, link, arrived)
        fault = record.fault
        if fault is not None and not fault.processed:
            if not await strike_before(link, fault):
                return
            fault = None
        refusal = self._refusal(app, body, headers, operation)
        if refusal is not None:
            await deliver(link, refusal, fault)
            return
        scope[_CONTEXT_KEY] = RequestContext(link=link, fault=fault, record=record)
        await app.inner(scope, _replay(body or b"", receive), send)

    def _refusal(
        self, app: OriginApp, body: bytes | None, headers: Mapping[str, str], operation: str | None
    ) -> Answer | None:
        """The answer of a request refused before routing: too large, unauthorised, disabled."""
        if body is None:
            return error_answer(413, "payload_too_large", f"body: larger than {_MAX_BODY} bytes")
        if app.origin != "api":
            return None
        if not self._authorized(headers.get("authorization")):
            return error_answer(
                401,
                "unauthorised",
                "missing or invalid API key: send Authorization: Bearer <key>",
                [("www-authenticate", 'Bearer realm="phaseo"')],
            )
        if operation is not None and self.music_disabled:
            return Answer.json(501, dict(MUSIC_DISABLED_BODY), [("cache-control", "no-store")])
        return None
