"""Creating a job is paid work: a ``create`` call never makes more than one job.

When the request may have reached the gateway -- a read timeout, a 5xx, a
connection dropped once the body was sent, an answer that cannot be read --
the client does not try again, and its error says that the job may exist
(``job_may_exist``, and in the message). The fake gateway's own count of the
jobs it created is the judge.

The one case where a create is sent twice is when the gateway said it did not
take it: a 429, or a 503 with ``Retry-After`` (RFC 9110: "the server is
currently unable to handle the request"). That trust is stated, and shown, at
the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final

import attrs
import pytest
from _support import SUNO, SleepRecorder

from ai_stats_music import (
    AIStatsError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncMusicClient,
    MalformedResponseError,
    MusicClient,
    MusicJob,
    ServerError,
)
from ai_stats_music.testing import FakeGateway, Fault, VirtualClock

#: The client's read timeout here (a create's own, ``create_timeout``, and the
#: status reads' of ``create_and_wait``): long enough for loopback, short for a stall.
READ_TIMEOUT: Final = 0.3

#: Faults that strike once the request was processed: the job exists, the answer is lost.
AFTER_THE_BODY: Final = [
    (Fault.stall(after_processing=True), APITimeoutError),
    (Fault.stall(mid_body=True), APITimeoutError),
    (Fault.status(500, after_processing=True), ServerError),
    (Fault.status(502, after_processing=True), ServerError),
    (Fault.status(503, after_processing=True), ServerError),  # no Retry-After: not retried
    (Fault.status(504, after_processing=True), ServerError),
    (Fault.html(502, after_processing=True), ServerError),
    (Fault.drop(after_processing=True), APIConnectionError),
    (Fault.reset(after_processing=True), APIConnectionError),
    (Fault.drop(mid_body=True), APIConnectionError),
    (Fault.reset(mid_body=True), APIConnectionError),
    (Fault.truncated_json(), MalformedResponseError),
    (Fault.text("<html>oops</html>", status=200, after_processing=True), MalformedResponseError),
    (Fault.lying_length(+40), APIConnectionError),
]
_IDS: Final = [f.describe() for f, _ in AFTER_THE_BODY]


def _creates(gw: FakeGateway) -> int:
    return len(gw.requests_for(operation="create"))


def _check_may_exist(error: AIStatsError, expected: type[AIStatsError]) -> None:
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert isinstance(error, APIError)
    assert error.job_may_exist
    assert "may exist" in str(error)


@pytest.mark.parametrize(("fault", "expected"), AFTER_THE_BODY, ids=_IDS)
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_create_that_may_have_been_processed_is_sent_once_and_says_so(
    fake_gateway: FakeGateway,
    make_client: Callable[..., MusicClient],
    make_aclient: Callable[..., AsyncMusicClient],
    kind: str,
    fault: Fault,
    expected: type[AIStatsError],
) -> None:
    """The sync client's ``create`` and the async client's ``create_and_wait``
    (a create, then status reads on the same short timeout) alike."""
    fake_gateway.inject(fault, on="create")

    async def paid_work() -> None:
        if kind == "sync":
            make_client(create_timeout=READ_TIMEOUT).create(model=SUNO, prompt="paid work")
        else:
            client = make_aclient(timeout=READ_TIMEOUT, create_timeout=READ_TIMEOUT)
            await client.create_and_wait(model=SUNO, prompt="paid work")

    with pytest.raises(AIStatsError) as info:
        await paid_work()
    _check_may_exist(info.value, expected)
    assert _creates(fake_gateway) == 1
    assert fake_gateway.jobs_created == 1


def test_at_most_one_job_per_create_call_under_random_faults(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, make_client: Callable[..., MusicClient]
) -> None:
    """200 create calls, half of them hit by a fault of any kind, before or after processing.

    Per call: a job back means exactly one job made (that one); an error that
    does not say "may exist" means none made; "may exist" means at most one.
    """
    faults = [f for f, _ in AFTER_THE_BODY if f.kind != "stall"] + [
        Fault.status(429, retry_after=1),
        Fault.status(503, retry_after=1),
        Fault.status(500),
        Fault.drop(),
        Fault.reset(),
        Fault.html(502),
        Fault.text("not json", status=200),
    ]
    rng = random.Random(7)
    # "may_exist" splits in two: a job was made (the caller must look for it) or
    # not (the fault struck before processing; the client cannot tell which).
    outcomes = {"job": 0, "may_exist_made": 0, "may_exist_not_made": 0, "none": 0}
    gw = fake_gateway
    client = make_client(create_timeout=READ_TIMEOUT, sleep=fake_clock.sleep)
    for i in range(200):
        if rng.random() < 0.5:
            gw.inject(rng.choice(faults), on="create")
        before = {job.id for job in gw.jobs}
        try:
            got: MusicJob | AIStatsError = client.create(model=SUNO, prompt=f"call {i}")
        except AIStatsError as exc:
            got = exc
        made = {job.id for job in gw.jobs} - before
        assert len(made) <= 1, f"call {i} made {len(made)} jobs"
        if isinstance(got, MusicJob):
            assert made == {got.id}
            outcomes["job"] += 1
        elif isinstance(got, APIError) and got.job_may_exist:
            outcomes["may_exist_made" if made else "may_exist_not_made"] += 1
        else:
            assert made == set(), f"call {i}: {got!r} made a job without saying so"
            outcomes["none"] += 1
        gw.clear_faults()
    assert gw.jobs_created == outcomes["job"] + outcomes["may_exist_made"]
    print(f"\n200 create calls under random faults: {outcomes}")  # the README's figures (-s)
    # Both kinds of "may exist" were seen; no error hid a job.
    assert outcomes["may_exist_made"] > 0, outcomes
    assert outcomes["may_exist_not_made"] > 0, outcomes
    assert outcomes["job"] > 0, outcomes


def test_a_429_or_503_with_retry_after_is_trusted_to_mean_not_processed(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient], sleeps: SleepRecorder
) -> None:
    """The stated trust: such an answer is retried (once, after the wait it names).

    A gateway that processed the request and then answered 503 with
    Retry-After would get it twice: HTTP says it must not (RFC 9110, RFC 6585).
    """
    slept = sleeps.delays
    with make_client() as client:
        for code in (429, 503):
            fake_gateway.inject(Fault.status(code, retry_after=2), on="create")
            client.create(model=SUNO, prompt="x")
        assert _creates(fake_gateway) == 4
        assert fake_gateway.jobs_created == 2
        assert slept == [2.0, 2.0]
        # The same answers after processing are the lie HTTP forbids: a job twice.
        fake_gateway.inject(
            attrs.evolve(Fault.status(503, retry_after=2), after_processing=True), on="create"
        )
        client.create(model=SUNO, prompt="y")
    assert fake_gateway.jobs_created == 4


def test_a_503_without_retry_after_is_not_retried(
    fake_gateway: FakeGateway, client: MusicClient
) -> None:
    """Nothing says the gateway did not start the job: one try, a ServerError."""
    fake_gateway.inject(Fault.status(503), on="create")
    with pytest.raises(ServerError):
        client.create(model=SUNO, prompt="x")
    assert _creates(fake_gateway) == 1
