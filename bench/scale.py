"""Scale: one process following 1,000 jobs.

The fake gateway runs in a process of its own (``_gateway_server.py``) and each
measured run in a fresh child process, so that the CPU time and the peak
memory measured are the client's alone. The gateway's clock is held while a
run creates its jobs, then let go, so that all the jobs start together and
end after a few polls.

Three runs, in interleaved rounds:

* ``many``: ``AsyncMusicClient.wait_many`` over 1,000 jobs (default concurrency);
* ``single``: jobs of the same shape, each waited alone with
  ``AsyncMusicClient.wait`` (a tenth of the timeline and the poll interval, so
  the same number of polls per job takes a tenth of the time);
* ``threads`` (the baseline): the 1,000 jobs waited with ``MusicClient.wait``
  in a pool of 32 threads, which is what a user without ``wait_many`` writes.

The figure is client CPU time per status read.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import httpx

from ai_stats_music import AIStatsError, AsyncMusicClient, MusicClient, MusicJob, PollPolicy

from ._proc import run_python, server_process

JOBS: Final = 1000
SINGLE_JOBS: Final = 8
THREADS: Final = 32
MODEL: Final = "suno/v4.5"
#: Many jobs: queued 1 s, in progress 5 s; polled every 2 s (less 10% jitter).
MANY_SCRIPT: Final = {"queued": 1.0, "running": 5.0}
MANY_POLICY: Final = PollPolicy(
    initial_delay=2.0, multiplier=1.0, max_delay=2.0, jitter=0.1, latency_bounds=(), timeout=300
)
SCALE_DOWN: Final = 0.1
SINGLE_SCRIPT: Final = {k: v * SCALE_DOWN for k, v in MANY_SCRIPT.items()}
SINGLE_POLICY: Final = PollPolicy(
    initial_delay=2.0 * SCALE_DOWN,
    multiplier=1.0,
    max_delay=2.0 * SCALE_DOWN,
    jitter=0.1,
    latency_bounds=(),
    timeout=300,
)


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_kib() -> int:
    return _status_kib("VmRSS")


class _Counter:
    """Counts the errors the status reads of a client raise (the waits retry
    them, so they would not show otherwise); the gateway counts the reads."""

    def __init__(self) -> None:
        self.errors: dict[str, int] = {}
        self._lock = threading.Lock()

    def failed(self, exc: AIStatsError) -> None:
        name = type(exc).__name__
        with self._lock:
            self.errors[name] = self.errors.get(name, 0) + 1

    def wrap_async(self, client: AsyncMusicClient) -> None:
        inner = client._poll_once

        async def counted(job_id: str) -> tuple[MusicJob, float | None]:
            try:
                return await inner(job_id)
            except AIStatsError as exc:
                self.failed(exc)
                raise

        client._poll_once = counted  # type: ignore[method-assign]

    def wrap_sync(self, client: MusicClient) -> None:
        inner = client._poll_once

        def counted(job_id: str) -> tuple[MusicJob, float | None]:
            try:
                return inner(job_id)
            except AIStatsError as exc:
                self.failed(exc)
                raise

        client._poll_once = counted  # type: ignore[method-assign]


class _Control:
    def __init__(self, url: str) -> None:
        self._http = httpx.Client(base_url=url, timeout=30)

    def post(self, what: str, body: object = None) -> Any:
        response = self._http.post(f"/{what}", json=body)
        response.raise_for_status()
        return response.json()


async def _create_async(client: AsyncMusicClient, n: int) -> list[MusicJob]:
    slots = asyncio.Semaphore(16)

    async def one() -> MusicJob:
        async with slots:
            return await client.create(model=MODEL, prompt="bench")

    return list(await asyncio.gather(*(one() for _ in range(n))))


def _result(
    *,
    cpu: float,
    wall: float,
    counter: _Counter,
    gateway_polls: int,
    jobs: int,
    done: int,
    failed: int,
    rss_before: int,
) -> dict[str, Any]:
    return {
        "cpu": cpu,
        "wall": wall,
        "polls": gateway_polls,
        "errors": counter.errors,
        "jobs": jobs,
        "completed": done,
        "failed": failed,
        "rss_before_kib": rss_before,
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
        # across fork and exec, so a child would report the bench runner's peak.
        "peak_rss_kib": _status_kib("VmHWM"),
    }


async def _many(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", MANY_SCRIPT)
    counter = _Counter()
    async with AsyncMusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        counter.wrap_async(client)
        control.post("hold")
        jobs = await _create_async(client, JOBS)
        control.post("requests")  # forget the creates
        rss_before = _rss_kib()
        done = failed = 0
        control.post("go")
        cpu, wall = time.process_time(), time.perf_counter()
        async for result in client.wait_many(jobs, poll=MANY_POLICY):
            if result.ok:
                done += 1
            else:
                failed += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return _result(
        cpu=cpu,
        wall=wall,
        counter=counter,
        gateway_polls=control.post("requests"),
        jobs=JOBS,
        done=done,
        failed=failed,
        rss_before=rss_before,
    )


async def _single(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", SINGLE_SCRIPT)
    counter = _Counter()
    cpu = wall = 0.0
    done = failed = 0
    async with AsyncMusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        counter.wrap_async(client)
        await client.get((await client.create(model=MODEL, prompt="warm-up")).id)
        rss_before = _rss_kib()
        control.post("requests")
        for _ in range(SINGLE_JOBS):
            control.post("hold")
            job = await client.create(model=MODEL, prompt="bench")
            control.post("go")
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                await client.wait(job, poll=SINGLE_POLICY)
                done += 1
            except AIStatsError:
                failed += 1
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
    return _result(
        cpu=cpu,
        wall=wall,
        counter=counter,
        gateway_polls=control.post("requests"),
        jobs=SINGLE_JOBS,
        done=done,
        failed=failed,
        rss_before=rss_before,
    )


def _threads(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", MANY_SCRIPT)
    counter = _Counter()
    with MusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        control.post("hold")
        with ThreadPoolExecutor(THREADS) as pool:
            jobs = list(pool.map(lambda _: client.create(model=MODEL, prompt="bench"), range(JOBS)))
        control.post("requests")
        counter.wrap_sync(client)
        rss_before = _rss_kib()
        done = failed = 0

        def wait(job: MusicJob) -> bool:
            try:
                client.wait(job, poll=MANY_POLICY)
            except AIStatsError:
                return False
            return True

        control.post("go")
        cpu, wall = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            for ok in pool.map(wait, jobs):
                done += ok
                failed += not ok
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return _result(
        cpu=cpu,
        wall=wall,
        counter=counter,
        gateway_polls=control.post("requests"),
        jobs=JOBS,
        done=done,
        failed=failed,
        rss_before=rss_before,
    )


_MODES: Final[dict[str, Callable[[dict[str, str], _Control], Any]]] = {
    "many": _many,
    "single": _single,
    "threads": _threads,
}


def child(mode: str, info: dict[str, str]) -> dict[str, Any]:
    """One measured run in this process (``python -m bench.scale MODE INFO``)."""
    control = _Control(info["control"])
    run = _MODES[mode](info, control)
    if isinstance(run, Awaitable):
        return asyncio.run(_await(run))
    assert isinstance(run, dict)
    return run


async def _await(run: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return await run


def scale(*, rounds: int = 3) -> dict[str, Any]:
    """The three runs in ``rounds`` interleaved rounds, each in a fresh process."""
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in _MODES}
    with server_process(["bench/_gateway_server.py"]) as (line, _stdin):
        for r in range(rounds):
            modes = list(_MODES)
            for mode in modes[r % 3 :] + modes[: r % 3]:
                out = run_python(["-m", "bench.scale", mode, line])
                runs[mode].append(json.loads(out.strip().splitlines()[-1]))

    def per_poll(run: dict[str, Any]) -> float:
        return float(run["cpu"]) / max(1, int(run["polls"]))

    many_vs_single = statistics.median(
        per_poll(m) / per_poll(s) for m, s in zip(runs["many"], runs["single"], strict=True)
    )
    many_vs_threads = statistics.median(
        per_poll(m) / per_poll(t) for m, t in zip(runs["many"], runs["threads"], strict=True)
    )
    return {
        "runs": runs,
        "cpu_per_poll": {
            mode: statistics.median(per_poll(run) for run in mode_runs)
            for mode, mode_runs in runs.items()
        },
        "many_vs_single": many_vs_single,
        "many_vs_threads": many_vs_threads,
        "peak_rss_mib": max(run["peak_rss_kib"] for run in runs["many"]) / 1024,
        "connection_errors": sum(
            sum(run["errors"].values()) for mode_runs in runs.values() for run in mode_runs
        ),
        "not_completed": sum(
            run["jobs"] - run["completed"] for mode_runs in runs.values() for run in mode_runs
        ),
    }


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], json.loads(sys.argv[2]))))
