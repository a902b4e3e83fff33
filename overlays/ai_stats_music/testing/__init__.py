"""A fake Phaseo (AI Stats) Gateway music API for tests: ``pip install ai-stats-music[testing]``.

Run it as real HTTP servers on loopback (the API, and a second origin serving
the audio), script what jobs do, arm faults, and inspect every request it
received. It answers like today's gateway: ``eleven-labs/``, ``google/lyria``
and ``minimax/`` create ``completed`` (after holding the request open for the
generation time), Suno is not routable; ``queued=`` brings back the queued
flow, whose timelines run on (virtual) time::

    from ai_stats_music.testing import Fault, FakeGateway, VirtualClock

    clock = VirtualClock()
    with FakeGateway(clock=clock, queued=["suno/"]).serve() as gw:
        gw.script(prompt="jazz", timeline=[("queued", 1), ("in_progress", 30)], clips=1)
        gw.inject(Fault.status(503, retry_after=2), on="status", times=3)
        ...  # point the client at gw.base_url with gw.api_key
        clock.advance(31)
        assert gw.jobs_created == 1

With pytest, ``pytest_plugins = ["ai_stats_music.testing.pytest_plugin"]`` gives
the ``fake_gateway`` and ``fake_clock`` fixtures.

This package needs the ``testing`` extra (Starlette, uvicorn,
openapi-schema-validator); ``import ai_stats_music`` never imports it.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "ai_stats_music.testing needs the 'testing' extra: pip install 'ai-stats-music[testing]'"
    ) from exc

from ._clock import Clock, VirtualClock
from ._fault_book import Target
from ._faults import Fault
from ._gateway import DEFAULT_API_KEY, FakeGateway
from ._intake import MUSIC_DISABLED_BODY
from ._job_store import JobIds
from ._jobs import FakeClip, FakeJob
from ._request_log import Origin, RecordedRequest
from ._scripts import DEFAULT_ERROR, DEFAULT_SCRIPT, Clip, JobScript, Phase

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_ERROR",
    "DEFAULT_SCRIPT",
    "MUSIC_DISABLED_BODY",
    "Clip",
    "Clock",
    "FakeClip",
    "FakeGateway",
    "FakeJob",
    "Fault",
    "JobIds",
    "JobScript",
    "Origin",
    "Phase",
    "RecordedRequest",
    "Target",
    "VirtualClock",
    "run_fake_gateway",
]

import contextlib
from collections.abc import Iterable, Iterator


@contextlib.contextmanager
def run_fake_gateway(
    *,
    api_key: str = DEFAULT_API_KEY,
    clock: Clock | None = None,
    default_script: JobScript | None = None,
    queued: Iterable[str] | None = None,
) -> Iterator[FakeGateway]:
    """``with run_fake_gateway() as gw:`` -- a served :class:`FakeGateway`
    (``queued``: model prefixes served with the queued flow, as in FakeGateway)."""
    gateway = FakeGateway(
        api_key=api_key, clock=clock, default_script=default_script, queued=queued
    )
    with gateway.serve() as gw:
        yield gw
