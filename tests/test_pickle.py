"""Every exported error and model survives ``pickle`` and ``copy.deepcopy`` whole.

Task queues (Celery, Temporal, multiprocessing) pickle what a task raises or
returns; an error that cannot be rebuilt there turns into an opaque failure of
the queue itself, and the job id it carried is lost. The errors pickled here
come from real failures -- a client of each kind against the fake gateway --
not from hand-built instances, so that every field the client fills in is
exercised. Request headers (the key) never end up in the pickle.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

import httpx
import pytest
from _support import SUNO, EitherClient

import ai_stats_music
from ai_stats_music import (
    AIStatsError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DownloadError,
    FeatureDisabledError,
    InsufficientFundsError,
    JobStatus,
    MalformedResponseError,
    MusicAudio,
    MusicClient,
    MusicJob,
    MusicJobFailed,
    MusicJobTimeout,
    NotFoundError,
    PermissionDeniedError,
    PollPolicy,
    RateLimitError,
    RetryPolicy,
    ServerError,
    WaitResult,
)
from ai_stats_music.testing import MUSIC_DISABLED_BODY, Clip, FakeGateway, Fault, VirtualClock


def _protocols() -> range:
    return range(2, pickle.HIGHEST_PROTOCOL + 1)


def _fields(error: BaseException) -> dict[str, Any]:
    """What must survive: every attribute, the httpx objects by what they say."""
    out: dict[str, Any] = {}
    for name, value in vars(error).items():
        if isinstance(value, httpx.Request):
            out[name] = (value.method, str(value.url))
        elif isinstance(value, httpx.Response):
            out[name] = (
                value.status_code,
                value.headers.get("content-type"),
                value.headers.get("retry-after"),
                value.headers.get("x-request-id"),
                value.content,
                (value.request.method, str(value.request.url)),
            )
        elif isinstance(value, BaseException):
            # An error inside an error (MusicJobTimeout.last_error): exceptions
            # compare by identity, so compare what it is and what it carries.
            out[name] = (type(value), str(value), _fields(value))
        else:
            out[name] = value
    return out


def assert_survives(error: AIStatsError, key: str | None) -> list[AIStatsError]:
    """``error`` pickled at every protocol and deep-copied: the copies, each checked."""
    copies: list[AIStatsError] = []
    for protocol in _protocols():
        data = pickle.dumps(error, protocol=protocol)
        assert key is None or key.encode() not in data, "the API key went into the pickle"
        copies.append(pickle.loads(data))  # noqa: S301 - our own bytes
    copies.append(copy.deepcopy(error))
    copies.append(copy.copy(error))
    for again in copies:
        assert type(again) is type(error)
        assert str(again) == str(error)
        assert repr(again) == repr(error)
        assert again.args == error.args
        assert again.message == error.message
        assert again.job_id == error.job_id
        assert _fields(again) == _fields(error)
        for name in ("status_code", "body", "request_id", "job_may_exist", "retry_after",
                     "retry_after_seconds", "error_code", "reason", "field", "url", "job",
                     "last_job", "timeout", "min_usd", "may_have_reached_server",
                     "expected_bytes", "received_bytes"):  # fmt: skip
            if hasattr(error, name):
                assert getattr(again, name) == getattr(error, name), name
        if isinstance(error, APIStatusError):
            assert isinstance(again, APIStatusError)
            # The answer is still there to read, without the request's headers.
            assert again.response.status_code == error.status_code
            assert "authorization" not in again.response.request.headers
        if isinstance(error.__cause__, AIStatsError):
            assert type(again.__cause__) is type(error.__cause__)
            assert str(again.__cause__) == str(error.__cause__)
    return copies


MakeEither: TypeAlias = Callable[..., EitherClient]


# -- real failures, through both clients ---------------------------------------------


async def _raised(call: Callable[[], Any]) -> AIStatsError:
    with pytest.raises(AIStatsError) as info:
        await call()
    return info.value


Scenario: TypeAlias = Callable[[EitherClient, FakeGateway], Awaitable[AIStatsError]]


async def _create_refused(c: EitherClient, gw: FakeGateway, fault: Fault) -> AIStatsError:
    gw.inject(fault, on="create", times=1)
    return await _raised(lambda: c.create(model=SUNO, prompt="x"))


async def _status_refused(c: EitherClient, gw: FakeGateway, fault: Fault) -> AIStatsError:
    job = await c.create(model=SUNO, prompt="x")
    gw.inject(fault, on="status")
    return await _raised(lambda: c.get(job.id))


async def _missing(c: EitherClient, gw: FakeGateway) -> AIStatsError:
    return await _raised(lambda: c.get("task_never_made"))


async def _failed(c: EitherClient, gw: FakeGateway) -> AIStatsError:
    gw.script(timeline=[("in_progress", 3)], final="failed", error={"code": "x", "message": "no"})
    return await _raised(lambda: c.create_and_wait(model=SUNO, prompt="x"))


async def _timed_out(c: EitherClient, gw: FakeGateway) -> AIStatsError:
    gw.script(timeline=[("in_progress", 3600)])
    job = await c.create(model=SUNO, prompt="x")
    gw.inject(Fault.status(503), on="status", times=None)  # polls fail: the cause comes along
    error = await _raised(lambda: c.wait(job, deadline=30))
    assert isinstance(error.__cause__, ServerError)
    return error


async def _download_short(c: EitherClient, gw: FakeGateway, dest: Path) -> AIStatsError:
    gw.script(timeline=[], clips=[Clip(audio_size=4096)])
    job = await c.create_and_wait(model=SUNO, prompt="x")
    gw.inject(Fault.lying_length(+100), on="audio")
    return await _raised(lambda: c.download(job.output[0], dest))


SCENARIOS: dict[type[AIStatsError], Callable[..., Awaitable[AIStatsError]]] = {
    BadRequestError: lambda c, gw, _: _create_refused(c, gw, Fault.status(400)),
    InsufficientFundsError: lambda c, gw, _: _create_refused(c, gw, Fault.insufficient_funds()),
    PermissionDeniedError: lambda c, gw, _: _create_refused(c, gw, Fault.status(403)),
    FeatureDisabledError: lambda c, gw, _: _create_refused(
        c, gw, Fault.status(501, body=dict(MUSIC_DISABLED_BODY))
    ),
    ServerError: lambda c, gw, _: _create_refused(c, gw, Fault.status(500)),
    RateLimitError: lambda c, gw, _: _status_refused(c, gw, Fault.status(429, retry_after=7)),
    APIStatusError: lambda c, gw, _: _status_refused(c, gw, Fault.status(418)),
    MalformedResponseError: lambda c, gw, _: _status_refused(c, gw, Fault.truncated_json()),
    NotFoundError: lambda c, gw, _: _missing(c, gw),
    MusicJobFailed: lambda c, gw, _: _failed(c, gw),
    MusicJobTimeout: lambda c, gw, _: _timed_out(c, gw),
    DownloadError: lambda c, gw, tmp: _download_short(c, gw, tmp / "song.mp3"),
}


@pytest.mark.parametrize("cls", list(SCENARIOS), ids=lambda c: c.__name__)
async def test_errors_from_the_gateway_survive_pickling(
    cls: type[AIStatsError],
    make_either: MakeEither,
    fake_gateway: FakeGateway,
    fake_clock: VirtualClock,
    tmp_path: Path,
) -> None:
    client = make_either(clock=fake_clock, max_retries=0)
    error = await SCENARIOS[cls](client, fake_gateway, tmp_path)
    assert type(error) is cls
    copies = assert_survives(error, fake_gateway.api_key)
    if isinstance(error, APIStatusError):
        assert error.request_id is not None  # the fake sends X-Request-Id: it comes along
    if isinstance(error, RateLimitError):
        assert all(isinstance(e, RateLimitError) and e.retry_after == 7 for e in copies)
    if isinstance(error, MusicJobFailed):
        assert all(isinstance(e, MusicJobFailed) and e.job.is_failed for e in copies)
        assert all(e.error == error.error for e in copies if isinstance(e, MusicJobFailed))


async def test_a_failed_create_keeps_job_may_exist(
    make_either: MakeEither, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    client = make_either(clock=fake_clock, max_retries=0)
    error = await _create_refused(client, fake_gateway, Fault.status(502))
    assert isinstance(error, ServerError)
    assert error.job_may_exist
    copies = assert_survives(error, fake_gateway.api_key)
    assert all(isinstance(e, APIError) and e.job_may_exist for e in copies)


async def test_a_wrong_key_and_a_dead_gateway_survive_pickling(
    make_either: MakeEither, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    wrong = make_either(clock=fake_clock, api_key="sk-wrong-key-0001", max_retries=0)
    error = await _missing(wrong, fake_gateway)
    assert type(error) is AuthenticationError
    assert_survives(error, "sk-wrong-key-0001")

    with FakeGateway(clock=fake_clock).serve() as gone:
        base = gone.base_url
    dead = make_either(clock=fake_clock, base_url=base, max_retries=0)
    error = await _missing(dead, fake_gateway)
    assert type(error) is APIConnectionError
    assert isinstance(error, APIConnectionError)
    assert not error.may_have_reached_server
    assert_survives(error, fake_gateway.api_key)
    error = await _raised(lambda: dead.create(model=SUNO, prompt="x"))
    assert type(error) is APIConnectionError


async def test_a_timeout_survives_pickling(
    make_either: MakeEither, fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    client = make_either(clock=fake_clock, max_retries=0, timeout=0.2)
    error = await _status_refused(client, fake_gateway, Fault.stall(None))
    assert type(error) is APITimeoutError
    assert_survives(error, fake_gateway.api_key)


def test_a_refused_key_survives_pickling() -> None:
    with pytest.raises(AIStatsError) as info:
        MusicClient(api_key="k3y!x")
    assert type(info.value) is AIStatsError
    assert_survives(info.value, "k3y!x")


def test_every_exported_error_is_covered() -> None:
    """A new exported error must get a real scenario above (APIError is only a base)."""
    exported = {
        obj
        for name in ai_stats_music.__all__
        if isinstance(obj := getattr(ai_stats_music, name), type) and issubclass(obj, BaseException)
    }
    covered = {
        *SCENARIOS,
        ServerError,
        AuthenticationError,
        APIConnectionError,
        APITimeoutError,
        AIStatsError,
    }
    assert exported - covered == {APIError}
    base = APIError("hand-built: no client raises a bare APIError", job_id="j")
    assert_survives(base, None)


# -- models ------------------------------------------------------------------------


@pytest.fixture
def completed(client: MusicClient, fake_gateway: FakeGateway) -> MusicJob:
    fake_gateway.script(timeline=[("queued", 0.01)], clips=2)
    return client.create_and_wait(model=SUNO, prompt="x", poll=PollPolicy.fixed(0.01))


def _same(a: object, b: object) -> None:
    assert type(a) is type(b)
    assert a == b
    assert repr(a) == repr(b)


def test_models_survive_pickling(completed: MusicJob) -> None:
    audio = completed.audio  # computed (and cached) before pickling, and after
    assert audio
    inline = MusicJob.from_dict(
        {
            "id": "G-1",
            "status": "completed",
            "audio_base64": "SUQzBAAAAAAA",
            "usage": {"requests": 1, "cost_nanos": 12},
            "cost_cents": 1.5,
            "result": {"any": ["shape"]},
            "unknown": None,
            "output": None,
        }
    ).with_context(requested_format="mp3")
    failed = MusicJob.from_dict({"id": "j", "status": "failed", "error": {"code": "c"}})
    models: list[object] = [
        completed,
        completed.output[0],
        completed.usage,
        *audio,
        inline,
        *inline.audio,
        inline.cost,
        inline.context,
        failed.error,
        JobStatus.IN_PROGRESS,
        PollPolicy(),
        PollPolicy.fixed(3, timeout=None),
        RetryPolicy(max_retries=5),
        WaitResult(job_id=completed.id, job=completed),
    ]
    for model in models:
        for protocol in _protocols():
            _same(pickle.loads(pickle.dumps(model, protocol=protocol)), model)  # noqa: S301
        _same(copy.deepcopy(model), model)
    again = pickle.loads(pickle.dumps(inline))  # noqa: S301
    assert again.to_dict() == inline.to_dict()  # the nulls sent are still known
    assert again.context.requested_format == "mp3"
    assert [a.data for a in again.audio] == [a.data for a in inline.audio]
    assert isinstance(again.audio[0], MusicAudio)


def test_a_wait_result_with_an_error_survives_pickling(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script(timeline=[("queued", 0.01)], final="failed")
    job = client.create(model=SUNO, prompt="x")
    [result] = list(client.wait_many([job], poll=PollPolicy.fixed(0.01)))
    assert isinstance(result.error, MusicJobFailed)
    again = pickle.loads(pickle.dumps(result))  # noqa: S301
    assert type(again.error) is MusicJobFailed
    assert again.error.job == result.error.job
    assert str(again.error) == str(result.error)
    with pytest.raises(MusicJobFailed):
        again.result()
