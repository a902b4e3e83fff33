"""The waiting logic, in virtual time.

Every test runs on a fake clock: the sync driver gets a clock whose ``sleep``
moves time forward, and the async drivers run on an event loop whose clock
jumps to the next timer instead of waiting for it. Jobs are scripted as a
function of that time (``Gateway``), so no test sleeps or touches HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import selectors
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import attrs
import httpx
import pytest
from _support import interrupted_at_third_call
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_stats_music import (
    AIStatsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    JobStatus,
    MalformedResponseError,
    MusicJob,
    MusicJobFailed,
    MusicJobTimeout,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ai_stats_music._failures import status_error
from ai_stats_music._poll_policy import PollPolicy
from ai_stats_music._wait import wait_async, wait_sync
from ai_stats_music._wait_many import wait_many_async, wait_many_sync
from ai_stats_music._waiter import Done, Fail, Sleep, Waiter
from ai_stats_music._watch import AsyncSleep, WaitArgs, WaitResult

T = TypeVar("T")

# --- virtual time -------------------------------------------------------------


class FakeClock:
    """A clock for the sync driver: ``sleep`` moves time, and nothing else does.

    A wait that sleeps 0 s over and over would spin forever in virtual time; it
    fails the test instead.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        assert self.sleeps[-100:] != [0.0] * 100, "the wait is spinning"
        self.sleeps.append(seconds)
        self.now += seconds


class _VirtualSelector(selectors.SelectSelector):
    """Never waits for time to pass: a select with a timeout jumps the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("deadlock: nothing is scheduled and nothing can wake the loop")
        self.now += timeout
        return []


class _VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now


def run_virtual(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on an event loop in virtual time (``asyncio.sleep`` included)."""
    loop = _VirtualLoop()
    try:
        return loop.run_until_complete(main)
    finally:  # after a failed test, leave nothing running into the next one
        leftover = asyncio.all_tasks(loop)
        if leftover:
            for task in leftover:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def vclock() -> float:
    return asyncio.get_running_loop().time()


def other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}


# --- a scripted gateway ---------------------------------------------------------

#: What a job reads as at a time: a status, (status, poll hint), or raise.
Answer = Callable[[str, float], "str | tuple[str, float | None]"]


def read(job_id: str, status: str) -> MusicJob:
    data: dict[str, Any] = {"id": job_id, "status": status}
    if status == "failed":
        data["error"] = {"message": "provider said no", "code": "upstream_error"}
    if status == "completed":
        data["output"] = [{"index": 0, "id": f"{job_id}-clip", "audio_url": "https://a/x.mp3"}]
    return MusicJob.from_dict(data)


class Gateway:
    """Answers status reads from a script; logs when each request started."""

    def __init__(self, answer: Answer, *, latency: float = 0.0) -> None:
        self.answer = answer
        self.latency = latency
        self.requests: list[tuple[float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def _answer(self, job_id: str, t: float) -> tuple[MusicJob, float | None]:
        got = self.answer(job_id, t)
        status, hint = got if isinstance(got, tuple) else (got, None)
        return read(job_id, status), hint

    def fetch(self, clock: FakeClock) -> Callable[[str], tuple[MusicJob, float | None]]:
        def fetch(job_id: str) -> tuple[MusicJob, float | None]:
            t = clock.now
            self.requests.append((t, job_id))
            clock.now += self.latency
            return self._answer(job_id, t)

        return fetch

    async def afetch(self, job_id: str) -> tuple[MusicJob, float | None]:
        t = vclock()
        self.requests.append((t, job_id))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
            return self._answer(job_id, t)
        finally:
            self.in_flight -= 1

    @property
    def times(self) -> list[float]:
        return [t for t, _ in self.requests]


def ends_at(end: float, final: str = "completed", before: str = "in_progress") -> Answer:
    return lambda _job_id, t: final if t >= end else before


def never_ends(status: str = "in_progress") -> Answer:
    return lambda _job_id, _t: status


def http_error(code: int, *, retry_after: str | None = None) -> APIStatusError:
    headers = {} if retry_after is None else {"retry-after": retry_after}
    request = httpx.Request("GET", "https://gateway.test/v1/music/generate/j")
    response = httpx.Response(
        code, headers=headers, json={"error": "some_error", "reason": "r"}, request=request
    )
    return status_error(response)


def run_sync(
    gateway: Gateway, job_id: str = "j", **kwargs: Any
) -> tuple[MusicJob | AIStatsError, FakeClock]:
    """Wait with the sync driver; the outcome is the job or the error raised."""
    clock = FakeClock()
    kwargs.setdefault("rng", random.Random(0))
    try:
        job = wait_sync(
            gateway.fetch(clock),
            kwargs.pop("last_job", None) or job_id,
            WaitArgs(clock=clock, sleep=clock.sleep, **kwargs),
        )
    except AIStatsError as exc:
        return exc, clock
    return job, clock


NO_JITTER = PollPolicy(jitter=0.0)

# --- the policy ---------------------------------------------------------------


def test_default_schedule_is_stepped_for_a_new_job() -> None:
    gateway = Gateway(ends_at(21.0))
    job, _ = run_sync(gateway, policy=NO_JITTER, just_created=True)
    assert isinstance(job, MusicJob)
    assert job.is_completed
    assert gateway.times == pytest.approx([1, 2, 4, 6, 8, 10, 15.3, 20.6, 25.9])


def test_a_job_known_only_by_id_is_read_at_once() -> None:
    gateway = Gateway(ends_at(3.0))
    run_sync(gateway, policy=NO_JITTER)
    assert gateway.times == [0, 1, 2, 4]


def test_delays_grow_by_the_multiplier_up_to_max_delay() -> None:
    policy = PollPolicy(initial_delay=0.5, multiplier=3.0, max_delay=10.0, latency_bounds=())
    assert [policy.delay(n, 100.0) for n in range(6)] == [0.5, 1.5, 4.5, 10.0, 10.0, 10.0]
    # far into a long wait the growth must not overflow
    assert policy.delay(100_000, 1e6) == 10.0


def test_latency_bounds_apply_by_age_whatever_their_order() -> None:
    policy = PollPolicy(initial_delay=9.0, max_delay=9.0, latency_bounds=[(10, 3), (2, 1)])
    assert policy.latency_bounds == ((10.0, 3.0), (2.0, 1.0))
    assert [policy.delay(0, age) for age in (0, 1.99, 2, 9.99, 10, 50)] == [1, 1, 3, 3, 9, 9]


def test_fixed_policy_polls_at_a_constant_rate_until_the_deadline() -> None:
    policy = PollPolicy.fixed(0.5, timeout=3.0)
    gateway = Gateway(never_ends())
    error, clock = run_sync(gateway, policy=policy, just_created=True)
    assert isinstance(error, MusicJobTimeout)
    assert gateway.times == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert clock.now == 3.0


def test_jitter_only_shortens_and_spreads_over_many_draws() -> None:
    policy = PollPolicy(jitter=0.25)
    rng = random.Random(1)
    ceiling = policy.delay(7, 30.0)
    draws = [policy.delay(7, 30.0, rng) / ceiling for _ in range(20_000)]
    assert all(0.75 <= d <= 1.0 for d in draws)
    assert min(draws) < 0.76
    assert max(draws) > 0.99
    assert 0.87 < sum(draws) / len(draws) < 0.88


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_delay": 0},
        {"initial_delay": -1},
        {"initial_delay": float("nan")},
        {"max_delay": float("inf")},
        {"multiplier": 0.5},
        {"jitter": 1.0},
        {"jitter": -0.1},
        {"timeout": 0},
        {"timeout": float("inf")},
        {"latency_bounds": [(0, 1)]},
        {"latency_bounds": [(2, 0)]},
    ],
)
def test_policy_refuses_values_that_would_spin_or_never_end(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        PollPolicy(**kwargs)


policies = st.builds(
    PollPolicy,
    initial_delay=st.floats(0.1, 5.0),
    multiplier=st.floats(1.0, 4.0),
    max_delay=st.floats(0.5, 20.0),
    jitter=st.floats(0.0, 0.5),
    timeout=st.none(),
    latency_bounds=st.lists(st.tuples(st.floats(0.5, 30.0), st.floats(0.1, 10.0)), max_size=3),
)


@given(policy=policies, poll=st.integers(0, 2_000), age=st.floats(0.0, 1e5), seed=st.integers())
def test_a_delay_never_exceeds_any_ceiling_nor_falls_below_the_jitter(
    policy: PollPolicy, poll: int, age: float, seed: int
) -> None:
    ceiling = policy.delay(poll, age)
    assert ceiling <= policy.max_delay
    if poll * math.log(policy.multiplier) < 700:  # else the growth is beyond any float
        assert ceiling <= policy.initial_delay * policy.multiplier**poll * (1 + 1e-12)
    for bound_age, bound in policy.latency_bounds:
        if age < bound_age:
            assert ceiling <= bound
    jittered = policy.delay(poll, age, random.Random(seed))
    assert ceiling * (1 - policy.jitter) <= jittered <= ceiling


# --- latency guarantees and the deadline ------------------------------------------


@pytest.mark.parametrize("final", ["completed", "failed"])
@pytest.mark.parametrize("seed", range(5))
def test_default_latency_bounds_hold_for_short_jobs(final: str, seed: int) -> None:
    """A job that ends at any time up to 10 s is learned at most 2 s late, and
    one that ends within 2 s at most 1 s late."""
    for step in range(1001):
        end = step / 100
        gateway = Gateway(ends_at(end, final))
        outcome, clock = run_sync(gateway, just_created=True, rng=random.Random(seed))
        assert isinstance(outcome, MusicJob | MusicJobFailed)
        late = clock.now - end
        assert 0 <= late <= (1.0 if end < 2 else 2.0), (end, gateway.times)


@settings(max_examples=200, deadline=None)
@given(
    policy=policies,
    end=st.floats(0.0, 40.0),
    just_created=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_any_policy_learns_of_the_end_within_its_bounds(
    policy: PollPolicy, end: float, just_created: bool, seed: int
) -> None:
    gateway = Gateway(ends_at(end))
    job, clock = run_sync(
        gateway, policy=policy, just_created=just_created, rng=random.Random(seed)
    )
    assert isinstance(job, MusicJob)
    assert job.is_completed
    allowed = min([policy.max_delay] + [d for age, d in policy.latency_bounds if end < age])
    assert 0 <= clock.now - end <= allowed + 1e-9


@settings(max_examples=150, deadline=None)
@given(
    policy=policies,
    timeout=st.floats(0.5, 60.0),
    latency=st.sampled_from([0.0, 0.01, 0.3, 2.0]),
    hint=st.sampled_from([None, 0.0, 0.7, 45.0]),
    just_created=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_the_deadline_is_never_overshot_by_more_than_one_request(
    policy: PollPolicy,
    timeout: float,
    latency: float,
    hint: float | None,
    just_created: bool,
    seed: int,
) -> None:
    policy = attrs.evolve(policy, timeout=timeout)
    gateway = Gateway(lambda _id, _t: ("queued", hint), latency=latency)
    error, clock = run_sync(
        gateway, policy=policy, just_created=just_created, rng=random.Random(seed)
    )
    assert isinstance(error, MusicJobTimeout)
    assert error.timeout == timeout
    assert error.last_job is not None
    assert error.last_job.status == JobStatus.QUEUED
    # never asleep past the deadline, and done within one request of it
    assert all(t <= timeout + 1e-9 for t in gateway.times)
    assert timeout - 1e-6 <= clock.now <= timeout + latency + 1e-9
    # the time the job was given is used: the last request is made at the deadline
    # itself unless one was still running across it
    assert gateway.times[-1] >= timeout - latency - 1e-6


def test_clock_rounding_at_the_deadline_buys_no_extra_request() -> None:
    # ten sleeps of 0.1 s end at 0.9999999999999999, not 1.0: that sliver is no time
    gateway = Gateway(never_ends())
    error, clock = run_sync(gateway, policy=PollPolicy.fixed(0.1, timeout=1.0))
    assert isinstance(error, MusicJobTimeout)
    assert len(gateway.requests) == 11
    assert clock.now == pytest.approx(1.0)


def test_without_a_timeout_the_wait_goes_on() -> None:
    gateway = Gateway(ends_at(5_000.0))
    job, clock = run_sync(gateway, policy=PollPolicy(timeout=None), just_created=True)
    assert isinstance(job, MusicJob)
    assert job.is_completed
    assert 5_000 <= clock.now <= 5_005


def test_unknown_statuses_keep_the_wait_going_to_the_deadline() -> None:
    gateway = Gateway(never_ends("rendering_stems"))
    error, clock = run_sync(gateway, policy=PollPolicy(timeout=30.0))
    assert isinstance(error, MusicJobTimeout)
    assert error.job_id == "j"
    assert error.last_job is not None
    assert error.last_job.status == "rendering_stems"
    assert error.__cause__ is None
    assert clock.now == 30.0
    assert len(gateway.times) > 5


# --- answers: hints, Retry-After, errors ------------------------------------------


def test_a_server_hint_on_a_status_answer_replaces_the_policy_delay() -> None:
    def answer(_id: str, t: float) -> tuple[str, float | None]:
        return ("completed", None) if t >= 20 else ("in_progress", 7.5 if t < 10 else 0.25)

    gateway = Gateway(answer)
    run_sync(gateway, policy=NO_JITTER)
    # 7.5 s is longer than the policy's 1 s ceiling, 0.25 s shorter than its 5 s: both win
    assert gateway.times[:3] == [0, 7.5, 15.0]
    assert gateway.times[3] == pytest.approx(15.25)
    assert gateway.times[-1] == pytest.approx(20.0)


def test_a_zero_hint_is_ignored_so_the_wait_cannot_spin() -> None:
    gateway = Gateway(lambda _id, t: ("completed" if t >= 4 else "queued", 0.0))
    run_sync(gateway, policy=NO_JITTER)
    assert gateway.times == [0, 1, 2, 4]


def test_a_hint_past_the_deadline_is_cut_to_it() -> None:
    gateway = Gateway(lambda _id, _t: ("queued", 3600.0))
    error, clock = run_sync(gateway, policy=PollPolicy(timeout=10.0))
    assert isinstance(error, MusicJobTimeout)
    assert gateway.times == [0.0, 10.0]
    assert clock.now == 10.0


def flaky(errors: Callable[[], AIStatsError], until: float, end: float) -> Answer:
    def answer(_id: str, t: float) -> str:
        if t < until:
            raise errors()
        return "completed" if t >= end else "in_progress"

    return answer


@pytest.mark.parametrize(
    "error",
    [
        lambda: http_error(429, retry_after="7"),
        lambda: http_error(503, retry_after="7"),
    ],
    ids=["429", "503"],
)
def test_retry_after_is_honoured(error: Callable[[], AIStatsError]) -> None:
    gateway = Gateway(flaky(error, until=10.0, end=0.0))
    job, _ = run_sync(gateway)
    assert isinstance(job, MusicJob)
    assert job.is_completed
    assert gateway.times == [0.0, 7.0, 14.0]  # exactly, not jittered


def test_retry_after_is_cut_to_the_deadline() -> None:
    gateway = Gateway(flaky(lambda: http_error(429, retry_after="120"), until=1e9, end=0))
    error, _clock = run_sync(gateway, policy=PollPolicy(timeout=50.0))
    assert isinstance(error, MusicJobTimeout)
    assert isinstance(error.__cause__, RateLimitError)
    assert gateway.times == [0.0, 50.0]


TRANSIENT: list[Callable[[], AIStatsError]] = [
    lambda: APIConnectionError(),
    lambda: APITimeoutError(),
    lambda: MalformedResponseError("truncated body", field=None),
    lambda: http_error(500),
    lambda: http_error(502),
    lambda: http_error(503),
    lambda: http_error(429),
    lambda: http_error(408),
    lambda: http_error(409),
    lambda: http_error(425),
]


@pytest.mark.parametrize("error", TRANSIENT)
def test_transient_errors_are_retried_on_the_policy_schedule(
    error: Callable[[], AIStatsError],
) -> None:
    gateway = Gateway(flaky(error, until=9.0, end=12.0))
    job, _ = run_sync(gateway, policy=NO_JITTER, just_created=True)
    assert isinstance(job, MusicJob)
    assert job.is_completed
    assert gateway.times == pytest.approx([1, 2, 4, 6, 8, 10, 15.3])


@pytest.mark.parametrize("error", TRANSIENT)
def test_transient_errors_end_the_wait_only_at_the_deadline(
    error: Callable[[], AIStatsError],
) -> None:
    gateway = Gateway(flaky(error, until=1e9, end=0.0))
    outcome, clock = run_sync(gateway, policy=PollPolicy(timeout=40.0))
    assert isinstance(outcome, MusicJobTimeout)
    assert clock.now == 40.0
    assert outcome.job_id == "j"
    assert outcome.last_job is None
    cause = outcome.__cause__
    assert isinstance(cause, AIStatsError)
    assert type(cause) is type(error())
    assert cause.job_id == "j"


def test_a_timeout_after_errors_keeps_the_last_status_seen() -> None:
    def answer(_id: str, t: float) -> str:
        if t >= 3:
            raise http_error(502)
        return "in_progress"

    outcome, _ = run_sync(Gateway(answer), policy=PollPolicy(timeout=20.0))
    assert isinstance(outcome, MusicJobTimeout)
    assert outcome.last_job is not None
    assert outcome.last_job.status == JobStatus.IN_PROGRESS
    assert isinstance(outcome.__cause__, ServerError)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (400, BadRequestError),
        (422, BadRequestError),
        (410, APIStatusError),
    ],
)
@pytest.mark.parametrize("after", [0.0, 5.0])
def test_permanent_errors_end_the_wait_at_once(
    code: int, kind: type[APIStatusError], after: float
) -> None:
    def answer(_id: str, t: float) -> str:
        if t < after:  # the job may have been seen running before the error
            return "in_progress"
        raise http_error(code)

    gateway = Gateway(answer)
    outcome, clock = run_sync(gateway, policy=NO_JITTER)
    assert type(outcome) is kind
    assert outcome.job_id == "j"
    assert gateway.times[-1] == clock.now >= after
    assert sum(t >= after for t in gateway.times) == 1


def test_a_failed_job_raises_music_job_failed_with_the_job() -> None:
    outcome, clock = run_sync(Gateway(ends_at(3.0, "failed")), policy=NO_JITTER)
    assert isinstance(outcome, MusicJobFailed)
    assert outcome.job_id == "j"
    assert outcome.job.is_failed
    assert outcome.error is not None
    assert outcome.error.code == "upstream_error"
    assert clock.now == 4.0


def test_a_bug_in_fetch_is_not_an_answer_and_propagates() -> None:
    def answer(_id: str, _t: float) -> str:
        raise KeyError("oops")

    with pytest.raises(KeyError):
        run_sync(Gateway(answer))


@pytest.mark.parametrize("where", ["sleep", "fetch"])
def test_keyboard_interrupt_propagates_from_the_sync_driver(where: str) -> None:
    clock = FakeClock()
    gateway = Gateway(never_ends())
    fetch: Callable[[Any], Any] = gateway.fetch(clock)
    sleep: Callable[[Any], Any] = clock.sleep
    if where == "fetch":
        fetch = interrupted_at_third_call(fetch)
    else:
        sleep = interrupted_at_third_call(sleep)
    with pytest.raises(KeyboardInterrupt):
        wait_sync(fetch, "j", WaitArgs(clock=clock, sleep=sleep))
    assert len(gateway.requests) == 2


# --- where the wait starts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"), [("completed", MusicJob), ("failed", MusicJobFailed)]
)
def test_a_job_already_terminal_ends_the_wait_without_a_request(
    status: str, expected: type[Any]
) -> None:
    gateway = Gateway(never_ends())
    updates: list[MusicJob] = []
    last = read("j", status)
    outcome, _ = run_sync(gateway, last_job=last, on_update=updates.append)
    assert isinstance(outcome, expected)
    assert gateway.requests == []
    assert updates == [last]


class _AnyJob:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, MusicJob)


ANY_JOB: Any = _AnyJob()


def test_the_waiter_is_used_in_order_and_once() -> None:
    with pytest.raises(ValueError, match="not 'j'"):
        Waiter("j", last_job=read("k", "queued"))
    waiter = Waiter("j")
    with pytest.raises(RuntimeError):
        waiter.on_job(read("j", "queued"), 0.0)
    assert waiter.start(0.0) == Sleep(0.0)
    with pytest.raises(RuntimeError):
        waiter.start(0.0)
    assert waiter.on_job(read("j", "completed"), 1.0) == Done(read("j", "completed"), ANY_JOB)
    with pytest.raises(RuntimeError):
        waiter.on_error(APIConnectionError(), 2.0)


def test_waiter_decisions_carry_the_status_changes() -> None:
    queued, running = read("j", "queued"), read("j", "in_progress")
    waiter = Waiter("j", last_job=queued, just_created=True, rng=random.Random(3))
    first = waiter.start(100.0)
    assert isinstance(first, Sleep)
    assert first.changed is queued
    assert 0.9 <= first.seconds <= 1
    assert waiter.on_job(read("j", "queued"), 101.0).changed is None
    assert waiter.on_job(running, 102.0).changed is running
    assert waiter.on_error(APIConnectionError(), 103.0).changed is None
    assert waiter.polls == 3
    assert waiter.last_job is running
    end = waiter.on_error(http_error(403), 104.0)
    assert isinstance(end, Fail)
    assert isinstance(end.error, PermissionDeniedError)


# --- on_update ------------------------------------------------------------------------


def test_on_update_fires_once_per_status_the_job_goes_through() -> None:
    timeline = [(0, "queued"), (3, "in_progress"), (9, "rendering"), (20, "in_progress")]

    def answer(_id: str, t: float) -> str:
        if 8 <= t < 9:
            raise http_error(503)
        return "completed" if t >= 35 else [s for at, s in timeline if t >= at][-1]

    seen: list[tuple[float, str]] = []
    clock = FakeClock()
    gateway = Gateway(answer)
    wait_sync(
        gateway.fetch(clock),
        read("j", "queued"),
        WaitArgs(
            on_update=lambda job: seen.append((clock.now, str(job.status))),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(0),
        ),
    )
    assert [s for _, s in seen] == [
        "queued",
        "in_progress",
        "rendering",
        "in_progress",
        "completed",
    ]
    assert seen[0][0] == 0.0  # the status given is reported before any request
    assert len(gateway.requests) > len(seen)


def test_an_exception_in_on_update_ends_the_wait() -> None:
    gateway = Gateway(ends_at(30.0))

    def on_update(job: MusicJob) -> None:
        if job.status == JobStatus.IN_PROGRESS:
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        run_sync(gateway, on_update=on_update)
    assert len(gateway.requests) == 1


# --- the async driver -----------------------------------------------------------------


def scripted_story(_id: str, t: float) -> str | tuple[str, float | None]:
    """A job that meets most of what the waiter handles, for comparing drivers."""
    if 3 <= t < 6:
        raise http_error(503, retry_after="2.5")
    if 6 <= t < 9:
        raise APITimeoutError()
    if 9 <= t < 14:
        return ("in_progress", 1.25)
    if t < 20:
        return "queued" if t < 2 else "rendering"
    return "completed"


@pytest.mark.parametrize("latency", [0.0, 0.2])
@pytest.mark.parametrize("timeout", [None, 17.0])
def test_sync_and_async_drivers_make_the_same_requests(
    latency: float, timeout: float | None
) -> None:
    policy = PollPolicy(timeout=timeout)

    def run(driver: str) -> tuple[list[tuple[float, str]], list[str], str]:
        gateway = Gateway(scripted_story, latency=latency)
        updates: list[str] = []
        kwargs: dict[str, Any] = {
            "policy": policy,
            "just_created": True,
            "on_update": lambda job: updates.append(str(job.status)),
            "rng": random.Random(7),
        }
        if driver == "sync":
            outcome: MusicJob | AIStatsError
            outcome, _ = run_sync(gateway, **kwargs)
        else:

            async def main() -> MusicJob | AIStatsError:
                try:
                    return await wait_async(gateway.afetch, "j", WaitArgs(clock=vclock, **kwargs))
                except AIStatsError as exc:
                    return exc

            outcome = run_virtual(main())
        return gateway.requests, updates, repr(outcome)

    sync_requests, sync_updates, sync_outcome = run("sync")
    async_requests, async_updates, async_outcome = run("async")
    assert len(sync_requests) > 8
    assert [i for _, i in async_requests] == [i for _, i in sync_requests]
    assert [t for t, _ in async_requests] == pytest.approx([t for t, _ in sync_requests])
    assert async_updates == sync_updates
    assert async_outcome == sync_outcome


@pytest.mark.parametrize("during", ["sleep", "fetch"])
def test_cancelling_an_async_wait_stops_it_at_once(during: str) -> None:
    gateway = Gateway(never_ends(), latency=1.0)

    async def main() -> None:
        task = asyncio.create_task(
            wait_async(gateway.afetch, "j", WaitArgs(policy=NO_JITTER, clock=vclock))
        )
        # reads (1 s each) at 0, 2, 5, 8: asleep at 4.5, reading at 5.5
        await asyncio.sleep(4.5 if during == "sleep" else 5.5)
        assert gateway.in_flight == (during == "fetch")
        made = len(gateway.requests)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        await asyncio.sleep(600)
        assert len(gateway.requests) == made
        assert gateway.in_flight == 0

    run_virtual(main())


# --- waiting for many -----------------------------------------------------------------


def ends_by_id(ends: dict[str, float]) -> Answer:
    return lambda job_id, t: "completed" if t >= ends[job_id] else "in_progress"


def collect(gateway: Gateway, jobs: list[Any], **kwargs: Any) -> list[tuple[float, WaitResult]]:
    async def main() -> list[tuple[float, WaitResult]]:
        waits = wait_many_async(gateway.afetch, jobs, WaitArgs(**kwargs), concurrency=concurrency)
        got = [(vclock(), r) async for r in waits]
        assert other_tasks() == set()
        return got

    concurrency = kwargs.pop("concurrency", 8)
    kwargs.setdefault("clock", vclock)
    kwargs.setdefault("rng", random.Random(0))
    return run_virtual(main())


def test_wait_many_yields_each_job_once_in_the_order_they_end() -> None:
    # ends further apart than the longest poll interval, so that detection keeps their order
    ends = {f"job{i}": 6.0 * ((i * 7) % 30) + 0.5 for i in range(30)}
    got = collect(Gateway(ends_by_id(ends), latency=0.05), list(ends), concurrency=4)
    ids = [r.job_id for _, r in got]
    assert sorted(ids) == sorted(ends)
    assert ids == sorted(ends, key=ends.__getitem__)
    assert all(r.ok and r.job is not None and r.job.id == r.job_id for _, r in got)
    times = [t for t, _ in got]
    assert times == sorted(times)


@pytest.mark.parametrize("concurrency", [1, 3, 10])
def test_wait_many_bounds_the_reads_in_flight_not_the_waits(concurrency: int) -> None:
    ends = {f"job{i}": 30.0 + i for i in range(40)}
    gateway = Gateway(ends_by_id(ends), latency=0.02)
    got = collect(gateway, list(ends), concurrency=concurrency)
    assert len(got) == 40
    assert gateway.max_in_flight == concurrency
    # every job is read from the start, although only a few reads run at a time
    first_read = {job_id: t for t, job_id in reversed(gateway.requests)}
    assert max(first_read.values()) < 40 * 0.02 / concurrency + 0.01


def test_wait_many_reports_each_failure_for_its_own_job() -> None:
    def answer(job_id: str, t: float) -> str:
        if job_id == "gone":
            raise http_error(404)
        if job_id == "broken":
            return "failed" if t >= 2 else "queued"
        if job_id == "slow":
            return "in_progress"
        return "completed" if t >= 5 else "queued"

    gateway = Gateway(answer)
    jobs = ["ok1", "gone", "broken", "slow", "ok2"]
    got = {r.job_id: r for _, r in collect(gateway, jobs, policy=PollPolicy(timeout=20.0))}
    assert got.keys() == set(jobs)
    assert got["ok1"].ok
    assert got["ok2"].ok
    assert isinstance(got["gone"].error, NotFoundError)
    assert got["gone"].error.job_id == "gone"
    assert isinstance(got["broken"].error, MusicJobFailed)
    assert isinstance(got["slow"].error, MusicJobTimeout)
    assert got["slow"].error.job_id == "slow"
    with pytest.raises(MusicJobTimeout):
        got["slow"].result()
    assert got["ok1"].result().is_completed


def test_wait_many_takes_jobs_as_known_and_reports_terminal_ones_at_once() -> None:
    gateway = Gateway(ends_by_id({"a": 3.0, "b": 0.0}))
    done = read("c", "completed")
    got = collect(gateway, ["a", read("b", "queued"), done], just_created=True, policy=NO_JITTER)
    assert [(t, r.job_id) for t, r in got] == [(0.0, "c"), (1.0, "b"), (4.0, "a")]
    assert got[0][1].job is done
    assert {i for _, i in gateway.requests} == {"a", "b"}


def test_wait_many_refuses_a_job_given_twice_before_iterating() -> None:
    gateway = Gateway(never_ends())
    with pytest.raises(ValueError, match="'a' is given twice"):
        wait_many_async(gateway.afetch, ["a", "b", read("a", "queued")], WaitArgs())
    with pytest.raises(ValueError, match="concurrency"):
        wait_many_async(gateway.afetch, ["a"], WaitArgs(), concurrency=0)
    assert collect(gateway, []) == []


def test_breaking_out_of_wait_many_cancels_every_wait() -> None:
    gateway = Gateway(ends_by_id({f"job{i}": 2.0 + 10 * i for i in range(10)}), latency=0.1)

    async def main() -> None:
        async with contextlib.aclosing(
            wait_many_async(gateway.afetch, [f"job{i}" for i in range(10)], WaitArgs(clock=vclock))
        ) as results:
            async for result in results:
                assert result.job_id == "job0"
                break
        assert vclock() < 5  # closed at once, not after the other jobs ended
        assert other_tasks() == set()
        made = len(gateway.requests)
        await asyncio.sleep(1000)
        assert len(gateway.requests) == made

    run_virtual(main())


def test_cancelling_the_consumer_of_wait_many_cancels_every_wait() -> None:
    gateway = Gateway(never_ends(), latency=0.5)
    consumed: list[WaitResult] = []

    async def consume() -> None:
        jobs = ["a", "b", "c"]
        args = WaitArgs[AsyncSleep](policy=NO_JITTER, clock=vclock)
        async for result in wait_many_async(gateway.afetch, jobs, args):
            consumed.append(result)

    async def main() -> None:
        consumer = asyncio.create_task(consume())
        await asyncio.sleep(29.1)  # reads (0.5 s each) at ..., 23.1, 28.9, 34.7
        assert gateway.in_flight == 3
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await consumer
        assert vclock() == 29.1  # the waits were cancelled, not waited for
        assert other_tasks() == set()
        assert gateway.in_flight == 0

    run_virtual(main())
    assert consumed == []


@pytest.mark.parametrize("culprit", ["fetch", "on_update"])
def test_a_bug_while_waiting_for_many_propagates_and_cancels_the_rest(culprit: str) -> None:
    def answer(job_id: str, t: float) -> str:
        if culprit == "fetch" and job_id == "b" and t >= 3:
            raise RuntimeError("bug in fetch")
        return "in_progress"

    def on_update(job: MusicJob) -> None:
        if culprit == "on_update" and job.id == "b":
            raise RuntimeError("bug in on_update")

    gateway = Gateway(answer)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="bug in"):
            async for _ in wait_many_async(
                gateway.afetch, ["a", "b", "c"], WaitArgs(clock=vclock, on_update=on_update)
            ):
                pass
        assert other_tasks() == set()

    run_virtual(main())


def test_wait_result_holds_a_job_or_an_error() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        WaitResult(job_id="j")
    with pytest.raises(ValueError, match="exactly one"):
        WaitResult(job_id="j", job=read("j", "completed"), error=APIConnectionError())
    failed = WaitResult(job_id="j", error=http_error(404))
    assert not failed.ok
    with pytest.raises(NotFoundError):
        failed.result()


# --- waiting for many, sync -------------------------------------------------------------
#
# wait_many_sync reads through a pool of threads: these tests use real threads, so
# real (millisecond) time. Its waits in virtual time are in test_wait_many_sync.py.

FAST = PollPolicy.fixed(0.001, timeout=5.0)


class ThreadedGateway:
    """Job ``name`` ends on its ``reads[name]``-th read; reads take ``latency`` s."""

    def __init__(self, reads: dict[str, int], *, latency: float = 0.0) -> None:
        self.reads = reads
        self.latency = latency
        self.lock = threading.Lock()
        self.count: dict[str, int] = dict.fromkeys(reads, 0)
        self.in_flight = 0
        self.max_in_flight = 0

    def fetch(self, job_id: str) -> tuple[MusicJob, float | None]:
        with self.lock:
            self.count[job_id] += 1
            n = self.count[job_id]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.latency)
            if self.reads[job_id] < 0:
                raise http_error(404)
            return read(job_id, "completed" if n >= self.reads[job_id] else "queued"), None
        finally:
            with self.lock:
                self.in_flight -= 1

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.count.values())


def reading_threads() -> list[threading.Thread]:
    """The pool threads of the sync wait_many still alive a moment after it ended
    (a read in flight when it was closed may take that moment to end)."""
    threads = [t for t in threading.enumerate() if t.name.startswith("ai-stats-music-fetch")]
    for thread in threads:
        thread.join(timeout=5)
    return [t for t in threads if t.is_alive()]


def test_wait_many_sync_yields_each_job_once_with_reads_bounded() -> None:
    reads = {f"job{i}": 1 + i % 4 for i in range(12)} | {"gone": -1}
    gateway = ThreadedGateway(reads, latency=0.001)
    seen: list[tuple[str, str, int]] = []
    results = list(
        wait_many_sync(
            gateway.fetch,
            list(reads),
            WaitArgs(
                policy=FAST,
                on_update=lambda job: seen.append((job.id, job.status, threading.get_ident())),
            ),
            concurrency=3,
        )
    )
    assert sorted(r.job_id for r in results) == sorted(reads)
    assert [r.job_id for r in results if not r.ok] == ["gone"]
    assert isinstance(results[[r.job_id for r in results].index("gone")].error, NotFoundError)
    assert 1 <= gateway.max_in_flight <= 3
    # on_update runs in the caller's thread, once per status of each job
    assert {ident for _, _, ident in seen} == {threading.get_ident()}
    for job_id, n in reads.items():
        statuses = [status for i, status, _ in seen if i == job_id]
        assert statuses == ([] if n < 0 else ["queued", "completed"] if n > 1 else ["completed"])
    assert reading_threads() == []


def test_closing_wait_many_sync_early_stops_every_wait() -> None:
    gateway = ThreadedGateway({"quick": 1} | {f"slow{i}": 10**6 for i in range(5)})
    with contextlib.closing(
        wait_many_sync(gateway.fetch, list(gateway.reads), WaitArgs(policy=FAST))
    ) as it:
        assert next(it).job_id == "quick"
    assert reading_threads() == []
    made = gateway.total
    # Cancelled, not waited out: five waits polling every 0.02 s at most up to FAST's
    # 5 s deadline would have read over a thousand times (a count, not a duration).
    assert made < 100
    time.sleep(0.005)
    assert gateway.total <= made + 5  # at most the reads that were already running


@pytest.mark.parametrize(
    ("culprit", "raised"),
    [("fetch", RuntimeError), ("on_update", RuntimeError), ("on_update", KeyboardInterrupt)],
)
def test_a_bug_or_interrupt_while_waiting_for_many_sync_propagates(
    culprit: str, raised: type[BaseException]
) -> None:
    gateway = ThreadedGateway({"a": 3, "b": 3})

    def fetch(job_id: str) -> tuple[MusicJob, float | None]:
        if culprit == "fetch" and job_id == "b":
            raise raised("bug in fetch")
        return gateway.fetch(job_id)

    def on_update(job: MusicJob) -> None:
        if culprit == "on_update" and job.id == "b":
            raise raised("bug in on_update")

    with pytest.raises(raised):
        for _ in wait_many_sync(fetch, ["a", "b"], WaitArgs(policy=FAST, on_update=on_update)):
            pass
    assert reading_threads() == []


def test_wait_many_sync_refuses_bad_arguments_before_iterating() -> None:
    with pytest.raises(ValueError, match="given twice"):
        wait_many_sync(ThreadedGateway({}).fetch, ["a", "a"], WaitArgs())
    with pytest.raises(ValueError, match="concurrency"):
        wait_many_sync(ThreadedGateway({}).fetch, ["a"], WaitArgs(), concurrency=0)
    assert list(wait_many_sync(ThreadedGateway({}).fetch, [], WaitArgs())) == []
