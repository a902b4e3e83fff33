"""Polling efficiency in virtual time: the real :class:`Waiter`, a simulated clock.

A job's status is a function of time: it is ``in_progress`` until it ends at
``end`` seconds after creation, then ``completed`` (or ``failed``). The waiter is
started as ``create_and_wait`` starts it (just created, the create answer as
its last job) and its decisions are carried out on a virtual clock: each
:class:`Sleep` moves time on, then a status read is answered at that instant.
Jitter is on, drawn from a seeded ``random.Random``, so the figures are those
users get and the same on every run.

Two figures per policy and job: the status requests it costs, and the
detection delay -- how long after the job ended the caller learned it (the
time of the first read that saw the end, minus ``end``).

Deadlines are switched off (``timeout=None``) for every policy measured, so
that a job longer than a policy's timeout is still seen to the end and all
policies are compared on the same jobs; a deadline changes neither figure of a
job that ends before it.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeAlias

import attrs
import httpx

from ai_stats_music import AIStatsError, MusicJob, PollPolicy
from ai_stats_music._failures import status_error
from ai_stats_music._waiter import Done, Fail, Sleep, Waiter

__all__ = [
    "BASELINES",
    "MIX_MEDIAN",
    "MIX_SIGMA",
    "SCRIPTED_LENGTHS",
    "Outcome",
    "Summary",
    "early_failure_worst",
    "mix_lengths",
    "retry_after_demo",
    "run_jobs",
    "short_job_worst",
    "simulate",
    "summarize",
]

SEED: Final = 20240501
MIX_MEDIAN: Final = 45.0
MIX_SIGMA: Final = 0.8
MIX_SIZE: Final = 2000
SCRIPTED_LENGTHS: Final = (3.0, 10.0, 30.0, 60.0, 120.0, 300.0)

#: What users would use instead, each as a fixed interval.
BASELINES: Final = {
    "fixed 0.5 s (replicate)": PollPolicy.fixed(0.5, timeout=None),
    "fixed 1 s (openai-python)": PollPolicy.fixed(1.0, timeout=None),
    "fixed 5 s (hand-written loop)": PollPolicy.fixed(5.0, timeout=None),
}

#: What a status read answers at a time: ``None`` (no hint), a poll-delay hint
#: in seconds (``Retry-After`` on the status answer), or an error it raises.
ServerAnswer: TypeAlias = float | AIStatsError | None
Server: TypeAlias = Callable[[int, float], ServerAnswer]

_JOB_ID: Final = "job_bench"
_JOBS: Final = {
    status: MusicJob.from_dict({"id": _JOB_ID, "status": status})
    for status in ("queued", "in_progress", "completed", "failed")
}
# No job ends at once, and a wait that never ends in virtual time is a bug.
_MAX_POLLS: Final = 1_000_000


@attrs.frozen
class Outcome:
    """One simulated wait: requests made, when they were made, the detection delay."""

    end: float
    requests: int
    learned_at: float
    poll_times: tuple[float, ...] = attrs.field(repr=False)

    @property
    def delay(self) -> float:
        return self.learned_at - self.end


def _no_server(_poll: int, _now: float) -> ServerAnswer:
    return None


def simulate(
    policy: PollPolicy,
    end: float,
    *,
    rng: random.Random,
    final: str = "completed",
    server: Server = _no_server,
    latency: float = 0.0,
) -> Outcome:
    """Wait, with the real :class:`Waiter`, for a job created at 0 that ends at ``end``.

    ``server(poll_index, now)`` may add a poll hint to a status answer or make
    the read fail; ``latency`` is the virtual time each read takes (its answer
    reflects the instant it was sent).
    """
    waiter = Waiter(_JOB_ID, policy=policy, last_job=_JOBS["queued"], just_created=True, rng=rng)
    decision = waiter.start(0.0)
    now = 0.0
    times: list[float] = []
    while isinstance(decision, Sleep):
        if len(times) >= _MAX_POLLS:
            raise RuntimeError(f"the wait for a job of {end} s did not end")
        now += decision.seconds
        times.append(now)
        answer = server(len(times) - 1, now)
        sent = now
        now += latency
        if isinstance(answer, AIStatsError):
            decision = waiter.on_error(answer, now)
            continue
        status = final if sent >= end else "in_progress"
        decision = waiter.on_job(_JOBS[status], now, hint=answer)
    if isinstance(decision, Fail) and final != "failed":
        raise decision.error  # a timeout or a permanent error: not a detection
    assert isinstance(decision, Done | Fail)
    return Outcome(end=end, requests=len(times), learned_at=now, poll_times=tuple(times))


def run_jobs(
    policy: PollPolicy, ends: Iterable[float], *, seed: int = SEED, final: str = "completed"
) -> list[Outcome]:
    """Each job of ``ends`` waited with ``policy``; one seeded jitter stream for all."""
    rng = random.Random(seed)
    policy = attrs.evolve(policy, timeout=None)
    return [simulate(policy, end, rng=rng, final=final) for end in ends]


@attrs.frozen
class Summary:
    jobs: int
    requests_per_job: float
    mean_delay: float
    p95_delay: float
    max_delay: float


def summarize(outcomes: Sequence[Outcome]) -> Summary:
    delays = sorted(o.delay for o in outcomes)
    return Summary(
        jobs=len(outcomes),
        requests_per_job=statistics.fmean(o.requests for o in outcomes),
        mean_delay=statistics.fmean(delays),
        p95_delay=delays[min(len(delays) - 1, math.ceil(0.95 * len(delays)) - 1)],
        max_delay=delays[-1],
    )


def mix_lengths(n: int = MIX_SIZE, *, seed: int = SEED) -> list[float]:
    """``n`` job lengths, log-normal with median 45 s and sigma 0.8, from a fixed seed."""
    rng = random.Random(seed)
    return [rng.lognormvariate(math.log(MIX_MEDIAN), MIX_SIGMA) for _ in range(n)]


def _grid(stop: float, step: float, *, include_stop: bool) -> list[float]:
    count = round(stop / step)
    return [i * step for i in range(count + (1 if include_stop else 0))]


def early_failure_worst(policy: PollPolicy, *, seeds: int = 10, step: float = 0.01) -> float:
    """The latest a job failing in its first 2 s is learned, over a grid of failure
    times in [0, 2) and ``seeds`` jitter streams."""
    grid = _grid(2.0, step, include_stop=False)
    return max(
        o.delay for s in range(seeds) for o in run_jobs(policy, grid, seed=SEED + s, final="failed")
    )


def short_job_worst(policy: PollPolicy, *, seeds: int = 10, step: float = 0.01) -> float:
    """The latest a job of 10 s or less is learned, over a grid of lengths in
    [0, 10] and ``seeds`` jitter streams."""
    grid = _grid(10.0, step, include_stop=True)
    return max(o.delay for s in range(seeds) for o in run_jobs(policy, grid, seed=SEED + s))


def _rate_limited(retry_after: str) -> AIStatsError:
    request = httpx.Request("GET", "https://gateway.test/v1/music/generate/" + _JOB_ID)
    response = httpx.Response(
        429,
        headers={"retry-after": retry_after},
        json={"error": "rate_limited", "reason": "slow down"},
        request=request,
    )
    return status_error(response, job_id=_JOB_ID)


@attrs.frozen
class RetryAfterDemo:
    """A 60 s job whose server says when to come back, waited with ``policy``."""

    poll_times: tuple[float, ...]
    #: (poll index, what the server said, seconds until the next poll)
    hinted: tuple[tuple[int, str, float], ...]

    @property
    def followed(self) -> bool:
        return all(
            math.isclose(gap, float(said.split()[-1]), abs_tol=1e-9)
            for _i, said, gap in self.hinted
        )


def retry_after_demo(policy: PollPolicy, *, seed: int = SEED) -> RetryAfterDemo:
    """Polls 4 and 5 are answered 429 with ``Retry-After: 7``; poll 8 is a 200
    whose ``Retry-After: 20`` asks for a slower pace. The poll after each of
    them must come exactly that many seconds later (not jittered, not capped
    by the policy's ``max_delay``)."""
    said = {4: "429 Retry-After 7", 5: "429 Retry-After 7", 8: "200 Retry-After 20"}

    def server(poll: int, _now: float) -> ServerAnswer:
        if poll in (4, 5):
            return _rate_limited("7")
        if poll == 8:
            return 20.0
        return None

    outcome = simulate(
        attrs.evolve(policy, timeout=None), 60.0, rng=random.Random(seed), server=server
    )
    times = outcome.poll_times
    hinted = tuple((i, said[i], times[i + 1] - times[i]) for i in sorted(said))
    return RetryAfterDemo(poll_times=times, hinted=hinted)


# -- the benchmark ---------------------------------------------------------------------------

#: The defaults before this benchmark chose them (kept to show what changed).
PREVIOUS_DEFAULT: Final = PollPolicy(
    initial_delay=1.0, multiplier=2.0, max_delay=5.0, jitter=0.1, timeout=600.0
)


def study_candidates() -> dict[str, PollPolicy]:
    """Policies of the same shape as the default, around it: the trade-off studied."""
    default = PollPolicy()
    bounds = default.latency_bounds
    return {
        "default": default,
        "default, no jitter": attrs.evolve(default, jitter=0.0),
        "previous default (max 5 s)": PREVIOUS_DEFAULT,
        "max 5 s, jitter 0.05": attrs.evolve(default, max_delay=5.0, jitter=0.05),
        "max 5.15 s, jitter 0.05": attrs.evolve(default, max_delay=5.15, jitter=0.05),
        "max 5.5 s": attrs.evolve(default, max_delay=5.5),
        "max 6 s": attrs.evolve(default, max_delay=6.0),
        "5 s to 120 s, then 7 s": attrs.evolve(
            default, max_delay=7.0, latency_bounds=(*bounds, (120.0, 5.0))
        ),
        "plain exponential (1 s x2, max 30 s)": PollPolicy(
            initial_delay=1.0, multiplier=2.0, max_delay=30.0, jitter=0.1, latency_bounds=()
        ),
    }


def _policy_figures(policy: PollPolicy, mix: Sequence[float], base: float) -> dict[str, Any]:
    summary = summarize(run_jobs(policy, mix))
    return {
        "policy": _describe(policy),
        "requests_per_job": summary.requests_per_job,
        "fewer_requests_than_fixed_1s": base / summary.requests_per_job,
        "mean_delay": summary.mean_delay,
        "p95_delay": summary.p95_delay,
        "max_delay": summary.max_delay,
        "early_failure_worst": early_failure_worst(policy),
        "short_job_worst": short_job_worst(policy),
    }


def _robustness(
    policy: PollPolicy, mixes: Sequence[Sequence[float]], bases: Sequence[float]
) -> dict[str, Any]:
    ratios, delays = [], []
    for i, (mix, base) in enumerate(zip(mixes, bases, strict=True)):
        for s in range(3):
            summary = summarize(run_jobs(policy, mix, seed=SEED + 1000 * i + s))
            ratios.append(base / summary.requests_per_job)
            delays.append(summary.mean_delay)
    both = sum(r >= 3.5 and d <= 2.5 for r, d in zip(ratios, delays, strict=True))
    return {
        "runs": len(ratios),
        "mean_fewer_requests": statistics.fmean(ratios),
        "min_fewer_requests": min(ratios),
        "mean_delay": statistics.fmean(delays),
        "max_mean_delay": max(delays),
        "share_meeting_both": both / len(ratios),
    }


def _describe(policy: PollPolicy) -> dict[str, Any]:
    return {
        "initial_delay": policy.initial_delay,
        "multiplier": policy.multiplier,
        "max_delay": policy.max_delay,
        "jitter": policy.jitter,
        "latency_bounds": [list(b) for b in policy.latency_bounds],
    }


def _scripted(policy: PollPolicy, *, seeds: int) -> list[dict[str, float]]:
    rows = []
    for length in SCRIPTED_LENGTHS:
        runs = [
            simulate(attrs.evolve(policy, timeout=None), length, rng=random.Random(SEED + s))
            for s in range(seeds if policy.jitter else 1)
        ]
        rows.append(
            {
                "length": length,
                "requests": statistics.fmean(o.requests for o in runs),
                "mean_delay": statistics.fmean(o.delay for o in runs),
                "max_delay": max(o.delay for o in runs),
            }
        )
    return rows


def polling_bench(*, robustness_mixes: int = 10) -> dict[str, Any]:
    """Everything part 1 reports: the mix, the scripted jobs, the guarantees,
    Retry-After, the study of the default's neighbours, and the plot's curves."""
    mix = mix_lengths()
    base = summarize(run_jobs(BASELINES["fixed 1 s (openai-python)"], mix)).requests_per_job
    policies = {"ours (default PollPolicy())": PollPolicy(), **BASELINES}
    mixes = [mix] + [mix_lengths(seed=SEED + k) for k in range(1, robustness_mixes)]
    bases = [base] + [
        summarize(run_jobs(BASELINES["fixed 1 s (openai-python)"], m)).requests_per_job
        for m in mixes[1:]
    ]
    study = {}
    for name, policy in study_candidates().items():
        figures = _policy_figures(policy, mix, base)
        figures["robustness"] = _robustness(policy, mixes, bases)
        study[name] = figures
    curves = {
        "fixed interval": [
            (s.mean_delay, s.requests_per_job, interval)
            for interval in (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
            for s in [summarize(run_jobs(PollPolicy.fixed(interval), mix))]
        ],
        "default shape, jitter 0.1, max_delay varied": [
            (s.mean_delay, s.requests_per_job, m)
            for m in (3.0, 4.0, 5.0, 5.3, 6.0, 7.0, 8.0, 10.0)
            for s in [summarize(run_jobs(attrs.evolve(PollPolicy(), max_delay=m), mix))]
        ],
    }
    demo = retry_after_demo(PollPolicy())
    lengths = sorted(mix)
    return {
        "mix": {
            "jobs": len(mix),
            "seed": SEED,
            "median_length": statistics.median(lengths),
            "mean_length": statistics.fmean(lengths),
            "share_under_10s": sum(x <= 10 for x in lengths) / len(lengths),
            "longest": lengths[-1],
        },
        "policies": {name: _policy_figures(p, mix, base) for name, p in policies.items()},
        "scripted": {name: _scripted(p, seeds=200) for name, p in policies.items()},
        "retry_after": {
            "poll_times": list(demo.poll_times),
            "hinted": [list(h) for h in demo.hinted],
            "followed": demo.followed,
        },
        "study": study,
        "curves": curves,
        "goal_requests_per_job": base / 3.5,
    }
