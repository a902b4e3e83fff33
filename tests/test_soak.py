"""Fault soak: 200 jobs created and waited for at once while 30 % of requests fail.

Real HTTP on loopback, real time (jobs of 1.5 to 6 s, a fast poll policy),
the fake gateway striking 30 % of the requests with a fault drawn from
``FAULTS``: 429 and 503 with ``Retry-After``, 500, 502, 503, connections
dropped before and in the middle of the answer, reset, read timeouts (a
stall), truncated JSON, a 200 that is not JSON, HTML error pages. First every
job is created under fire, then all are waited for with ``wait_many``.

What must hold:

* creation: every job the gateway made is known to the caller by its id, or
  the caller got an error saying a job may exist (never a job lost silently);
* waiting: every job ends exactly once -- completed, or with its typed error
  carrying its id (``MusicJobFailed`` for the jobs scripted to fail); none
  hangs (the run has a deadline), none is reported twice, none is missing;
* cost: the status requests stay within ``REQUEST_BOUND`` times those of the
  same run without faults (measured in the same test, not a constant).

The figures in docs/guide/reliability.md are this test's, printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import Iterator
from typing import Final

import attrs
import httpx
import pytest

from ai_stats_music import (
    AIStatsError,
    APIError,
    AsyncMusicClient,
    MusicClient,
    MusicJob,
    MusicJobFailed,
    PollPolicy,
    WaitResult,
)
from ai_stats_music.testing import FakeGateway, Fault, JobScript

pytestmark = pytest.mark.slow

SUNO: Final = "suno/v4.5plus"
JOBS: Final = 200
RATE: Final = 0.3
#: The status requests of the run under faults, at most, per status request without.
REQUEST_BOUND: Final = 2.0
READ_TIMEOUT: Final = 0.5
FAULTS: Final = (
    Fault.status(429, retry_after=0.2),
    Fault.status(503, retry_after=0.2),
    Fault.status(500),
    Fault.status(502),
    Fault.status(503),
    Fault.drop(),
    Fault.drop(mid_body=True),
    Fault.reset(),
    Fault.stall(),  # a read timeout: the client gives up after READ_TIMEOUT
    Fault.truncated_json(),
    Fault.text("upstream connect error or disconnect/reset before headers", status=200),
    Fault.html(502),
    Fault.html(503),
)
#: Job lengths (seconds of in_progress after 0.1 s queued), and one in six fails.
SCRIPTS: Final = {
    "short": JobScript(timeline=[("queued", 0.5), ("in_progress", 1.0)], clips=1),
    "medium": JobScript(timeline=[("queued", 0.5), ("in_progress", 2.5)], clips=1),
    "long": JobScript(timeline=[("queued", 0.5), ("in_progress", 4.0)], clips=2),
    "longer": JobScript(timeline=[("queued", 0.5), ("in_progress", 5.5)], clips=1),
    "rendering": JobScript(timeline=[("queued", 0.5), ("rendering", 3.5)], clips=1),
    "fails": JobScript(timeline=[("queued", 0.5), ("in_progress", 2.0)], final="failed"),
}
#: Each job is polled several times, while 200 of them ask for fewer requests
#: than the fake gateway (a thread in this process: about 100 a second when
#: busy) can answer, so that the request counts measure the client, not the
#: gateway's throughput.
POLICY: Final = PollPolicy(
    initial_delay=0.3, multiplier=1.5, max_delay=2.0, latency_bounds=(), timeout=60
)
#: Nothing in the soak may take longer than this (it takes a few seconds).
RUN_DEADLINE: Final = 120.0


@attrs.define
class Figures:
    """What one run did, for the assertions and the README."""

    jobs_made: int = 0
    create_calls: int = 0
    create_errors: int = 0
    may_exist_errors: int = 0
    orphans: int = 0  # jobs made whose create answer was lost (each one announced)
    completed: int = 0
    failed: int = 0
    other_errors: int = 0
    status_requests: int = 0
    requests: int = 0
    faults: collections.Counter[str] = attrs.field(factory=collections.Counter)

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())


@contextlib.contextmanager
def _gateway(rate: float, seed: int) -> Iterator[FakeGateway]:
    with FakeGateway().serve() as gw:
        for prompt, script in SCRIPTS.items():
            gw.script(script, prompt=prompt)
        if rate:
            gw.fault_rate(rate, FAULTS, seed=seed, on="api")
        yield gw


def _prompts(n: int, names: list[str] | None = None) -> list[str]:
    names = names or list(SCRIPTS)
    return [names[i % len(names)] for i in range(n)]


async def _create_all(client: AsyncMusicClient, figures: Figures) -> dict[str, str]:
    """Create JOBS jobs under fire; the ids known, each with its script's name."""
    known: dict[str, str] = {}
    wanted = _prompts(JOBS)
    for _round in range(6):  # each round retries what failed; bounded
        if not wanted:
            break
        outcomes = await asyncio.gather(
            *(client.create(model=SUNO, prompt=p) for p in wanted), return_exceptions=True
        )
        figures.create_calls += len(wanted)
        failed = []
        for prompt, outcome in zip(wanted, outcomes, strict=True):
            if isinstance(outcome, MusicJob):
                known[outcome.id] = prompt
                continue
            assert isinstance(outcome, AIStatsError), repr(outcome)  # typed, always
            figures.create_errors += 1
            if isinstance(outcome, APIError) and outcome.job_may_exist:
                figures.may_exist_errors += 1
            failed.append(prompt)
        wanted = failed
    assert not wanted, f"{len(wanted)} jobs still not created after 6 rounds"
    return known


def _check_creation(gw: FakeGateway, known: dict[str, str], figures: Figures) -> None:
    made = {job.id for job in gw.jobs}
    assert set(known) <= made
    figures.jobs_made = len(made)
    figures.orphans = len(made - set(known))
    # Every job made without its id reaching the caller was announced by an
    # error saying a job may exist: none was lost silently.
    assert figures.orphans <= figures.may_exist_errors


def _check_results(results: list[WaitResult], known: dict[str, str], figures: Figures) -> None:
    ids = [r.job_id for r in results]
    assert len(ids) == len(set(ids)), "a job was reported twice"
    assert set(ids) == set(known), "a job was lost or invented"
    for result in results:
        scripted_to_fail = known[result.job_id] == "fails"
        if result.job is not None:
            assert not scripted_to_fail
            assert result.job.is_completed
            assert result.job.id == result.job_id
            figures.completed += 1
        else:
            assert result.error is not None
            assert result.error.job_id == result.job_id
            # Every fault was ridden out: the only errors are the jobs that failed.
            assert scripted_to_fail, f"{result.job_id}: {result.error!r}"
            assert isinstance(result.error, MusicJobFailed)
            figures.failed += 1


def _count_requests(gw: FakeGateway, figures: Figures) -> None:
    requests = gw.requests
    figures.requests = len(requests)
    figures.status_requests = sum(1 for r in requests if r.operation == "status")
    figures.faults.update(r.fault.describe() for r in requests if r.fault is not None)


async def _soak_async(rate: float, seed: int) -> Figures:
    figures = Figures()
    with _gateway(rate, seed) as gw:
        async with AsyncMusicClient(
            api_key=gw.api_key,
            base_url=gw.base_url,
            timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
            create_timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
            poll_policy=POLICY,
        ) as client:
            known = await _create_all(client, figures)
            _check_creation(gw, known, figures)
            results = []
            async with contextlib.aclosing(client.wait_many(known, concurrency=32)) as ended:
                async for result in ended:
                    results.append(result)
        _check_results(results, known, figures)
        _count_requests(gw, figures)
    return figures


def _soak_sync(rate: float, seed: int, jobs: int) -> Figures:
    """The sync client's wait_many (its reads on a thread pool) under the same fire."""
    figures = Figures()
    with _gateway(rate, seed) as gw:
        with MusicClient(
            api_key=gw.api_key,
            base_url=gw.base_url,
            timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
            create_timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
            poll_policy=POLICY,
            sleep=lambda _: None,  # create's retries: the server's Retry-After is 0.2 s
        ) as client:
            known: dict[str, str] = {}
            for prompt in _prompts(jobs, ["short", "medium", "fails"]):
                for _attempt in range(6):
                    figures.create_calls += 1
                    try:
                        known[client.create(model=SUNO, prompt=prompt).id] = prompt
                        break
                    except AIStatsError as exc:
                        figures.create_errors += 1
                        if isinstance(exc, APIError) and exc.job_may_exist:
                            figures.may_exist_errors += 1
            assert len(known) == jobs
            _check_creation(gw, known, figures)
            with contextlib.closing(client.wait_many(known, concurrency=16)) as ended:
                results = list(ended)
        _check_results(results, known, figures)
        _count_requests(gw, figures)
    return figures


def _report(name: str, faulty: Figures, clean: Figures) -> None:
    ratio = faulty.status_requests / clean.status_requests
    print(
        f"\n{name}: {faulty.jobs_made} jobs made in {faulty.create_calls} create calls "
        f"({faulty.create_errors} errors, {faulty.may_exist_errors} saying a job may exist, "
        f"{faulty.orphans} jobs made without their id, all announced); "
        f"{faulty.completed} completed, {faulty.failed} failed as scripted, 0 lost; "
        f"{faulty.faults_injected} faults injected in {faulty.requests} requests "
        f"({faulty.faults_injected / faulty.requests:.0%}); status requests "
        f"{faulty.status_requests} vs {clean.status_requests} without faults ({ratio:.2f}x, "
        f"bound {REQUEST_BOUND}x); by kind: {dict(sorted(faulty.faults.items()))}"
    )


async def test_200_jobs_ride_out_faults_on_30_percent_of_requests() -> None:
    clean = await asyncio.wait_for(_soak_async(0.0, seed=1), RUN_DEADLINE)
    faulty = await asyncio.wait_for(_soak_async(RATE, seed=1), RUN_DEADLINE)
    _report("async soak", faulty, clean)
    assert clean.faults_injected == 0
    assert clean.completed + clean.failed == JOBS
    assert faulty.completed + faulty.failed == JOBS
    assert faulty.completed == clean.completed  # the same jobs completed, faults or not
    # The fire was real: about 30 % of all requests, every kind of fault several times.
    assert 0.2 <= faulty.faults_injected / faulty.requests <= 0.4
    assert set(faulty.faults) == {f.describe() for f in FAULTS}
    assert min(faulty.faults.values()) >= 5
    assert faulty.status_requests <= REQUEST_BOUND * clean.status_requests


def test_the_sync_client_rides_out_the_same_faults() -> None:
    """40 jobs through MusicClient.wait_many (reads on a pool of 16 threads).

    Its creates are sequential, so the jobs start spread out and the request
    count says little; the bound is the async soak's business.
    """
    outcome: list[Figures | BaseException] = []

    def run() -> None:
        try:
            outcome.append(_soak_sync(RATE, seed=2, jobs=40))
        except BaseException as exc:  # re-raised in the test's thread
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)  # a hang fails the test, not the run
    worker.start()
    worker.join(RUN_DEADLINE)
    assert not worker.is_alive(), "the sync soak hung"
    (faulty,) = outcome
    if isinstance(faulty, BaseException):
        raise faulty
    print(
        f"\nsync soak: {faulty.jobs_made} jobs made, {faulty.completed} completed, "
        f"{faulty.failed} failed as scripted, 0 lost; {faulty.faults_injected} faults "
        f"injected in {faulty.requests} requests"
    )
    assert faulty.completed + faulty.failed == 40
    assert faulty.failed == 13  # every third job is scripted to fail
    assert faulty.faults_injected / faulty.requests >= 0.2
