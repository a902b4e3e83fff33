"""The clients' configuration: per-call request options, names, with_options,
read-only and checked settings, closing, http_client rules, fork safety, request
ids, and the public surface's signatures and docstrings. Both clients, over
loopback (httpx.MockTransport or the fake gateway)."""

from __future__ import annotations

import inspect
import json
import os
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _support import EitherClient

import ai_stats_music as asm
from ai_stats_music import (
    NOT_GIVEN,
    AIStatsError,
    AsyncMusicClient,
    MusicClient,
    MusicJob,
    MusicJobTimeout,
    NotFoundError,
    NotGiven,
    PollPolicy,
)
from ai_stats_music.testing import FakeGateway, VirtualClock

KEY = "sk-config-test-key"
BASE = "http://127.0.0.1:9/v1"
MODEL = "minimax/music-1.5"
QUEUED = {
    "id": "job_1",
    "object": "music",
    "status": "queued",
    "model": MODEL,
    "provider": "minimax",
}
DONE = {**QUEUED, "status": "completed", "output": []}


class Recorder:
    """A loopback gateway in a MockTransport: records each request, answers from a list."""

    def __init__(self, *answers: tuple[int, Any] | httpx.Response) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if isinstance(answer, httpx.Response):
            return answer
        status, body = answer
        return httpx.Response(
            status, json=body, headers={"X-Request-Id": f"G-{len(self.requests)}"}
        )


def on(rec: Recorder, make_either: Callable[..., EitherClient], **kwargs: Any) -> EitherClient:
    """A client of the test's kind (``make_either``) that speaks to ``rec``."""
    return make_either(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(rec), **kwargs)


# -- 13.1 per-call request options ----------------------------------------------------


async def test_per_call_headers_query_timeout_and_retries_on_every_api_method(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((200, QUEUED), (200, DONE))
    options: dict[str, Any] = {
        "extra_headers": {"X-Trace": "t1", "User-Agent": "mine/1"},
        "extra_query": {"tag": "a b"},
        "timeout": 7,
    }
    client = on(rec, make_either, headers={"X-Trace": "client", "X-Team": "music"})
    await client.create(model=MODEL, prompt="x", max_retries=0, **options)
    await client.get("job_1", max_retries=0, **options)
    await client.wait("job_1", **options)
    await client.create_and_wait(model=MODEL, prompt="x", create_timeout=7, **options)
    await client.wait_many(["job_1"], **options)
    assert len(rec.requests) >= 5
    for request in rec.requests:
        assert request.headers["X-Trace"] == "t1"  # the call's header wins
        assert request.headers["X-Team"] == "music"  # the client's stay
        assert request.headers["User-Agent"] == "mine/1"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.url.params["tag"] == "a b"
        assert request.extensions["timeout"]["read"] <= 7.0


async def test_per_call_options_do_not_stick_to_the_client(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((200, DONE))
    client = on(rec, make_either)
    await client.get("job_1", extra_headers={"X-Once": "1"}, extra_query={"q": "1"}, timeout=3)
    await client.get("job_1")
    first, second = rec.requests
    assert "X-Once" in first.headers
    assert "X-Once" not in second.headers
    assert second.url.params.get("q") is None
    assert second.extensions["timeout"]["read"] == 30.0


async def test_per_call_max_retries_overrides_the_clients(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((500, {"error": "boom"}))
    client = on(rec, make_either, max_retries=0)
    with pytest.raises(asm.ServerError):
        await client.get("job_1", max_retries=3)
    assert len(rec.requests) == 4
    with pytest.raises(asm.ServerError):
        await client.get("job_1")
    assert len(rec.requests) == 5


@pytest.mark.parametrize("name", ["Authorization", "authorization"])
async def test_authorization_per_call_is_refused_before_sending(
    name: str, make_either: Callable[..., EitherClient]
) -> None:
    rec = Recorder((200, DONE))
    client = on(rec, make_either)
    with pytest.raises(ValueError, match="Authorization"):
        await client.get("job_1", extra_headers={name: "Bearer stolen"})
    with pytest.raises(ValueError, match="Authorization"):
        await client.create(model=MODEL, prompt="x", extra_headers={name: "Bearer x"})
    with pytest.raises(ValueError, match="Authorization"):
        type(client.chosen)(api_key=KEY, base_url=BASE, headers={name: "Bearer x"})
    assert rec.requests == []


def test_downloads_take_no_api_request_options() -> None:
    for cls in (MusicClient, AsyncMusicClient):
        for method in ("download", "download_all"):
            params = inspect.signature(getattr(cls, method)).parameters
            assert "timeout" in params
            assert not {"extra_headers", "extra_query", "max_retries"} & set(params)


# -- 13.3 one meaning per name ---------------------------------------------------------


def test_timeout_is_a_request_timeout_and_deadline_a_waits_deadline() -> None:
    rec = Recorder((200, QUEUED))
    now = [0.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    http = httpx.Client(transport=httpx.MockTransport(rec))
    with (
        MusicClient(
            api_key=KEY, base_url=BASE, http_client=http, sleep=sleep, clock=clock
        ) as client,
        pytest.raises(MusicJobTimeout),
    ):
        client.wait("job_1", deadline=10, timeout=4)
    assert now[0] == pytest.approx(10.0)
    reads = [r.extensions["timeout"]["read"] for r in rec.requests]
    assert max(reads) <= 4.0


def test_sync_and_async_signatures_are_identical() -> None:
    names = {n for n in dir(MusicClient) if not n.startswith("_")} - {"close"}
    assert names == {n for n in dir(AsyncMusicClient) if not n.startswith("_")} - {"aclose"}
    for name in sorted(names):
        sync, async_ = getattr(MusicClient, name), getattr(AsyncMusicClient, name)
        if callable(sync):
            params = inspect.signature(sync).parameters
            assert params == inspect.signature(async_).parameters or name == "__init__", name
    init = inspect.signature(MusicClient.__init__).parameters
    ainit = inspect.signature(AsyncMusicClient.__init__).parameters
    assert list(init) == list(ainit)


# -- 12.6 deadlines cap each request ----------------------------------------------------


async def test_no_status_read_outlives_the_deadline(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((200, QUEUED))
    client = on(rec, make_either, clock=VirtualClock())
    with pytest.raises(MusicJobTimeout):
        await client.wait("job_1", deadline=5, timeout=30)
    left = [r.extensions["timeout"]["read"] for r in rec.requests]
    # The first read, at t=0, gets the 5 s left; the last one, at the deadline, 1 s.
    assert left[0] == pytest.approx(5.0)
    assert left[-1] == pytest.approx(1.0)
    assert all(v <= 5.0 for v in left)
    rec.requests.clear()
    results = await client.wait_many(["job_1"], deadline=3, timeout=30)
    assert isinstance(results[0].error, MusicJobTimeout)
    assert all(r.extensions["timeout"]["read"] <= 3.0 for r in rec.requests)


# -- 12.10 read-only, 12.11 checked numbers -------------------------------------------


@pytest.mark.parametrize(
    "name", ["base_url", "max_retries", "poll_policy", "timeout", "create_timeout", "headers"]
)
def test_settings_are_read_only(name: str) -> None:
    with MusicClient(api_key=KEY, base_url=BASE) as client, pytest.raises(AttributeError):
        setattr(client, name, getattr(client, name))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": 0}, ValueError),
        ({"timeout": -1}, ValueError),
        ({"timeout": float("nan")}, ValueError),
        ({"timeout": float("inf")}, ValueError),
        ({"timeout": True}, TypeError),
        ({"timeout": "30"}, TypeError),
        ({"timeout": httpx.Timeout(5, read=-1)}, ValueError),
        ({"create_timeout": False}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.5}, TypeError),
        ({"max_retries": True}, TypeError),
        ({"headers": {"X-A": "é"}}, ValueError),
        ({"headers": {"X-A": 1}}, TypeError),
        ({"poll_policy": "fast"}, TypeError),
    ],
)
def test_bad_settings_are_refused_at_construction(kwargs: dict[str, Any], error: type) -> None:
    for cls in (MusicClient, AsyncMusicClient):
        with pytest.raises(error):
            cls(api_key=KEY, base_url=BASE, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": True},
        {"max_retries": -2},
        {"max_retries": False},
        {"extra_query": ["a"]},
        {"extra_headers": {"X": "a\nb"}},
    ],
)
async def test_bad_per_call_options_are_refused_before_sending(
    kwargs: dict[str, Any], make_either: Callable[..., EitherClient]
) -> None:
    rec = Recorder((200, DONE))
    client = on(rec, make_either)
    with pytest.raises((TypeError, ValueError)):
        await client.get("job_1", **kwargs)
    with pytest.raises((TypeError, ValueError)):
        await client.create(model=MODEL, prompt="x", **kwargs)
    with pytest.raises((TypeError, ValueError)):
        await client.wait("job_1", **kwargs)
    assert rec.requests == []


def test_a_bad_deadline_is_refused() -> None:
    with (
        MusicClient(api_key=KEY, base_url=BASE) as client,
        pytest.raises(ValueError, match="deadline"),
    ):
        client.wait("job_1", deadline=-1)


def test_a_key_that_cannot_go_in_a_header_is_a_clear_error() -> None:
    with pytest.raises(AIStatsError, match="ASCII"):
        MusicClient(api_key="sk-\u201ckey\u201d-12345", base_url=BASE)


# -- 12.13 closed clients -----------------------------------------------------------------


async def test_a_closed_client_says_so_and_never_reopens_a_pool(
    tmp_path: Any, make_either: Callable[..., EitherClient]
) -> None:
    rec = Recorder((200, DONE))
    client = on(rec, make_either)
    await client.close()
    assert client.chosen.is_closed
    for call in (
        lambda: client.get("job_1"),
        lambda: client.create(model=MODEL, prompt="x"),
        lambda: client.wait("job_1"),
        lambda: client.download("https://cdn.example/a.mp3", tmp_path / "a.mp3"),
    ):
        with pytest.raises(AIStatsError, match="is closed"):
            await call()
    for attribute in (lambda: client.chosen.raw, lambda: client.chosen.with_options(timeout=3)):
        with pytest.raises(AIStatsError, match="is closed"):
            attribute()
    assert client.chosen._downloads._http is None  # no download pool was opened
    assert rec.requests == []


# -- 13.2 with_options ----------------------------------------------------------------------


async def test_with_options_changes_a_copy_and_shares_the_pool(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((200, DONE))
    client = on(rec, make_either, headers={"X-Team": "a"})
    copy = client.with_options(
        timeout=3,
        max_retries=0,
        headers={"X-Extra": "1"},
        api_key="sk-another-key-123",
        poll_policy=PollPolicy.fixed(1.0),
    )
    assert copy.chosen is not client.chosen
    assert copy.chosen._http() is client.chosen._http()
    assert (client.chosen.max_retries, client.chosen.timeout.read) == (2, 30.0)
    assert (copy.chosen.max_retries, copy.chosen.timeout.read) == (0, 3.0)
    assert copy.chosen.poll_policy.max_delay == 1.0
    assert client.chosen.poll_policy.max_delay != 1.0
    await copy.get("job_1")
    await client.get("job_1")
    await copy.close()
    assert copy.chosen.is_closed
    assert not client.chosen.is_closed
    await client.get("job_1")  # the shared pool is the original's
    with pytest.raises(AIStatsError, match="is closed"):
        await copy.get("job_1")
    other = client.with_options()
    await client.close()
    assert other.chosen.is_closed  # closing the original closes its copies' pool
    by_copy, by_client, _ = rec.requests
    assert by_copy.headers["Authorization"] == "Bearer sk-another-key-123"
    assert by_copy.headers["X-Team"] == "a"
    assert by_copy.headers["X-Extra"] == "1"
    assert by_copy.extensions["timeout"]["read"] == 3.0
    assert by_client.headers["Authorization"] == f"Bearer {KEY}"
    assert "X-Extra" not in by_client.headers


def test_with_options_keeps_the_plain_http_guard() -> None:
    with MusicClient(api_key=KEY, base_url=BASE) as client:
        with pytest.raises(ValueError, match="plain http"):
            client.with_options(base_url="http://gateway.example/v1")
        with pytest.raises(ValueError, match="max_retries"):
            client.with_options(max_retries=-1)


# -- 13.4 request ids and the context ----------------------------------------------------


async def test_the_answers_request_id_and_requested_format_are_in_the_jobs_context(
    make_either: Callable[..., EitherClient],
) -> None:
    rec = Recorder((200, QUEUED), (200, QUEUED), (200, DONE))
    client = on(rec, make_either, poll_policy=PollPolicy.fixed(1.0))
    created = await client.create(model=MODEL, prompt="x", format="wav")
    done = await client.wait(created)
    got = await client.get("job_1")
    assert created.context.request_id == "G-1"
    assert created.context.requested_format == "wav"
    assert done.context.requested_format == "wav"  # carried through the wait
    assert done.context.request_id == "G-3"
    assert got.context.request_id == "G-4"
    assert MusicJob.from_dict(created.to_dict()) == created  # to_dict round trips unchanged
    assert "request_id" not in created.to_dict()


# -- 13.7 public names -----------------------------------------------------------------


def test_not_given_is_public_and_a_singleton() -> None:
    assert NotGiven() is NOT_GIVEN
    assert not NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN  # noqa: S301 (our own bytes)
    for name in ("NOT_GIVEN", "NotGiven", "TimeoutTypes", "OnUpdate", "Progress", "AllProgress"):
        assert name in asm.__all__
        assert getattr(asm, name) is not None


def test_no_private_name_in_the_clients_signatures() -> None:
    for cls in (MusicClient, AsyncMusicClient):
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") and name != "__init__":
                continue
            if callable(member):
                text = str(inspect.signature(member))
                assert "_NotGiven" not in text, (cls, name)
                assert "_gen." not in text, (cls, name)


# -- 13.8 introspection --------------------------------------------------------------------

CREATE_PARAMS = {
    "model",
    "prompt",
    "duration",
    "format",
    "provider",
    "suno",
    "elevenlabs",
    "debug",
    "echo_upstream_request",
    "extra_body",
    "extra_headers",
    "extra_query",
    "timeout",
    "max_retries",
}


@pytest.mark.parametrize("cls", [MusicClient, AsyncMusicClient])
def test_signatures_show_every_parameter(cls: type[MusicClient | AsyncMusicClient]) -> None:
    create = inspect.signature(cls.create).parameters
    assert set(create) >= CREATE_PARAMS
    assert all(p.kind is not p.VAR_KEYWORD for p in create.values())
    both = inspect.signature(cls.create_and_wait).parameters
    assert CREATE_PARAMS | {"deadline", "poll", "on_update", "create_timeout"} <= set(both)


def test_an_unknown_option_names_create() -> None:
    with MusicClient(api_key=KEY, base_url=BASE) as client:
        with pytest.raises(TypeError, match=r"create\(\) got an unexpected keyword.*temperature"):
            client.create(model=MODEL, temperature=1)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"create_and_wait\(\)"):
            client.create_and_wait(model=MODEL, temperature=1)  # type: ignore[call-arg]


def _public_members(obj: object) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name, member in vars(obj).items():
        if name.startswith("_") and name not in ("__init__", "__enter__", "__aenter__"):
            continue
        found.append((name, member))
    return found


def test_every_public_name_has_a_docstring() -> None:
    missing: list[str] = []
    for name in asm.__all__:
        obj = getattr(asm, name)
        if name == "__version__" or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if obj.__module__.startswith("ai_stats_gateway"):
            continue  # the generated models the options re-export: the generator's
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if not inspect.isclass(obj) or issubclass(obj, BaseException):
            continue
        for cls in obj.__mro__:
            if not cls.__module__.startswith("ai_stats_music"):
                continue
            for member_name, member in _public_members(cls):
                if member_name in ("__init__",) or isinstance(member, type | str | int):
                    continue
                func = member.fget if isinstance(member, property) else member
                if callable(func) and not (getattr(func, "__doc__", None) or "").strip():
                    missing.append(f"{name}.{member_name}")
    assert missing == []


# -- 12.9 http_client rules -------------------------------------------------------------


def test_an_http_client_with_auth_is_refused() -> None:
    with pytest.raises(ValueError, match="auth"):
        MusicClient(api_key=KEY, base_url=BASE, http_client=httpx.Client(auth=("u", "p")))
    with pytest.raises(ValueError, match="auth"):
        AsyncMusicClient(api_key=KEY, base_url=BASE, http_client=httpx.AsyncClient(auth=("u", "p")))


def test_an_http_clients_settings_never_replace_the_clients() -> None:
    rec = Recorder((200, DONE))
    http = httpx.Client(
        transport=httpx.MockTransport(rec),
        headers={"Authorization": "Bearer theirs", "X-Theirs": "kept"},
        timeout=1.0,
        base_url="http://elsewhere.example",
    )
    with MusicClient(api_key=KEY, base_url=BASE, http_client=http) as client:
        client.get("job_1")
        from ai_stats_gateway.api.gateway import get_music_generation

        response = get_music_generation.sync_detailed("job_1", client=client.raw)
        assert response.status_code == 200
    for request in rec.requests:
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.url.host == "127.0.0.1"
        assert request.extensions["timeout"]["read"] == 30.0
    assert rec.requests[0].headers["X-Theirs"] == "kept"
    assert not http.is_closed


def test_a_raise_for_status_hook_still_gives_the_typed_error_without_retrying_a_4xx() -> None:
    rec = Recorder((404, {"error": "not_found", "message": "no such job"}))

    def hook(response: httpx.Response) -> None:
        response.raise_for_status()

    http = httpx.Client(transport=httpx.MockTransport(rec), event_hooks={"response": [hook]})
    with (
        MusicClient(api_key=KEY, base_url=BASE, http_client=http) as client,
        pytest.raises(NotFoundError) as info,
    ):
        client.get("job_1")
    assert info.value.job_id == "job_1"
    assert len(rec.requests) == 1


async def test_async_raise_for_status_hook_gives_the_typed_error() -> None:
    rec = Recorder((404, {"error": "not_found"}))

    async def hook(response: httpx.Response) -> None:
        response.raise_for_status()

    http = httpx.AsyncClient(transport=httpx.MockTransport(rec), event_hooks={"response": [hook]})
    async with AsyncMusicClient(api_key=KEY, base_url=BASE, http_client=http) as client:
        with pytest.raises(NotFoundError):
            await client.get("job_1")
    assert len(rec.requests) == 1


class _Chunks(httpx.SyncByteStream):
    """A body that arrives over the wire (MockTransport's ``content=`` is pre-read)."""

    def __iter__(self) -> Any:
        yield b"ID3"
        yield b"audio"


def test_downloads_go_through_the_download_client_without_its_headers(tmp_path: Any) -> None:
    seen: list[httpx.Request] = []

    def cdn(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=_Chunks(), headers={"Content-Length": "8"})

    mine = httpx.Client(
        transport=httpx.MockTransport(cdn), headers={"Authorization": "Bearer cdn-secret"}
    )
    with MusicClient(
        api_key=KEY, base_url=BASE, headers={"X-Team": "a"}, download_client=mine
    ) as client:
        path = client.download("https://cdn.example/a.mp3", tmp_path / "a.mp3")
    assert path.read_bytes() == b"ID3audio"
    (request,) = seen
    assert "Authorization" not in request.headers
    assert "X-Team" not in request.headers
    assert not mine.is_closed


# -- 12.5 fork safety ---------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# 3.12+ warns that the process has threads (the fake gateway's server): the
# child here only makes requests of its own and exits, which is what is tested.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_opens_its_own_pool(fake_gateway: FakeGateway) -> None:
    with MusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url) as client:
        job = client.create(model="minimax/music-1.5", prompt="x")
        parent_pool = client._http()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.close(read)
                fresh = client._http() is not parent_pool
                got = client.get(job.id)
                os.write(write, json.dumps([fresh, got.id]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        answer = os.read(read, 1000)
        os.close(read)
        assert os.waitstatus_to_exitcode(status) == 0
        assert json.loads(answer) == [True, job.id]
        assert client._http() is parent_pool  # the parent keeps its pool
        client.get(job.id)


# -- retry=RetryPolicy(...) and max_retries (issue 13.7) ------------------------------


@pytest.mark.parametrize("cls", [MusicClient, AsyncMusicClient])
def test_retry_policy_is_accepted_and_max_retries_is_its_count(cls: type[Any]) -> None:
    policy = asm.RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.02)
    client = cls(api_key=KEY, base_url=BASE, retry=policy)
    assert client.retry is policy
    assert client.max_retries == 5
    assert cls(api_key=KEY, base_url=BASE, retry=policy, max_retries=5).retry is policy
    assert cls(api_key=KEY, base_url=BASE).retry == asm.RetryPolicy()
    counted = cls(api_key=KEY, base_url=BASE, max_retries=4)
    assert counted.retry == asm.RetryPolicy(max_retries=4)
    with pytest.raises(ValueError, match="max_retries=1 contradicts retry=RetryPolicy"):
        cls(api_key=KEY, base_url=BASE, retry=policy, max_retries=1)
    with pytest.raises(TypeError, match="retry must be a RetryPolicy"):
        cls(api_key=KEY, base_url=BASE, retry=3)
    # with_options: a count alone keeps the delays; a policy replaces them.
    fewer = client.with_options(max_retries=1)
    assert fewer.retry == asm.RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)
    assert client.retry is policy  # the original is unchanged
    assert counted.with_options(retry=policy).retry is policy
    with pytest.raises(ValueError, match="contradicts"):
        client.with_options(retry=asm.RetryPolicy(max_retries=2), max_retries=3)
    with pytest.raises(AttributeError):
        client.retry = policy


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"max_retries": -1}, ValueError),
        ({"max_retries": True}, TypeError),
        ({"initial_delay": float("nan")}, ValueError),
        ({"max_delay": -1.0}, ValueError),
        ({"jitter": 1.5}, ValueError),
        ({"jitter": "0.1"}, TypeError),
    ],
)
def test_retry_policy_refuses_bad_numbers(fields: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        asm.RetryPolicy(**fields)


def test_the_retry_policys_delays_are_used_and_a_per_call_count_keeps_them(
    make_client: Callable[..., MusicClient],
) -> None:
    slept: list[float] = []
    rec = Recorder((503, {"error": "upstream_error"}), (200, QUEUED))
    http = httpx.Client(transport=httpx.MockTransport(rec))
    policy = asm.RetryPolicy(max_retries=3, initial_delay=7.0, max_delay=7.0, jitter=0.0)
    client = make_client(
        api_key=KEY, base_url=BASE, http_client=http, sleep=slept.append, retry=policy
    )
    assert client.get("job_1").status == "queued"
    assert slept == [7.0]
    rec.requests.clear()
    rec._answers = [(503, {"error": "upstream_error"})]
    slept.clear()
    with pytest.raises(asm.ServerError):
        client.get("job_1", max_retries=1)
    assert slept == [7.0]  # one retry, on the client's delays
    assert len(rec.requests) == 2


def test_base_music_client_is_public_and_not_made_directly() -> None:
    assert issubclass(MusicClient, asm.BaseMusicClient)
    assert issubclass(AsyncMusicClient, asm.BaseMusicClient)
    with pytest.raises(TypeError, match="use MusicClient or AsyncMusicClient"):
        asm.BaseMusicClient()
