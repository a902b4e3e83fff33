"""The music API's operations: create (queued or synchronous) and status.

The create is validated as the gateway validates it (the spec's schema,
Suno's rules, the provider's formats), then routed by model prefix: a queued
prefix gets the 2025 flow, a synchronous provider holds the request open for
its generation time, every other model is refused as not available.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._answers import Answer, envelope, error_answer
from ._clock import Clock
from ._intake import Reply, RequestContext, context_of
from ._job_answers import queued_create_body, status_body, sync_create_body
from ._job_store import JobStore
from ._jobs import SyncRoute
from ._link import Link
from ._providers import matches_prefix, sync_provider
from ._validation import InvalidRequest, parse_create_body

__all__ = ["ApiRoutes", "check_prefixes"]


def check_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """``queued`` checked: a collection of non-empty model prefixes."""
    if isinstance(prefixes, str):
        raise TypeError("queued must be a collection of model prefixes, not a string")
    value = tuple(prefixes)
    for prefix in value:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"queued prefixes must be non-empty strings, got {prefix!r}")
    return value


@attrs.define(kw_only=True)
class ApiRoutes:
    """The API's routes, the queued prefixes, and the count of creates held open.

    ``queued`` is read and replaced whole under ``lock`` (assign a checked
    tuple: see :func:`check_prefixes`).
    """

    store: JobStore
    lock: threading.RLock
    clock: Clock
    queued: tuple[str, ...]
    generation_seconds: float
    inline_audio_size: int
    audio_base: Callable[[], str]
    _in_flight: int = attrs.field(default=0, init=False)
    _peak_in_flight: int = attrs.field(default=0, init=False)

    def routes(self) -> list[Route]:
        creates = ("/v1/music/generate", "/v1/music/generations")
        return [Route(path, self._create, methods=["POST"]) for path in creates] + [
            Route(f"{path}/{{music_id}}", self._status, methods=["GET"]) for path in creates
        ]

    def in_flight(self) -> tuple[int, int]:
        """The synchronous creates held open: (now, at most at once since the last reset)."""
        with self.lock:
            return self._in_flight, self._peak_in_flight

    def reset_peak(self) -> None:
        with self.lock:
            self._peak_in_flight = self._in_flight

    async def _create(self, request: Request) -> Response:
        context = context_of(request)
        try:
            body = parse_create_body(context.record.body)
        except InvalidRequest as exc:
            return Reply(error_answer(400, "validation_error", exc.reason))
        model: str = body["model"]
        if matches_prefix(model, self.queued):
            return self._queued_create(body, context)
        provider = sync_provider(model)
        if provider is None:
            return Reply(
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
            return Reply(refusal)
        route = SyncRoute(
            provider=provider,
            fmt=fmt,
            default_size=self.inline_audio_size,
            audio_base=self.audio_base(),
        )
        job = self.store.create(body, request_id=context.record.request_id, sync=route)
        context.link.request_id = job.id
        hold = job.script.generation_seconds
        await self._hold(context.link, self.generation_seconds if hold is None else hold)
        job.answered.set()
        return Reply(Answer.json(200, sync_create_body(job, self.audio_base())))

    async def _hold(self, link: Link, seconds: float) -> None:
        """Keep the create open while the provider "generates" (real time).

        A client that hangs up does not stop the generation (the job is paid
        for and completes anyway); a gateway that is stopping does.
        """
        with self.lock:
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
            with self.lock:
                self._in_flight -= 1

    def _queued_create(self, body: dict[str, Any], context: RequestContext) -> Response:
        job = self.store.create(body, request_id=context.record.request_id)
        context.link.request_id = job.id
        return Reply(Answer.json(200, queued_create_body(job)))

    async def _status(self, request: Request) -> Response:
        job_id = request.path_params["music_id"]
        job = self.store.get(job_id)
        if job is None:
            return Reply(
                error_answer(
                    404,
                    "not_found",
                    "music_not_found_or_not_owned",
                    message=f"music job {job_id[:80]!r} not found",
                )
            )
        return Reply(Answer.json(200, status_body(job, self.clock(), self.audio_base())))
