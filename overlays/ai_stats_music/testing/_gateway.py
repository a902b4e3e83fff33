"""The fake gateway: the music API and a separate audio origin, scripted and faulty on demand."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Final, Literal, Self, TypeAlias

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._not_given import NOT_GIVEN
from ._clock import Clock
from ._delivery import Answer, Link, deliver, envelope, error_answer, strike_before
from ._faults import Fault, FaultBook, Target
from ._media import AUDIO_TYPES, PNG, audio_bytes, frames_for, wav_chunks, wav_size
from ._providers import (
    Provider,
    create_result,
    create_usage,
    inline_audio,
    matches_prefix,
    sync_provider,
)
from ._scripts import DEFAULT_ERROR, DEFAULT_SCRIPT, Clip, JobScript, PhaseLike
from ._server import ConnectionRegistry, ServerThread
from ._validation import (
    InvalidRequest,
    effective_prompts,
    parse_create_body,
    prepare,
    split_model,
)

__all__ = ["DEFAULT_API_KEY", "FakeClip", "FakeGateway", "FakeJob", "Origin", "RecordedRequest"]

DEFAULT_API_KEY: Final = "sk-test-fake"
Origin: TypeAlias = Literal["api", "audio"]

_CONTEXT_KEY: Final = "ai_stats_music.testing.context"
_MAX_BODY: Final = 1024 * 1024
_DEFAULT_DURATION: Final = 8
# Where clips point when the gateway is used in-process (no server running).
_IN_PROCESS_API: Final = "http://fake-gateway.test/v1"
_IN_PROCESS_AUDIO: Final = "http://fake-audio.test"

_CREATE_PATH: Final = re.compile(r"^/v1/music/(?:generate|generations)$")
_STATUS_PATH: Final = re.compile(r"^/v1/music/(?:generate|generations)/([^/]+)$")
_AUDIO_PATH: Final = re.compile(r"^/(audio|stream|image)/([^/]+)/(\d+)\.(?:wav|png|mp3|ogg)$")
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
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
JobIds: TypeAlias = Literal["request", "task"]


# -- what tests can read --------------------------------------------------------------


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


@attrs.frozen(kw_only=True)
class FakeClip:
    """A clip of a fake job, as fixed when the job was created."""

    job_id: str
    index: int
    id: str
    title: str
    tags: str
    duration: float
    frames: int
    extra_fields: Mapping[str, Any]

    @property
    def audio_size(self) -> int:
        """The size in bytes of the clip's WAV file."""
        return wav_size(self.frames)

    @property
    def audio_path(self) -> str:
        return f"/audio/{self.job_id}/{self.index}.wav"

    @property
    def stream_path(self) -> str:
        return f"/stream/{self.job_id}/{self.index}.wav"

    @property
    def image_path(self) -> str:
        return f"/image/{self.job_id}/{self.index}.png"


@attrs.frozen(kw_only=True)
class FakeJob:
    """A job the fake gateway created: the request, the script it follows, its audio.

    ``route`` is ``"queued"`` (the 2025 flow: a timeline, then ``clips``) or
    ``"sync"`` (a synchronous provider: the create answers ``final``, with one
    audio of ``audio_format`` and ``audio_size`` bytes, inline or at
    ``audio_path`` on the audio origin).
    """

    id: str
    provider: str
    model: str
    native_model: str
    request: Mapping[str, Any]
    script: JobScript
    created_at: float
    clips: tuple[FakeClip, ...]
    route: Literal["queued", "sync"] = "queued"
    native_id: str | None = None
    delivery: Literal["inline", "url"] | None = None
    audio_format: str | None = None
    audio_size: int = 0
    audio_seconds: float = 0.0
    result: Mapping[str, Any] | None = None
    create_usage: Mapping[str, Any] | None = None
    answered: threading.Event = attrs.field(factory=threading.Event, eq=False, repr=False)
    """Set once a synchronous create has finished generating (its answer is on its way)."""

    def status_at(self, now: float) -> str:
        if self.route == "sync":
            return self.script.final if self.answered.is_set() else "in_progress"
        return self.script.status_after(now - self.created_at)

    @property
    def audio_path(self) -> str:
        """Where a synchronous job's audio is on the audio origin."""
        return f"/audio/{self.id}/0.{self.audio_format or 'wav'}"

    def audio(self) -> bytes:
        """A synchronous job's audio file (empty for a queued job: see ``clips``)."""
        if self.audio_format is None:
            return b""
        return audio_bytes(self.audio_format, self.audio_size)


@attrs.define
class _ScriptRule:
    script: JobScript
    prompt: str | None
    match: Callable[[Mapping[str, Any]], bool] | None
    remaining: int | None


@attrs.define(kw_only=True)
class _Context:
    link: Link
    fault: Fault | None
    record: RecordedRequest


class _ClientGone(Exception):
    pass


# -- small helpers -------------------------------------------------------------------------


def _number(value: float) -> float:
    """8.0 -> 8 (the API shows whole seconds as integers)."""
    return int(value) if float(value).is_integer() else value


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


class _Reply(Response):
    """A Starlette response that goes out through the fault machinery."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(status_code=answer.status)
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context: _Context = scope[_CONTEXT_KEY]
        await deliver(context.link, self.answer, context.fault)


def _context(request: Request) -> _Context:
    context: _Context = request.scope[_CONTEXT_KEY]
    return context


class _Site:
    """The ASGI application of one origin: records, arms faults, then routes."""

    def __init__(self, gateway: FakeGateway, origin: Origin, routes: list[Route]) -> None:
        self.gateway = gateway
        self.origin: Origin = origin
        self.registry: ConnectionRegistry | None = None
        self.inner = Starlette(routes=routes, exception_handlers={HTTPException: self._http_error})

    def _http_error(self, request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        if self.origin == "audio":
            return _Reply(Answer.raw(code, b"Not Found", "text/plain; charset=utf-8"))
        slug = {404: "not_found", 405: "method_not_allowed"}.get(code, "error")
        reason = f"no operation {request.method} {request.url.path}"
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        return _Reply(error_answer(code, slug, reason, headers.items()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            with contextlib.suppress(_ClientGone):
                await self.gateway._handle(self, scope, receive, send)


# -- the gateway ---------------------------------------------------------------------------


class FakeGateway:
    """A fake Phaseo (formerly AI Stats) Gateway music API, for tests, demos and benchmarks.

    Two ASGI applications (Starlette): the API (``app``: ``POST /v1/music/generate``
    and ``/v1/music/generations``, ``GET /v1/music/generate/{id}`` and
    ``/v1/music/generations/{id}``) and the audio origin (``audio_app``) that the
    clips' URLs point to. ``serve()`` runs both as real HTTP servers on
    127.0.0.1 (two ports, one background thread)::

        with FakeGateway(clock=VirtualClock()).serve() as gw:
            httpx.post(f"{gw.base_url}/music/generate", headers=gw.auth_headers, json=...)

    It answers like today's gateway, by model prefix: ``eleven-labs/`` and
    ``google/lyria`` create ``completed`` with the audio inline
    (``audio_base64``), ``minimax/`` ``completed`` with an ``audio_url`` on the
    audio origin, each after holding the request open for the job's generation
    time (real time: ``generation_seconds``); the status operation then serves
    the stored copy. Every other model, Suno's included, is refused like a
    disabled model of the catalogue (400 ``not_supported``), unless its prefix
    is in ``queued`` (``"*"``: every model): those get the 2025 queued flow,
    ``queued`` -> ``in_progress`` -> ``completed`` with clips, along a
    :class:`JobScript` timeline on ``clock``.

    The API checks what the real gateway checks (bearer key, the spec's schema,
    Suno's rules, the provider's formats); every error is the normalised
    envelope with ``request_id`` and an ``X-Request-Id`` header (also sent on
    success unless ``request_id_header=False``); ``music_disabled`` makes every
    music operation answer the 501 of a switched-off feature. Job ids are the
    gateway's request ids (``G-`` and a ULID), or ``task_000001``... with
    ``job_ids="task"``. Faults are armed with :meth:`inject` and
    :meth:`fault_rate`. Everything received is recorded (:attr:`requests`).
    All methods are thread-safe.

    ``default_queued`` and ``default_job_ids`` are what ``queued`` and
    ``job_ids`` default to: a test suite written for the 2025 gateway can set
    them once (say, in its ``conftest.py``) for every gateway it makes.
    """

    default_queued: ClassVar[tuple[str, ...]] = ()
    default_job_ids: ClassVar[JobIds] = "request"

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        clock: Clock | None = None,
        default_script: JobScript | None = None,
        shutdown_grace: float = 1.0,
        queued: Iterable[str] | None = None,
        job_ids: JobIds | None = None,
        generation_seconds: float = 0.05,
        inline_audio_size: int = 4096,
        request_id_header: bool = True,
        music_disabled: bool = False,
    ) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be a non-empty string")
        prefixes = type(self).default_queued if queued is None else queued
        if isinstance(prefixes, str):
            raise TypeError("queued must be a collection of model prefixes, not a string")
        self._queued = tuple(prefixes)
        for prefix in self._queued:
            if not isinstance(prefix, str) or not prefix:
                raise ValueError(f"queued prefixes must be non-empty strings, got {prefix!r}")
        ids = type(self).default_job_ids if job_ids is None else job_ids
        if ids not in ("request", "task"):
            raise ValueError(f"job_ids must be 'request' or 'task', got {ids!r}")
        self._job_ids: JobIds = ids
        if isinstance(generation_seconds, bool) or not (
            isinstance(generation_seconds, int | float) and 0 <= generation_seconds < float("inf")
        ):
            raise ValueError(
                f"generation_seconds must be a number >= 0, got {generation_seconds!r}"
            )
        self._generation_seconds = float(generation_seconds)
        if type(inline_audio_size) is not int or inline_audio_size < 64:
            raise ValueError(f"inline_audio_size must be an int >= 64, got {inline_audio_size!r}")
        self._inline_audio_size = inline_audio_size
        self._request_id_header = bool(request_id_header)
        self._music_disabled = bool(music_disabled)
        self._id_base = secrets.randbits(48)
        self._in_flight = 0
        self._peak_in_flight = 0
        self._api_key = api_key
        self._clock: Clock = clock if clock is not None else time.monotonic
        self._default_script = default_script if default_script is not None else DEFAULT_SCRIPT
        self._grace = shutdown_grace
        self._lock = threading.Lock()
        self._faults = FaultBook()
        self._rules: list[_ScriptRule] = []
        self._jobs: dict[str, FakeJob] = {}
        self._job_seq = 0
        self._request_seq_ids = 0
        self._requests: list[RecordedRequest] = []
        self._request_seq = 0
        self._server: ServerThread | None = None
        self._urls: tuple[str, str] | None = None
        self._api = _Site(
            self,
            "api",
            [
                Route(path, self._create, methods=["POST"])
                for path in ("/v1/music/generate", "/v1/music/generations")
            ]
            + [
                Route(path, self._status, methods=["GET"])
                for path in ("/v1/music/generate/{music_id}", "/v1/music/generations/{music_id}")
            ],
        )
        self._audio = _Site(
            self,
            "audio",
            [
                Route("/audio/{job_id}/{index:int}.wav", self._clip_audio, methods=["GET"]),
                Route("/audio/{job_id}/{index:int}.mp3", self._clip_audio, methods=["GET"]),
                Route("/audio/{job_id}/{index:int}.ogg", self._clip_audio, methods=["GET"]),
                Route("/stream/{job_id}/{index:int}.wav", self._clip_audio, methods=["GET"]),
                Route("/image/{job_id}/{index:int}.png", self._clip_image, methods=["GET"]),
            ],
        )

    # -- running -----------------------------------------------------------------------

    def start(self) -> Self:
        """Serve both origins on free loopback ports (returns once they accept).

        The first start in a process also builds the request validator (about
        half a second, mostly importing openapi-schema-validator); later starts
        take a few milliseconds.
        """
        prepare()
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the fake gateway is already serving")
            self._api.registry, self._audio.registry = ConnectionRegistry(), ConnectionRegistry()
            server = ServerThread(
                [(self._api, self._api.registry), (self._audio, self._audio.registry)],
                grace=self._grace,
            )
            self._server = server
        try:
            api_port, audio_port = server.start()
        except BaseException:
            with self._lock:
                self._server = None
            raise
        with self._lock:
            self._urls = (f"http://127.0.0.1:{api_port}/v1", f"http://127.0.0.1:{audio_port}")
        return self

    def stop(self) -> None:
        """Stop serving: uvicorn shuts down, open connections close, the thread ends."""
        with self._lock:
            server = self._server
        if server is None:
            return
        try:
            server.stop()
        finally:
            with self._lock:
                self._server = None
                self._urls = None
                self._api.registry = self._audio.registry = None

    @contextlib.contextmanager
    def serve(self) -> Iterator[Self]:
        """``with gw.serve():`` -- :meth:`start`, then :meth:`stop` on the way out."""
        self.start()
        try:
            yield self
        finally:
            self.stop()

    @property
    def running(self) -> bool:
        server = self._server
        return server is not None and server.running

    def _served_urls(self) -> tuple[str, str]:
        urls = self._urls
        if urls is None:
            raise RuntimeError("the fake gateway is not serving: use `with gw.serve():`")
        return urls

    @property
    def base_url(self) -> str:
        """The API's base URL, like the real ``https://api.phaseo.app/v1``."""
        return self._served_urls()[0]

    @property
    def audio_base_url(self) -> str:
        """The audio origin (another port: downloads cross origins, as in production)."""
        return self._served_urls()[1]

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def queued(self) -> tuple[str, ...]:
        """The model prefixes served with the 2025 queued flow (``"*"``: every model)."""
        with self._lock:
            return self._queued

    @queued.setter
    def queued(self, prefixes: Iterable[str]) -> None:
        if isinstance(prefixes, str):
            raise TypeError("queued must be a collection of model prefixes, not a string")
        value = tuple(prefixes)
        for prefix in value:
            if not isinstance(prefix, str) or not prefix:
                raise ValueError(f"queued prefixes must be non-empty strings, got {prefix!r}")
        with self._lock:
            self._queued = value

    @property
    def music_disabled(self) -> bool:
        """While True, every music operation answers 501 ``not_implemented``, as the real
        gateway did from May to August 2026 (``Cache-Control: no-store``)."""
        return self._music_disabled

    @music_disabled.setter
    def music_disabled(self, value: bool) -> None:
        self._music_disabled = bool(value)

    @property
    def generation_seconds(self) -> float:
        """How long (real time) a synchronous create holds its request open, unless
        the job's script says otherwise."""
        return self._generation_seconds

    @property
    def creates_in_flight(self) -> int:
        """Synchronous creates being held open right now."""
        with self._lock:
            return self._in_flight

    @property
    def peak_creates_in_flight(self) -> int:
        """The most synchronous creates held open at once (since start or :meth:`reset`)."""
        with self._lock:
            return self._peak_in_flight

    @property
    def app(self) -> ASGIApp:
        """The API as an ASGI application (network faults need :meth:`serve`)."""
        return self._api

    @property
    def audio_app(self) -> ASGIApp:
        """The audio origin as an ASGI application."""
        return self._audio

    def __repr__(self) -> str:
        urls = self._urls
        where = f"serving {urls[0]} and {urls[1]}" if urls else "not serving"
        return f"<FakeGateway {where}, {self.jobs_created} job(s)>"

    # -- scripting jobs ----------------------------------------------------------------

    @property
    def default_script(self) -> JobScript:
        """The script of jobs no :meth:`script` rule matches."""
        with self._lock:
            return self._default_script

    @default_script.setter
    def default_script(self, script: JobScript) -> None:
        if not isinstance(script, JobScript):
            raise TypeError(f"expected a JobScript, got {type(script).__name__}")
        with self._lock:
            self._default_script = script

    def script(
        self,
        script: JobScript | None = None,
        /,
        *,
        prompt: str | None = None,
        match: Callable[[Mapping[str, Any]], bool] | None = None,
        times: int | None = None,
        timeline: Iterable[PhaseLike] | None = None,
        final: Literal["completed", "failed"] | None = None,
        clips: int | Iterable[Clip] | None = None,
        error: Any = NOT_GIVEN,
        extra_fields: Mapping[str, Any] | None = None,
        generation_seconds: float | None = None,
    ) -> JobScript:
        """Script the next job(s): pass a :class:`JobScript`, or its fields
        (the others are taken from :attr:`default_script`).

        Without ``prompt`` or ``match`` the script applies to the next ``times``
        jobs created (default 1). With ``prompt`` it applies to jobs whose
        ``prompt``, ``suno.prompt`` or ``elevenlabs.prompt`` equals it, with
        ``match`` to jobs whose request body it accepts; ``times`` then defaults
        to no limit. The first matching rule wins, in the order they were added.
        Returns the script.
        """
        fields: dict[str, Any] = {
            name: value
            for name, value in (
                ("timeline", timeline),
                ("final", final),
                ("clips", clips),
                ("extra_fields", extra_fields),
                ("generation_seconds", generation_seconds),
            )
            if value is not None
        }
        if error is not NOT_GIVEN:
            fields["error"] = error
        if script is None:
            script = attrs.evolve(self.default_script, **fields)
        elif fields:
            raise TypeError("pass a JobScript or its fields, not both")
        elif not isinstance(script, JobScript):
            raise TypeError(f"expected a JobScript, got {type(script).__name__}")
        if times is None and prompt is None and match is None:
            times = 1
        if times is not None and (type(times) is not int or times < 1):
            raise ValueError(f"times must be an int >= 1 or None, got {times!r}")
        with self._lock:
            self._rules.append(_ScriptRule(script, prompt, match, times))
        return script

    def _pick_script(self, body: Mapping[str, Any]) -> JobScript:  # holds the lock
        prompts = effective_prompts(dict(body))
        for i, rule in enumerate(self._rules):
            if rule.prompt is not None and rule.prompt not in prompts:
                continue
            if rule.match is not None and not rule.match(body):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining == 0:
                    del self._rules[i]
            return rule.script
        return self._default_script

    # -- faults ------------------------------------------------------------------------

    def inject(self, fault: Fault, *, on: Target = "api", times: int | None = 1) -> None:
        """Arm ``fault`` for the next ``times`` requests matching ``on``
        (``None``: every one until :meth:`clear_faults`).

        ``on`` is ``"create"``, ``"status"``, ``"api"``, ``"audio"``, ``"*"`` or a
        path pattern such as ``"/audio/*"``. Armed faults are used in the order
        they were armed; they take precedence over :meth:`fault_rate`.
        """
        with self._lock:
            self._faults.inject(fault, on, times)

    def fault_rate(
        self,
        rate: float,
        faults: Iterable[Fault] | None = None,
        *,
        seed: int | None = None,
        on: Target = "api",
    ) -> None:
        """Hit each request matching ``on`` with probability ``rate``, with a fault
        drawn from ``faults`` (default: 429, 500, 502, 503, dropped connections
        before and mid-body, 10 ms delays). ``seed`` makes the sequence
        reproducible for a given request order. ``rate=0`` turns it off.
        """
        with self._lock:
            self._faults.set_rate(rate, None if faults is None else list(faults), seed, on)

    def clear_faults(self) -> None:
        """Disarm every fault, one-shot and random."""
        with self._lock:
            self._faults.clear()

    @property
    def faults_pending(self) -> int:
        """How many one-shot faults are still armed."""
        with self._lock:
            return self._faults.pending

    # -- what happened -------------------------------------------------------------------

    @property
    def jobs_created(self) -> int:
        """How many jobs were created (since start or :meth:`reset`)."""
        with self._lock:
            return len(self._jobs)

    @property
    def jobs(self) -> tuple[FakeJob, ...]:
        """The jobs created, oldest first."""
        with self._lock:
            return tuple(self._jobs.values())

    def job(self, job_id: str) -> FakeJob:
        """The job ``job_id``; KeyError if there is none."""
        with self._lock:
            return self._jobs[job_id]

    def status_of(self, job_id: str) -> str:
        """The status the gateway would report for ``job_id`` now."""
        return self.job(job_id).status_at(self._clock())

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every request received, in order of arrival."""
        with self._lock:
            return tuple(self._requests)

    def requests_for(
        self,
        *,
        origin: Origin | None = None,
        operation: str | None = None,
        job_id: str | None = None,
    ) -> tuple[RecordedRequest, ...]:
        """The requests received, filtered by origin, operation and/or job id."""
        return tuple(
            r
            for r in self.requests
            if (origin is None or r.origin == origin)
            and (operation is None or r.operation == operation)
            and (job_id is None or r.job_id == job_id)
        )

    def clear_requests(self) -> None:
        """Forget the recorded requests (a long soak run can keep memory flat)."""
        with self._lock:
            self._requests.clear()

    def reset(self) -> None:
        """Forget jobs, requests, script rules and faults (job ids stay unique)."""
        with self._lock:
            self._jobs.clear()
            self._requests.clear()
            self._rules.clear()
            self._faults.clear()
            self._peak_in_flight = self._in_flight

    # -- serving requests ----------------------------------------------------------------

    def _authorized(self, value: str | None) -> bool:
        if value is None:
            return False
        scheme, _, token = value.strip().partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode("utf-8", "replace"), self._api_key.encode("utf-8")
        )

    def _audio_base(self) -> str:
        urls = self._urls
        return urls[1] if urls is not None else _IN_PROCESS_AUDIO

    async def _handle(self, site: _Site, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        headers = _header_map(scope.get("headers", []))
        server = self._server
        registry = site.registry
        raw_server = scope.get("server")
        link = Link(
            send=send,
            method=method,
            conn=registry.get(scope.get("client")) if registry is not None else None,
            stopping=server.stopping if server is not None else None,
            scheme=str(scope.get("scheme", "http")),
            server=_server_address(raw_server),
            host_header=headers.get("host"),
            path=path,
            query=query,
        )
        body = await _read_body(receive)
        operation, job_id = _classify(site.origin, method, path)
        now = self._clock()
        with self._lock:
            request_id = self._next_request_id() if site.origin == "api" else None
            link.request_id = request_id
            link.id_on_success = self._request_id_header
            fault = self._faults.pick(site.origin, operation, path)
            record = RecordedRequest(
                seq=self._request_seq,
                origin=site.origin,
                operation=operation,
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=body or b"",
                time=now,
                fault=fault,
                job_id=job_id,
                peer=_peer(scope.get("client")),
                request_id=request_id,
            )
            self._requests.append(record)
            self._request_seq += 1
        if fault is not None and not fault.processed:
            if not await strike_before(link, fault):
                return
            fault = None
        if body is None:
            reason = f"body: larger than {_MAX_BODY} bytes"
            await deliver(link, error_answer(413, "payload_too_large", reason), fault)
            return
        if site.origin == "api" and not self._authorized(headers.get("authorization")):
            answer = error_answer(
                401,
                "unauthorised",
                "missing or invalid API key: send Authorization: Bearer <key>",
                [("www-authenticate", 'Bearer realm="phaseo"')],
            )
            await deliver(link, answer, fault)
            return
        if site.origin == "api" and operation is not None and self._music_disabled:
            disabled = Answer.json(501, dict(MUSIC_DISABLED_BODY), [("cache-control", "no-store")])
            await deliver(link, disabled, fault)
            return
        scope[_CONTEXT_KEY] = _Context(link=link, fault=fault, record=record)
        await site.inner(scope, _replay(body, receive), send)

    def _next_request_id(self) -> str:  # holds the lock
        """``G-`` and a ULID: 48 bits of wall-clock milliseconds, 80 of identity."""
        self._request_seq_ids += 1
        value = (int(time.time() * 1000) << 80) | (self._id_base << 32) | self._request_seq_ids
        chars = []
        for _ in range(26):
            value, digit = divmod(value, 32)
            chars.append(_CROCKFORD[digit])
        return "G-" + "".join(reversed(chars))

    def _is_queued(self, model: str) -> bool:
        with self._lock:
            return matches_prefix(model, self._queued)

    async def _create(self, request: Request) -> Response:
        context = _context(request)
        try:
            body = parse_create_body(context.record.body)
        except InvalidRequest as exc:
            return _Reply(error_answer(400, "validation_error", exc.reason))
        model: str = body["model"]
        if self._is_queued(model):
            return self._queued_create(body, context)
        provider = sync_provider(model)
        if provider is None:
            return _Reply(
                error_answer(
                    400,
                    "not_supported",
                    "model_not_available",
                    message=f"The model {model[:80]!r} is not available: no active provider "
                    "serves it.",
                    origin="gateway",
                    param="model",
                )
            )
        fmt = provider.audio_format(body.get("format"))
        if fmt is None:
            refusal = Answer.json(
                400,
                envelope(400, provider.refusal(body.get("format")), origin="upstream"),
            )
            refusal.needs_request_id = True
            return _Reply(refusal)
        job = self._new_job(body, request_id=context.record.request_id, provider=provider, fmt=fmt)
        context.link.request_id = job.id
        hold = job.script.generation_seconds
        await self._hold(context.link, self._generation_seconds if hold is None else hold)
        job.answered.set()
        return _Reply(Answer.json(200, self._sync_create_payload(job)))

    async def _hold(self, link: Link, seconds: float) -> None:
        """Keep the create open while the provider "generates" (real time).

        A client that hangs up does not stop the generation (the job is paid
        for and completes anyway); a gateway that is stopping does.
        """
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
        try:
            loop = asyncio.get_running_loop()
            end = loop.time() + seconds
            if not await link.wait(seconds):
                stopping = link.stopping is not None and link.stopping.is_set()
                if not stopping:
                    await asyncio.sleep(max(0.0, end - loop.time()))
        finally:
            with self._lock:
                self._in_flight -= 1

    def _sync_create_payload(self, job: FakeJob) -> dict[str, Any]:
        payload = self._job_head(job, job.script.final)
        if job.script.final == "completed":
            if job.delivery == "inline":
                payload["audio_base64"] = inline_audio(job.audio_format or "wav", job.audio_size)
            else:
                payload["audio_url"] = self._audio_base() + job.audio_path
        if job.result is not None:
            payload["result"] = dict(job.result)
        if job.create_usage is not None:
            payload["usage"] = dict(job.create_usage)
        payload.update(job.script.extra_fields)
        return payload

    def _queued_create(self, body: dict[str, Any], context: _Context) -> Response:
        job = self._new_job(body, request_id=context.record.request_id)
        context.link.request_id = job.id
        usage: dict[str, Any] = {"requests": 1}
        if isinstance(body.get("duration"), int):
            usage["output_audio_seconds"] = body["duration"]
        payload = {
            **self._job_head(job, job.script.create_status),
            "usage": usage,
            **job.script.extra_fields,
        }
        return _Reply(Answer.json(200, payload))

    async def _status(self, request: Request) -> Response:
        job_id = request.path_params["music_id"]
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return _Reply(
                error_answer(
                    404,
                    "not_found",
                    "music_not_found_or_not_owned",
                    message=f"music job {job_id[:80]!r} not found",
                )
            )
        return _Reply(Answer.json(200, self._status_payload(job, self._clock())))

    def _find_clip(self, request: Request) -> FakeClip | None:
        with self._lock:
            job = self._jobs.get(request.path_params["job_id"])
        index: int = request.path_params["index"]
        if job is None or not 0 <= index < len(job.clips):
            return None
        return job.clips[index]

    async def _clip_audio(self, request: Request) -> Response:
        with self._lock:
            job = self._jobs.get(request.path_params["job_id"])
        if job is not None and job.route == "sync":
            if request.url.path != job.audio_path or not job.answered.is_set():
                return _Reply(Answer.raw(404, b"Not Found", "text/plain; charset=utf-8"))
            fmt = job.audio_format or "wav"
            return _Reply(Answer.raw(200, job.audio(), AUDIO_TYPES[fmt]))
        clip = self._find_clip(request)
        if clip is None or not request.url.path.endswith(".wav"):
            return _Reply(Answer.raw(404, b"Not Found", "text/plain; charset=utf-8"))
        frames, tone = clip.frames, clip.index
        return _Reply(
            Answer(
                status=200,
                headers=[("content-type", "audio/wav"), ("cache-control", "public, max-age=3600")],
                size=wav_size(frames),
                chunks=lambda: wav_chunks(frames, tone),
                declare_length=not request.url.path.startswith("/stream/"),
            )
        )

    async def _clip_image(self, request: Request) -> Response:
        if self._find_clip(request) is None:
            return _Reply(Answer.raw(404, b"Not Found", "text/plain; charset=utf-8"))
        return _Reply(Answer.raw(200, PNG, "image/png"))

    # -- jobs and their answers ------------------------------------------------------------

    def _new_job(
        self,
        body: dict[str, Any],
        *,
        request_id: str | None,
        provider: Provider | None = None,
        fmt: str | None = None,
    ) -> FakeJob:
        prefix, name = split_model(body["model"])
        native = name.upper().replace(".", "_").replace("-", "_") if prefix == "suno" else name
        with self._lock:
            script = self._pick_script(body)
            self._job_seq += 1
            seq = self._job_seq
            task_id = f"task_{seq:06d}"
            job_id = task_id if self._job_ids == "task" or request_id is None else request_id
            clips = _resolve_clips(job_id, script, body)
            if provider is None:
                job = FakeJob(
                    id=job_id,
                    provider=prefix,
                    model=body["model"],
                    native_model=native,
                    request=types.MappingProxyType(body),
                    script=script,
                    created_at=self._clock(),
                    clips=clips,
                    native_id=job_id if self._job_ids == "task" else task_id,
                )
            else:
                job = self._sync_job(job_id, seq, body, script, clips, provider, fmt or "wav")
            self._jobs[job_id] = job
        return job

    def _sync_job(
        self,
        job_id: str,
        seq: int,
        body: dict[str, Any],
        script: JobScript,
        clips: tuple[FakeClip, ...],
        provider: Provider,
        fmt: str,
    ) -> FakeJob:
        spec = script.clips[0] if script.clips else Clip()
        seconds = clips[0].duration if clips else float(_DEFAULT_DURATION)
        size = spec.audio_size if spec.audio_size is not None else self._inline_audio_size
        native_id = provider.native_id(seq)
        audio_url = (
            self._audio_base() + f"/audio/{job_id}/0.{fmt}" if provider.delivery == "url" else None
        )
        failed = script.final == "failed"
        error = (dict(DEFAULT_ERROR) if script.error is None else script.error) if failed else None
        prompts = effective_prompts(body)
        return FakeJob(
            id=job_id,
            provider=provider.name,
            model=body["model"],
            native_model=body["model"],
            request=types.MappingProxyType(body),
            script=script,
            created_at=self._clock(),
            clips=(),
            route="sync",
            native_id=native_id,
            delivery=provider.delivery,
            audio_format=fmt,
            audio_size=size,
            audio_seconds=seconds,
            result=create_result(
                provider,
                native_id=native_id,
                model=body["model"],
                fmt=fmt,
                size=size,
                seconds=_number(seconds),
                audio_url=None if failed else audio_url,
                error=error,
            ),
            create_usage=None
            if failed
            else create_usage(
                provider, seconds=_number(seconds), prompt=prompts[0] if prompts else ""
            ),
        )

    def _job_head(self, job: FakeJob, status: str) -> dict[str, Any]:
        return {
            "id": job.id,
            "object": "music",
            "status": status,
            "provider": job.provider,
            "model": job.native_model,
            "nativeResponseId": job.native_id if job.native_id is not None else job.id,
        }

    def _stored_copy(self, job: FakeJob, status: str) -> dict[str, Any]:
        """A synchronous job as the status operation serves it: the stored copy."""
        payload = self._job_head(job, status)
        if status == "completed":
            if job.delivery == "inline":
                audio = inline_audio(job.audio_format or "wav", job.audio_size)
                payload["audio_base64"] = audio
                payload["output"] = [{"audio_base64": audio}]
            else:
                url = self._audio_base() + job.audio_path
                payload["audio_url"] = url
                payload["output"] = [{"audio_url": url}]
            payload["usage"] = {
                "output_audio_count": 1,
                "output_audio_seconds": _number(job.audio_seconds),
            }
        elif status == "failed" and job.result is not None:
            payload["result"] = dict(job.result)
        payload.update(job.script.extra_fields)
        return payload

    def _status_payload(self, job: FakeJob, now: float) -> dict[str, Any]:
        status = job.status_at(now)
        if job.route == "sync":
            return self._stored_copy(job, status)
        payload = self._job_head(job, status)
        if status == "completed":
            audio = self._audio_base()
            payload["output"] = [
                {
                    "index": c.index,
                    "id": c.id,
                    "audio_url": audio + c.audio_path,
                    "stream_audio_url": audio + c.stream_path,
                    "image_url": audio + c.image_path,
                    "title": c.title,
                    "tags": c.tags,
                    "duration": _number(c.duration),
                    **c.extra_fields,
                }
                for c in job.clips
            ]
            payload["usage"] = {
                "output_audio_count": len(job.clips),
                "output_audio_seconds": _number(sum(c.duration for c in job.clips)),
            }
        elif status == "failed":
            error = job.script.error
            payload["error"] = dict(DEFAULT_ERROR) if error is None else error
        payload.update(job.script.extra_fields)
        return payload


def _resolve_clips(job_id: str, script: JobScript, body: Mapping[str, Any]) -> tuple[FakeClip, ...]:
    suno = body.get("suno")
    options: Mapping[str, Any] = suno if isinstance(suno, Mapping) else {}
    duration = body.get("duration")
    default_duration = duration if isinstance(duration, int) and duration > 0 else _DEFAULT_DURATION
    title, style = options.get("title"), options.get("style")
    clips = []
    for i, spec in enumerate(script.clips):
        seconds = spec.duration if spec.duration is not None else default_duration
        clips.append(
            FakeClip(
                job_id=job_id,
                index=i,
                id=f"{job_id}_clip_{i}",
                title=spec.title
                or (title if isinstance(title, str) and title else f"Fake track {i + 1}"),
                tags=spec.tags or (style if isinstance(style, str) and style else "fake, test"),
                duration=seconds,
                frames=frames_for(seconds, spec.audio_size),
                extra_fields=types.MappingProxyType(dict(spec.extra_fields)),
            )
        )
    return tuple(clips)
