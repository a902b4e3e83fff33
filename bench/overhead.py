"""Per-request overhead: the client process's CPU time per status read.

``MusicClient.get(job_id)`` against raw ``httpx.Client.get`` + ``json.loads``
(and the generated operation alone, for reference), all three against the same
fast local server running in another process (``_fast_server.py``), so the
process time measured here is the client's alone. The variants run in
interleaved rounds; the figure is the median over rounds of the per-round
ratio, which cancels most of the noise of a shared machine.

Then ``MusicJob.from_dict`` on the parsed two-clip answer against ``json.loads``
of its bytes, the same way.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any, Final

import attrs
import httpx

from ai_stats_gateway import AuthenticatedClient
from ai_stats_gateway.api.gateway import get_music_generation
from ai_stats_music import MusicClient, MusicJob

from ._fast_server import BODY, JOB_ID
from ._proc import server_process

API_KEY: Final = "sk-bench"


@attrs.frozen
class Paired:
    """Per-call costs of ``ours`` and ``baseline`` in each round, and their ratios."""

    ours: tuple[float, ...]
    baseline: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(o / b for o, b in zip(self.ours, self.baseline, strict=True))

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def _cpu_per_call(call: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n


def _wall_per_call(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


def interleaved(
    variants: dict[str, Callable[[], object]],
    *,
    n: int,
    rounds: int,
    measure: Callable[[Callable[[], object], int], float] = _cpu_per_call,
) -> dict[str, list[float]]:
    """Each variant's cost per call in each round, the order rotated every round."""
    names = list(variants)
    for name in names:  # warm up: connections, caches, lazily imported code
        measure(variants[name], max(1, n // 10))
    costs: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            gc.collect()
            costs[name].append(measure(variants[name], n))
    return costs


def request_overhead(*, n: int = 1000, rounds: int = 15) -> dict[str, Any]:
    """CPU per status read: the overlay, the generated layer, raw httpx, and raw
    httpx given a URL relative to its ``base_url`` and the ``Authorization``
    header again on each request: the request shape the overlay avoids, kept
    as a reference for what it costs."""
    with server_process(["bench/_fast_server.py"]) as (port, _stdin):
        base_url = f"http://127.0.0.1:{port}/v1"
        auth = {"Authorization": f"Bearer {API_KEY}"}
        path = f"/music/generate/{JOB_ID}"
        url = base_url + path
        with (
            MusicClient(api_key=API_KEY, base_url=base_url) as ours,
            httpx.Client(headers=auth) as raw,
            httpx.Client(headers=auth, base_url=base_url) as based,
            AuthenticatedClient(base_url=base_url, token=API_KEY) as generated,
        ):

            def overlay() -> object:
                return ours.get(JOB_ID)

            def raw_httpx() -> object:
                return json.loads(raw.get(url).content)

            def raw_as_overlay() -> object:
                return json.loads(based.get(path, headers=auth).content)

            def generated_layer() -> object:
                return get_music_generation.sync_detailed(JOB_ID, client=generated).parsed

            job = overlay()
            assert isinstance(job, MusicJob)
            assert job.is_completed
            assert len(job.output) == 2
            assert raw_httpx() == json.loads(BODY)
            costs = interleaved(
                {
                    "overlay": overlay,
                    "raw": raw_httpx,
                    "generated": generated_layer,
                    "raw_as_overlay": raw_as_overlay,
                },
                n=n,
                rounds=rounds,
            )
    return {
        "overlay": Paired(tuple(costs["overlay"]), tuple(costs["raw"])),
        "generated": Paired(tuple(costs["generated"]), tuple(costs["raw"])),
        "raw_as_overlay": Paired(tuple(costs["raw_as_overlay"]), tuple(costs["raw"])),
        "requests_per_round": n,
        "rounds": rounds,
    }


def parse_overhead(*, n: int = 20_000, rounds: int = 15) -> Paired:
    """``MusicJob.from_dict`` of the two-clip answer against ``json.loads`` of its bytes."""
    data = json.loads(BODY)
    assert MusicJob.from_dict(data).to_dict() == data

    def from_dict() -> object:
        return MusicJob.from_dict(data)

    def loads() -> object:
        return json.loads(BODY)

    costs = interleaved(
        {"from_dict": from_dict, "loads": loads}, n=n, rounds=rounds, measure=_wall_per_call
    )
    return Paired(tuple(costs["from_dict"]), tuple(costs["loads"]))
