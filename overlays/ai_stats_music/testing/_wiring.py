"""How the fake gateway's collaborators are checked, built and connected.

:class:`FakeGateway` takes its constructor's arguments and hands them here;
what comes back is one :class:`Parts`: the pieces of the gateway, sharing one
re-entrant lock, each knowing only the others it needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import attrs

from ._api_routes import ApiRoutes, check_prefixes
from ._audio_origin import AudioRoutes
from ._clock import Clock
from ._fault_book import FaultBook
from ._intake import Intake, OriginApp
from ._job_store import JobIds, JobStore
from ._request_log import RequestLog
from ._scripts import DEFAULT_SCRIPT, JobScript
from ._serving import Serving

__all__ = ["Parts", "assemble"]


@attrs.frozen(kw_only=True)
class Parts:
    """The pieces of one fake gateway."""

    clock: Clock
    lock: threading.RLock
    store: JobStore
    log: RequestLog
    faults: FaultBook
    intake: Intake
    routes: ApiRoutes
    api: OriginApp
    audio: OriginApp
    serving: Serving


def _check_number(name: str, value: float) -> float:
    finite = isinstance(value, int | float) and 0 <= value < float("inf")
    if isinstance(value, bool) or not finite:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def assemble(
    *,
    api_key: str,
    clock: Clock | None,
    default_script: JobScript | None,
    shutdown_grace: float,
    queued: Iterable[str],
    job_ids: JobIds,
    generation_seconds: float,
    inline_audio_size: int,
    request_id_header: bool,
    music_disabled: bool,
) -> Parts:
    """The checked arguments of ``FakeGateway(...)`` (defaults already applied), wired."""
    if not isinstance(api_key, str) or not api_key:
        raise ValueError("api_key must be a non-empty string")
    prefixes = check_prefixes(queued)
    seconds = _check_number("generation_seconds", generation_seconds)
    if type(inline_audio_size) is not int or inline_audio_size < 64:
        raise ValueError(f"inline_audio_size must be an int >= 64, got {inline_audio_size!r}")
    now: Clock = clock if clock is not None else time.monotonic
    lock = threading.RLock()
    script = default_script if default_script is not None else DEFAULT_SCRIPT
    store = JobStore(lock, now, script, job_ids)
    log, faults = RequestLog(lock), FaultBook(lock)
    intake = Intake(
        api_key=api_key,
        clock=now,
        lock=lock,
        log=log,
        faults=faults,
        request_id_header=bool(request_id_header),
        music_disabled=bool(music_disabled),
    )
    routes = ApiRoutes(
        store=store,
        lock=lock,
        clock=now,
        queued=prefixes,
        generation_seconds=seconds,
        inline_audio_size=inline_audio_size,
        audio_base=lambda: serving.audio_base(),
    )
    api = OriginApp(intake, "api", routes.routes())
    audio = OriginApp(intake, "audio", AudioRoutes(store).routes())
    serving = Serving(lock, api, audio, shutdown_grace)
    return Parts(
        clock=now,
        lock=lock,
        store=store,
        log=log,
        faults=faults,
        intake=intake,
        routes=routes,
        api=api,
        audio=audio,
        serving=serving,
    )
