"""Today's gateway through the clients: synchronous providers, the 501/504/402 answers,
the create's own timeout, and the key from the gateway SDK's variables.

Every request goes to an ``httpx.MockTransport`` that answers the gateway's
literal bodies (``tests/data/examples``) and counts what it was asked, so
"no status request" is a count, not a hope.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Literal

import httpx
import pytest
from _support import ELEVEN, EXAMPLES, EitherClient

from ai_stats_music import (
    AIStatsError,
    APITimeoutError,
    AsyncMusicClient,
    FeatureDisabledError,
    InsufficientFundsError,
    MusicClient,
    MusicJob,
    MusicJobFailed,
    NotFoundError,
    ServerError,
)
from ai_stats_music._config import DEFAULT_CREATE_READ_TIMEOUT
from ai_stats_music.testing import VirtualClock

BASE: Final = "http://127.0.0.1:9/v1"  # never reached: the transport answers
KEY: Final = "sk-sync-providers-0123456789"

Answer = tuple[int, Any, dict[str, str]]


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


class Gateway:
    """Answers creates and status reads as told; records every request."""

    def __init__(self, create: Answer | Exception, status: Answer | None = None) -> None:
        self.create = create
        self.status: Answer = status or (
            404,
            {"error": "not_found", "reason": "music_not_found_or_not_owned"},
            {},
        )
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            if isinstance(self.create, Exception):
                raise self.create
            code, body, headers = self.create
        else:
            code, body, headers = self.status
        return httpx.Response(code, json=body, headers=headers)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)


def sync_client(gw: Gateway, **kwargs: Any) -> MusicClient:
    http = httpx.Client(transport=httpx.MockTransport(gw))
    clock = VirtualClock()
    return MusicClient(
        api_key=KEY, base_url=BASE, http_client=http, sleep=clock.sleep, clock=clock, **kwargs
    )


def async_client(gw: Gateway, **kwargs: Any) -> AsyncMusicClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(gw))
    clock = VirtualClock()
    return AsyncMusicClient(
        api_key=KEY, base_url=BASE, http_client=http, sleep=clock.asleep, clock=clock, **kwargs
    )


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> Literal["sync", "async"]:
    """The test runs twice: once over the sync client, once over the async one."""
    value: Literal["sync", "async"] = request.param
    return value


@contextlib.asynccontextmanager
async def either_over(
    gw: Gateway, kind: Literal["sync", "async"], **kwargs: Any
) -> AsyncIterator[EitherClient]:
    """Both clients over ``gw``, behind the one face of ``EitherClient`` (the
    conftest's ``either`` is wired to the fake gateway; these answer literally)."""
    with sync_client(gw, **kwargs) as sync:
        async with async_client(gw, **kwargs) as aio:
            yield EitherClient(kind=kind, sync=sync, aio=aio)


COMPLETED: Final = {
    "minimax": example("create-minimax-gmicloud.json"),
    "elevenlabs-stored": example("status-elevenlabs-stored.json"),
    "suno-completed": example("status-queued-provider.json"),
}


# -- a create answered completed or failed ends the wait with no status request ------------


@pytest.mark.parametrize("name", sorted(COMPLETED))
async def test_a_create_answered_completed_needs_no_status_request(
    name: str, kind: Literal["sync", "async"]
) -> None:
    gw = Gateway(create=(200, COMPLETED[name], {}))  # a status read would be a 404
    async with either_over(gw, kind) as client:
        job = await client.create_and_wait(model=ELEVEN, prompt="x")
    assert job.is_completed
    assert job.to_dict() == COMPLETED[name]
    assert (gw.count("POST"), gw.count("GET")) == (1, 0)


def _failed() -> dict[str, Any]:
    body = dict(example("create-minimax-gmicloud.json"), status="failed")
    del body["audio_url"]
    body["result"] = {"base_resp": {"status_code": 1004, "status_msg": "content flagged"}}
    return body


async def test_a_create_answered_failed_raises_music_job_failed_with_the_job(
    kind: Literal["sync", "async"],
) -> None:
    gw = Gateway(create=(200, _failed(), {}))
    async with either_over(gw, kind) as client:
        with pytest.raises(MusicJobFailed) as info:
            await client.create_and_wait(model=ELEVEN, prompt="x")
    assert info.value.job_id == "req_01JY6MUSIC123"
    assert info.value.job.is_failed
    assert info.value.job.to_dict() == _failed()  # the provider's payload is kept
    assert (gw.count("POST"), gw.count("GET")) == (1, 0)


def test_create_returns_a_failed_answer_rather_than_raising_it() -> None:
    gw = Gateway(create=(200, _failed(), {}))
    with sync_client(gw) as client:
        job = client.create(model=ELEVEN, prompt="x")
    assert job.is_failed


async def test_wait_given_a_terminal_job_makes_no_request(kind: Literal["sync", "async"]) -> None:
    gw = Gateway(create=(200, COMPLETED["minimax"], {}))
    done = MusicJob.from_dict(COMPLETED["minimax"])
    failed = MusicJob.from_dict(_failed())
    async with either_over(gw, kind) as client:
        assert await client.wait(done) is done
        with pytest.raises(MusicJobFailed) as info:
            await client.wait(failed)
    assert info.value.job is failed
    assert gw.requests == []


def test_wait_given_only_the_id_of_a_finished_job_asks_for_it() -> None:
    # The id alone says nothing of the job: the status read is the only way to know.
    gw = Gateway(create=(500, {}, {}), status=(200, COMPLETED["elevenlabs-stored"], {}))
    with sync_client(gw) as client:
        assert client.wait("req_music_1").is_completed
    assert gw.count("GET") == 1


def _terminal_jobs() -> list[MusicJob]:
    return [
        MusicJob.from_dict(COMPLETED["minimax"]),
        MusicJob.from_dict(dict(COMPLETED["elevenlabs-stored"], id="req_music_2")),
        MusicJob.from_dict(dict(_failed(), id="req_failed")),
    ]


async def test_wait_many_reports_terminal_jobs_at_once(kind: Literal["sync", "async"]) -> None:
    gw = Gateway(create=(500, {}, {}))
    async with either_over(gw, kind) as client:
        results = {r.job_id: r for r in await client.wait_many(_terminal_jobs())}
    assert set(results) == {"req_01JY6MUSIC123", "req_music_2", "req_failed"}
    assert results["req_01JY6MUSIC123"].ok
    assert results["req_music_2"].ok
    assert isinstance(results["req_failed"].error, MusicJobFailed)
    assert gw.requests == []


def test_a_queued_create_is_still_polled_until_it_ends() -> None:
    queued = example("create-before-2026-08.json")
    done = dict(example("status-queued-provider.json"), id=queued["id"])
    gw = Gateway(create=(200, queued, {}), status=(200, done, {}))
    with sync_client(gw) as client:
        job = client.create_and_wait(model="suno/v4.5plus", prompt="x")
    assert job.is_completed
    assert job.output[0].title == "Midnight Blue"
    assert gw.count("GET") == 1


# -- 501: the feature switched off -----------------------------------------------------------


def _disabled() -> Answer:
    return (501, example("error-feature-disabled-501.json"), {"Cache-Control": "no-store"})


async def test_a_501_create_is_sent_once_and_made_no_job(kind: Literal["sync", "async"]) -> None:
    gw = Gateway(create=_disabled())
    async with either_over(gw, kind, max_retries=5) as client:
        for sent, call in enumerate((client.create, client.create_and_wait), start=1):
            with pytest.raises(FeatureDisabledError) as info:
                await call(model=ELEVEN, prompt="x")
            assert not info.value.job_may_exist
            assert "may exist" not in str(info.value)
            assert "music endpoints are temporarily disabled." in str(info.value)
            assert gw.count("POST") == sent


async def test_a_501_status_read_is_not_retried_and_ends_a_wait_at_once(
    kind: Literal["sync", "async"],
) -> None:
    gw = Gateway(create=_disabled(), status=_disabled())
    async with either_over(gw, kind, max_retries=5) as client:
        with pytest.raises(FeatureDisabledError) as got:
            await client.get("req_1")
        assert gw.count("GET") == 1
        with pytest.raises(FeatureDisabledError) as waited:
            await client.wait("req_1", deadline=600)
    assert gw.count("GET") == 2  # one more: the wait did not poll on
    assert got.value.job_id == waited.value.job_id == "req_1"


# -- 504 and 402 on create ---------------------------------------------------------------


def _queue_timeout() -> Answer:
    body = {"error": "gmicloud_request_queue_timeout", "request_id": "G-01JQ504", "status": 504}
    return (504, body, {"X-Request-Id": "G-01JQ504"})


async def test_a_504_create_may_have_made_a_job_under_its_request_id(
    kind: Literal["sync", "async"],
) -> None:
    gw = Gateway(create=_queue_timeout())
    async with either_over(gw, kind) as client:
        for sent, call in enumerate((client.create, client.create_and_wait), start=1):
            with pytest.raises(ServerError) as info:
                await call(model="minimax/music-2.6", prompt="x")
            error = info.value
            assert error.status_code == 504
            assert error.job_may_exist
            assert error.request_id == "G-01JQ504"
            assert "may exist" in str(error)
            assert "client.wait('G-01JQ504')" in str(error)
            assert gw.count("POST") == sent  # paid work: not retried


def test_the_request_id_of_a_504_leads_to_the_job_or_to_a_clear_404() -> None:
    gw = Gateway(create=_queue_timeout())
    with sync_client(gw) as client:
        with pytest.raises(ServerError) as info:
            client.create(model="minimax/music-2.6", prompt="x")
        request_id = info.value.request_id
        assert request_id is not None
        with pytest.raises(NotFoundError):  # nothing was stored under it
            client.wait(request_id)
        gw.status = (200, dict(COMPLETED["minimax"], id=request_id), {})
        assert client.wait(request_id).id == request_id


def test_a_402_create_raises_insufficient_funds_and_made_no_job() -> None:
    body = {"error": "insufficient_funds", "reason": "balance below minimum", "min_usd": 1.5}
    gw = Gateway(create=(402, body, {}))
    with sync_client(gw) as client, pytest.raises(InsufficientFundsError) as info:
        client.create(model=ELEVEN, prompt="x")
    assert info.value.min_usd == 1.5
    assert not info.value.job_may_exist
    assert gw.count("POST") == 1


def test_the_key_echoed_in_an_error_body_is_scrubbed() -> None:
    body = {"error": "unauthorised", "message": f"bad key {KEY}", "request_id": KEY}
    gw = Gateway(create=(502, body, {}))
    with sync_client(gw) as client, pytest.raises(ServerError) as info:
        client.create(model=ELEVEN, prompt="x")
    assert KEY not in str(info.value)
    assert KEY[:12] not in str(info.value)


# -- the create's timeout --------------------------------------------------------------------


def _timeouts_sent(gw: Gateway) -> dict[str, dict[str, float | None]]:
    return {r.method: r.extensions["timeout"] for r in gw.requests}


def test_a_create_waits_for_generation_and_a_status_read_does_not() -> None:
    gw = Gateway(
        create=(200, example("create-before-2026-08.json"), {}),
        status=(200, COMPLETED["suno-completed"], {}),
    )
    with sync_client(gw) as client:
        client.create(model=ELEVEN, prompt="x")
        client.get("task_123")
    sent = _timeouts_sent(gw)
    assert sent["POST"] == {
        "connect": 10.0,
        "read": DEFAULT_CREATE_READ_TIMEOUT,
        "write": 30.0,
        "pool": None,
    }
    assert DEFAULT_CREATE_READ_TIMEOUT > 60  # longer than the gateway's own 504 at ~60 s
    # A status read gets the client's own timeout (30 s), never the create's,
    # nor the http client's (httpx's default 5 s).
    assert sent["GET"]["read"] == 30.0
    with MusicClient(api_key=KEY, base_url=BASE) as own:
        assert own.timeout.read == 30.0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (90, {"connect": 90.0, "read": 90.0, "write": 90.0, "pool": None}),
        (None, {"connect": None, "read": None, "write": None, "pool": None}),
        (
            httpx.Timeout(5.0, pool=1.0),
            {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 1.0},
        ),
    ],
    ids=["seconds", "none", "httpx-timeout"],
)
async def test_the_create_timeout_is_set_on_the_client_or_per_call(
    given: Any, expected: dict[str, float | None], kind: Literal["sync", "async"]
) -> None:
    created: Answer = (200, COMPLETED["minimax"], {})
    on_client, per_call = Gateway(create=created), Gateway(create=created)
    async with either_over(on_client, kind, create_timeout=given, timeout=3) as client:
        await client.create(model=ELEVEN, prompt="x")
    async with either_over(per_call, kind, timeout=3) as client:
        await client.create(model=ELEVEN, prompt="x", timeout=given)
        await client.create_and_wait(model=ELEVEN, prompt="x", create_timeout=given)
    assert [r.extensions["timeout"] for r in on_client.requests + per_call.requests] == [
        expected
    ] * 3


def test_a_bad_create_timeout_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="create_timeout"):
        MusicClient(api_key=KEY, base_url=BASE, create_timeout="soon")  # type: ignore[arg-type]
    for bad in (0, -5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="create_timeout"):
            MusicClient(api_key=KEY, base_url=BASE, create_timeout=bad)
    gw = Gateway(create=(200, COMPLETED["minimax"], {}))
    with sync_client(gw) as client, pytest.raises(ValueError, match="timeout"):
        client.create(model=ELEVEN, prompt="x", timeout=-1)
    assert gw.requests == []  # refused before anything was sent


def _read_timeout(request: httpx.Request | None = None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out", request=request)


async def _create_and_wait(client: MusicClient | AsyncMusicClient) -> None:
    if isinstance(client, MusicClient):
        with client:
            client.create_and_wait(model=ELEVEN, prompt="x")
    else:
        async with client:
            await client.create_and_wait(model=ELEVEN, prompt="x")


@pytest.mark.parametrize("make", [sync_client, async_client], ids=["sync", "async"])
async def test_a_create_that_times_out_says_a_paid_job_may_exist_with_no_id(
    make: Callable[..., MusicClient | AsyncMusicClient],
) -> None:
    gw = Gateway(create=_read_timeout())
    client = make(gw, max_retries=5)
    with pytest.raises(APITimeoutError) as info:
        await _create_and_wait(client)
    error = info.value
    assert error.job_may_exist
    assert error.may_have_reached_server
    text = str(error)
    assert "a paid job may exist" in text
    assert "no id came back" in text
    assert "no operation that lists jobs" in text
    assert "create_timeout" in text
    assert gw.count("POST") == 1  # never retried


def test_waiting_for_a_connection_is_never_a_job_that_may_exist() -> None:
    gw = Gateway(create=httpx.PoolTimeout("no connection free"))
    with sync_client(gw, max_retries=2) as client, pytest.raises(APITimeoutError) as info:
        client.create(model=ELEVEN, prompt="x")
    assert not info.value.job_may_exist
    assert not info.value.may_have_reached_server
    assert "was not sent" in str(info.value)
    assert "may exist" not in str(info.value)
    assert gw.count("POST") == 3  # provably not sent: tried again


# -- the key and the base URL from the environment -----------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("AI_STATS_API_KEY", "PHASEO_API_KEY", "AI_STATS_BASE_URL", "PHASEO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_key_and_base_url_come_from_the_phaseo_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PHASEO_API_KEY", "sk-phaseo")
    clean_env.setenv("PHASEO_BASE_URL", "http://127.0.0.1:7/v1")
    gw = Gateway(create=(200, COMPLETED["minimax"], {}))
    http = httpx.Client(transport=httpx.MockTransport(gw))
    with MusicClient(http_client=http) as client:
        assert client.base_url == "http://127.0.0.1:7/v1"
        client.create(model=ELEVEN, prompt="x")
    assert gw.requests[0].headers["authorization"] == "Bearer sk-phaseo"
    assert str(gw.requests[0].url) == "http://127.0.0.1:7/v1/music/generate"


async def test_the_ai_stats_variables_come_first(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AI_STATS_API_KEY", "sk-ai-stats")
    clean_env.setenv("PHASEO_API_KEY", "sk-phaseo")
    clean_env.setenv("AI_STATS_BASE_URL", "http://127.0.0.1:5/v1")
    clean_env.setenv("PHASEO_BASE_URL", "http://127.0.0.1:7/v1")
    gw = Gateway(create=(200, COMPLETED["minimax"], {}))
    http = httpx.AsyncClient(transport=httpx.MockTransport(gw))
    async with AsyncMusicClient(http_client=http) as client:
        assert client.base_url == "http://127.0.0.1:5/v1"
        await client.create(model=ELEVEN, prompt="x")
    await http.aclose()
    assert gw.requests[0].headers["authorization"] == "Bearer sk-ai-stats"


def test_a_blank_ai_stats_key_falls_back_to_the_phaseo_one(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AI_STATS_API_KEY", "  ")
    clean_env.setenv("PHASEO_API_KEY", "sk-phaseo")
    gw = Gateway(create=(200, COMPLETED["minimax"], {}))
    with MusicClient(
        base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(gw))
    ) as c:
        c.create(model=ELEVEN, prompt="x")
    assert gw.requests[0].headers["authorization"] == "Bearer sk-phaseo"


def test_no_key_names_both_variables(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(AIStatsError, match=r"AI_STATS_API_KEY.*PHASEO_API_KEY"):
        MusicClient()
    with pytest.raises(AIStatsError, match=r"AI_STATS_API_KEY.*PHASEO_API_KEY"):
        AsyncMusicClient()
