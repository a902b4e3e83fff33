"""The polling benchmark's harness (bench/polling.py) counts what it claims to.

`nox -s bench` takes minutes and is not run here; these run its simulation on
a few jobs and check the accounting against schedules worked out by hand. No
test here measures or asserts a duration of real time.
"""

from __future__ import annotations

import random
import statistics
import sys

import pytest
from _support import ROOT

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai_stats_music import MusicJobTimeout, PollPolicy
from bench.polling import (
    BASELINES,
    early_failure_worst,
    mix_lengths,
    retry_after_demo,
    run_jobs,
    short_job_worst,
    simulate,
    summarize,
)

ONE_SECOND = PollPolicy.fixed(1.0, timeout=None)


def test_fixed_one_second_on_a_ten_second_job_costs_ten_requests_and_no_delay() -> None:
    outcome = simulate(ONE_SECOND, 10.0, rng=random.Random(0))
    assert outcome.requests == 10
    assert outcome.poll_times == tuple(float(t) for t in range(1, 11))
    assert outcome.delay == 0.0


@pytest.mark.parametrize(
    ("end", "requests", "delay"),
    [(0.0, 1, 1.0), (0.5, 1, 0.5), (1.0, 1, 0.0), (2.5, 3, 0.5), (9.25, 10, 0.75)],
)
def test_requests_and_delay_are_those_of_the_first_read_that_sees_the_end(
    end: float, requests: int, delay: float
) -> None:
    outcome = simulate(ONE_SECOND, end, rng=random.Random(0))
    assert outcome.requests == requests
    assert outcome.delay == pytest.approx(delay)


@pytest.mark.parametrize("final", ["completed", "failed"])
def test_a_growing_schedule_is_followed_poll_by_poll(final: str) -> None:
    policy = PollPolicy(
        initial_delay=1.0, multiplier=2.0, max_delay=5.0, jitter=0.0, latency_bounds=()
    )
    outcome = simulate(policy, 10.0, rng=random.Random(0), final=final)
    assert outcome.poll_times == (1.0, 3.0, 7.0, 12.0)
    assert outcome.requests == 4
    assert outcome.delay == 2.0


def test_latency_is_added_after_the_read_and_the_answer_is_of_when_it_was_sent() -> None:
    outcome = simulate(ONE_SECOND, 2.0, rng=random.Random(0), latency=0.25)
    assert outcome.poll_times == (1.0, 2.25)
    assert outcome.learned_at == 2.5


def test_a_job_past_the_deadline_is_no_detection() -> None:
    with pytest.raises(MusicJobTimeout):
        simulate(PollPolicy.fixed(1.0, timeout=5.0), 30.0, rng=random.Random(0))
    # run_jobs lifts deadlines so that every policy sees every job to its end
    (outcome,) = run_jobs(PollPolicy.fixed(1.0, timeout=5.0), [30.0])
    assert outcome.requests == 30


def test_summary_of_a_small_workload() -> None:
    outcomes = run_jobs(BASELINES["fixed 1 s (openai-python)"], [0.5, 1.0, 2.5, 4.0])
    assert [o.requests for o in outcomes] == [1, 1, 3, 4]
    summary = summarize(outcomes)
    assert summary.jobs == 4
    assert summary.requests_per_job == 9 / 4
    assert summary.mean_delay == pytest.approx(0.25)
    assert summary.max_delay == pytest.approx(0.5)


def test_jitter_is_on_and_reproducible_from_the_seed() -> None:
    ends = [3.0, 30.0, 90.0]
    first = run_jobs(PollPolicy(), ends, seed=7)
    assert first == run_jobs(PollPolicy(), ends, seed=7)
    assert first != run_jobs(PollPolicy(), ends, seed=8)
    # jitter only shortens: a jittered schedule polls at least as often
    plain = run_jobs(PollPolicy(jitter=0.0), ends, seed=7)
    for jittered, steady in zip(first, plain, strict=True):
        assert jittered.requests >= steady.requests


def test_the_job_mix_is_fixed_by_its_seed() -> None:
    mix = mix_lengths(500)
    assert mix == mix_lengths(500)
    assert mix != mix_lengths(500, seed=1)
    assert all(length > 0 for length in mix)
    assert 35 < statistics.median(mix) < 55


def test_the_latency_checks_see_a_policy_that_breaks_them() -> None:
    assert early_failure_worst(ONE_SECOND, seeds=1, step=0.1) == pytest.approx(1.0)
    assert short_job_worst(ONE_SECOND, seeds=1, step=0.1) == pytest.approx(1.0)
    every_five = PollPolicy.fixed(5.0, timeout=None)
    assert early_failure_worst(every_five, seeds=1, step=0.1) == pytest.approx(5.0)
    assert short_job_worst(every_five, seeds=1, step=0.1) == pytest.approx(5.0)


def test_retry_after_is_followed_in_the_harness() -> None:
    demo = retry_after_demo(PollPolicy())
    assert [gap for _i, _said, gap in demo.hinted] == [7.0, 7.0, 20.0]
    assert demo.followed
