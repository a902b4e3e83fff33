"""The fake gateway: the music API and a separate audio origin, scripted and faulty on demand.

:class:`FakeGateway` is the one object tests hold; it is a facade over small
collaborators, each in its own module: the requests received
(:mod:`._request_log`), the jobs and their scripts (:mod:`._job_store`), the
faults armed (:mod:`._fault_book`), what every request goes through
(:mod:`._intake`), the API's and the audio origin's routes
(:mod:`._api_routes`, :mod:`._audio_origin`) and the servers
(:mod:`._serving`), built and connected by :mod:`._wiring`. They share one
re-entrant lock, so that every method is thread-safe and a request's fault
and record are taken in one step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Final, Literal, Self

from starlette.types import ASGIApp

from .._not_given import NOT_GIVEN
from ._api_routes import check_prefixes
from ._clock import Clock
from ._fault_book import Target
from ._faults import Fault
from ._job_store import JobIds, compose_script
from ._jobs import FakeJob
from ._request_log import Origin, RecordedRequest
from ._scripts import Clip, JobScript, PhaseLike
from ._validation import prepare
from ._wiring import Parts, assemble

__all__ = ["DEFAULT_API_KEY", "FakeGateway"]

DEFAULT_API_KEY: Final = "sk-test-fake"


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
        self._api_key = api_key
        self._parts: Parts = assemble(
            api_key=api_key,
            clock=clock,
            default_script=default_script,
            shutdown_grace=shutdown_grace,
            queued=type(self).default_queued if queued is None else queued,
            job_ids=type(self).default_job_ids if job_ids is None else job_ids,
            generation_seconds=generation_seconds,
            inline_audio_size=inline_audio_size,
            request_id_header=request_id_header,
            music_disabled=music_disabled,
        )

    # -- running -----------------------------------------------------------------------

    def start(self) -> Self:
        """Serve both origins on free loopback ports (returns once they accept).

        The first start in a process also builds the request validator (about
        half a second, mostly importing openapi-schema-validator); later starts
        take a few milliseconds.
        """
        prepare()
        self._parts.serving.start()
        return self

    def stop(self) -> None:
        """Stop serving: uvicorn shuts down, open connections close, the thread ends."""
        self._parts.serving.stop()

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
        return self._parts.serving.running

    @property
    def base_url(self) -> str:
        """The API's base URL, like the real ``https://api.phaseo.app/v1``."""
        return self._parts.serving.served_urls().api

    @property
    def audio_base_url(self) -> str:
        """The audio origin (another port: downloads cross origins, as in production)."""
        return self._parts.serving.served_urls().audio

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    @property
    def clock(self) -> Clock:
        return self._parts.clock

    @property
    def queued(self) -> tuple[str, ...]:
        """The model prefixes served with the 2025 queued flow (``"*"``: every model)."""
        with self._parts.lock:
            return self._parts.routes.queued

    @queued.setter
    def queued(self, prefixes: Iterable[str]) -> None:
        value = check_prefixes(prefixes)
        with self._parts.lock:
            self._parts.routes.queued = value

    @property
    def music_disabled(self) -> bool:
        """While True, every music operation answers 501 ``not_implemented``, as the real
        gateway did from May to August 2026 (``Cache-Control: no-store``)."""
        return self._parts.intake.music_disabled

    @music_disabled.setter
    def music_disabled(self, value: bool) -> None:
        self._parts.intake.music_disabled = bool(value)

    @property
    def generation_seconds(self) -> float:
        """How long (real time) a synchronous create holds its request open, unless
        the job's script says otherwise."""
        return self._parts.routes.generation_seconds

    @property
    def creates_in_flight(self) -> int:
        """Synchronous creates being held open right now."""
        return self._parts.routes.in_flight()[0]

    @property
    def peak_creates_in_flight(self) -> int:
        """The most synchronous creates held open at once (since start or :meth:`reset`)."""
        return self._parts.routes.in_flight()[1]

    @property
    def app(self) -> ASGIApp:
        """The API as an ASGI application (network faults need :meth:`serve`)."""
        return self._parts.api

    @property
    def audio_app(self) -> ASGIApp:
        """The audio origin as an ASGI application."""
        return self._parts.audio

    def __repr__(self) -> str:
        urls = self._parts.serving.urls
        where = f"serving {urls.api} and {urls.audio}" if urls else "not serving"
        return f"<FakeGateway {where}, {self.jobs_created} job(s)>"

    # -- scripting jobs ----------------------------------------------------------------

    @property
    def default_script(self) -> JobScript:
        """The script of jobs no :meth:`script` rule matches."""
        return self._parts.store.default_script

    @default_script.setter
    def default_script(self, script: JobScript) -> None:
        self._parts.store.default_script = script

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
        chosen = compose_script(
            self.default_script,
            script,
            error,
            timeline=timeline,
            final=final,
            clips=clips,
            extra_fields=extra_fields,
            generation_seconds=generation_seconds,
        )
        self._parts.store.add_rule(chosen, prompt, match, times)
        return chosen

    # -- faults ------------------------------------------------------------------------

    def inject(self, fault: Fault, *, on: Target = "api", times: int | None = 1) -> None:
        """Arm ``fault`` for the next ``times`` requests matching ``on``
        (``None``: every one until :meth:`clear_faults`).

        ``on`` is ``"create"``, ``"status"``, ``"api"``, ``"audio"``, ``"*"`` or a
        path pattern such as ``"/audio/*"``. Armed faults are used in the order
        they were armed; they take precedence over :meth:`fault_rate`.
        """
        self._parts.faults.inject(fault, on, times)

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
        self._parts.faults.set_rate(rate, None if faults is None else list(faults), seed, on)

    def clear_faults(self) -> None:
        """Disarm every fault, one-shot and random."""
        self._parts.faults.clear()

    @property
    def faults_pending(self) -> int:
        """How many one-shot faults are still armed."""
        return self._parts.faults.pending

    # -- what happened -------------------------------------------------------------------

    @property
    def jobs_created(self) -> int:
        """How many jobs were created (since start or :meth:`reset`)."""
        return len(self._parts.store)

    @property
    def jobs(self) -> tuple[FakeJob, ...]:
        """The jobs created, oldest first."""
        return self._parts.store.all()

    def job(self, job_id: str) -> FakeJob:
        """The job ``job_id``; KeyError if there is none."""
        return self._parts.store[job_id]

    def status_of(self, job_id: str) -> str:
        """The status the gateway would report for ``job_id`` now."""
        return self.job(job_id).status_at(self._parts.clock())

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """Every request received, in order of arrival."""
        return self._parts.log.all()

    def requests_for(
        self,
        *,
        origin: Origin | None = None,
        operation: str | None = None,
        job_id: str | None = None,
    ) -> tuple[RecordedRequest, ...]:
        """The requests received, filtered by origin, operation and/or job id."""
        return self._parts.log.select(origin, operation, job_id)

    def clear_requests(self) -> None:
        """Forget the recorded requests (a long soak run can keep memory flat)."""
        self._parts.log.clear()

    def reset(self) -> None:
        """Forget jobs, requests, script rules and faults (job ids stay unique)."""
        with self._parts.lock:
            self._parts.store.clear()
            self._parts.log.clear()
            self._parts.faults.clear()
            self._parts.routes.reset_peak()
