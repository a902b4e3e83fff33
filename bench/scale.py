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
import contextlib
import json
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import httpx

from ai_stats_music import AIStatsError, AsyncMusicClient, MusicClient, MusicJob, PollPolicy

from ._proc import run_python, server_process, status_kib

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
        # Each wait makes its status reader with _poller: count what they raise.
        make = client._poller

        def poller(*args: Any) -> Any:
            inner = make(*args)

            async def counted(job_id: str) -> tuple[MusicJob, float | None]:
                try:
                    return await inner(job_id)
                except AIStatsError as exc:
                    self.failed(exc)
                    raise

            return counted

        client._poller = poller  # type: ignore[method-assign, assignment]

    def wrap_sync(self, client: MusicClient) -> None:
        make = client._poller

        def poller(*args: Any) -> Any:
            inner = make(*args)

            def counted(job_id: str) -> tuple[MusicJob, float | None]:
                try:
                    return inner(job_id)
                except AIStatsError as exc:
                    self.failed(exc)
                    raise

            return counted

        client._poller = poller  # type: ignore[method-assign, assignment]


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


class _Run:
    """What one measured run adds up: CPU and wall time in :meth:`measured`
    blocks, jobs completed or failed, memory."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.cpu = self.wall = 0.0
        self.done = self.failed = 0
        self.rss_before = 0

    def ready(self) -> None:
        """The jobs exist; what follows is measured."""
        self.rss_before = status_kib("VmRSS")

    @contextlib.contextmanager
    def measured(self) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu += time.process_time() - cpu
            self.wall += time.perf_counter() - wall

    def ended(self, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1

    def result(self, counter: _Counter, control: _Control) -> dict[str, Any]:
        return {
            "cpu": self.cpu,
            "wall": self.wall,
            "polls": control.post("requests"),
            "errors": counter.errors,
            "jobs": self.jobs,
            "completed": self.done,
            "failed": self.failed,
            "rss_before_kib": self.rss_before,
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
            # across fork and exec, so a child would report the bench runner's peak.
            "peak_rss_kib": status_kib("VmHWM"),
        }


async def _many(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", MANY_SCRIPT)
    counter, run = _Counter(), _Run(JOBS)
    async with AsyncMusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        counter.wrap_async(client)
        control.post("hold")
        jobs = await _create_async(client, JOBS)
        control.post("requests")  # forget the creates
        run.ready()
        control.post("go")
        with run.measured():
            async for result in client.wait_many(jobs, poll=MANY_POLICY):
                run.ended(result.ok)
    return run.result(counter, control)


async def _single(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", SINGLE_SCRIPT)
    counter, run = _Counter(), _Run(SINGLE_JOBS)
    async with AsyncMusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        counter.wrap_async(client)
        await client.get((await client.create(model=MODEL, prompt="warm-up")).id)
        control.post("requests")
        run.ready()
        for _ in range(SINGLE_JOBS):
            control.post("hold")
            job = await client.create(model=MODEL, prompt="bench")
            control.post("go")
            with run.measured():
                try:
                    await client.wait(job, poll=SINGLE_POLICY)
                except AIStatsError:
                    run.ended(False)
                else:
                    run.ended(True)
    return run.result(counter, control)


def _threads(info: dict[str, str], control: _Control) -> dict[str, Any]:
    control.post("script", MANY_SCRIPT)
    counter, run = _Counter(), _Run(JOBS)
    with MusicClient(api_key=info["api_key"], base_url=info["base_url"]) as client:
        control.post("hold")
        with ThreadPoolExecutor(THREADS) as pool:
            jobs = list(pool.map(lambda _: client.create(model=MODEL, prompt="bench"), range(JOBS)))
        control.post("requests")
        counter.wrap_sync(client)
        run.ready()

        def wait(job: MusicJob) -> bool:
            try:
                client.wait(job, poll=MANY_POLICY)
            except AIStatsError:
                return False
            return True

        control.post("go")
        with run.measured(), ThreadPoolExecutor(THREADS) as pool:
            for ok in pool.map(wait, jobs):
                run.ended(ok)
    return run.result(counter, control)


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
