"""The API key leaves the client only in the Authorization header of requests to the API.

With a known key, everything that leaves the client is captured while it goes
through its paces (create, get, wait, create_and_wait, wait_many, download,
sync and async, a server that echoes the key in every kind of answer, the
command line): every request to every origin (at the transport, below every
httpx client in the process, downloads included), log records at DEBUG,
the message, repr and traceback of every exception, the reprs of clients and
jobs, and the command line's output. The key must appear in exactly one
place: the ``Authorization`` header of requests to the API's origin.

A piece of the key counts as a leak too: messages quote only the start of a
body, so an echoed key can be cut anywhere. Its first 8 characters are what
is looked for.

And a base URL of plain ``http://`` to a host other than loopback
(``localhost``, ``127.0.0.0/8``, ``::1``) is refused unless explicitly allowed:
the key would cross the network in clear.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
import pytest
from _support import SUNO

from ai_stats_music import (
    AIStatsError,
    AsyncMusicClient,
    MusicClient,
    MusicJobFailed,
    MusicJobTimeout,
    _cli,
)
from ai_stats_music.cli import main
from ai_stats_music.testing import Clip, FakeGateway, Fault, VirtualClock

KEY: Final = "sk-sec-7Hq2Zr9WkX4mN8vB3cJ6tY1pL5sD0fGa"
#: What is looked for: the key's first 8 characters (a cut key leaks a prefix).
PIECE: Final = KEY[:8]
#: Loggers whose records are captured at DEBUG.
LOGGERS: Final = ("ai_stats_music", "httpx", "httpcore")


def _leaks(text: str) -> bool:
    return PIECE in text


# -- capture -----------------------------------------------------------------------------


class Outbound:
    """Every request any httpx client in this process sends, seen at the transport."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def record(self, request: httpx.Request) -> None:
        self.requests.append(request)


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Outbound:
    seen = Outbound()
    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.record(request)
        return sync_send(self, request)

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        seen.record(request)
        return await async_send(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    return seen


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake_gateway(clock: VirtualClock) -> Iterator[FakeGateway]:
    """The fake gateway of this file: it knows the long key :data:`KEY`, on the
    virtual clock (``make_client`` and ``make_aclient`` build on it)."""
    with FakeGateway(api_key=KEY, clock=clock).serve() as gateway:
        yield gateway


@pytest.fixture
def gw(fake_gateway: FakeGateway) -> FakeGateway:
    return fake_gateway


@pytest.fixture
def new(make_client: Callable[..., MusicClient], clock: VirtualClock) -> Callable[..., MusicClient]:
    """``make_client`` on the virtual clock."""
    return functools.partial(make_client, sleep=clock.sleep, clock=clock)


@pytest.fixture
def anew(
    make_aclient: Callable[..., AsyncMusicClient], clock: VirtualClock
) -> Callable[..., AsyncMusicClient]:
    """``make_aclient`` on the virtual clock."""
    return functools.partial(make_aclient, sleep=clock.asleep, clock=clock)


class Raised:
    """Runs scenario steps; keeps every client error they raise."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def __call__(self, step: Callable[[], object]) -> object:
        try:
            return step()
        except AIStatsError as exc:
            self.errors.append(exc)
            return None

    async def coro(self, step: Callable[[], Any]) -> object:
        try:
            return await step()
        except AIStatsError as exc:
            self.errors.append(exc)
            return None

    def add(self, error: BaseException | None) -> None:
        if error is not None:
            self.errors.append(error)


# Faults whose answers echo the key: as text, in a JSON reason, in a 200 that is
# not JSON, and cut by the client's body previews (120 and 300 characters) in the
# middle of the key.
def _echoes() -> list[Fault]:
    header = f"Authorization: Bearer {KEY}"
    cut_120 = "x" * (120 - len("Authorization: Bearer ") - 20) + header
    cut_300 = "y" * (300 - len("Authorization: Bearer ") - 20) + header
    return [
        Fault.status(500, body=f"upstream said: {header}"),
        Fault.status(400, body={"error": "validation_error", "reason": f"bad header {header}"}),
        Fault.status(401, body={"error": {"code": "auth", "message": header}}),
        Fault.status(429, retry_after=1, body=header),
        Fault.text(f"<html>{header}</html>", status=200),
        Fault.text(cut_120, status=200),
        Fault.status(502, body=cut_300),
        Fault.status(503, body=cut_300 + "z" * 50),
    ]


def _check_requests(gw: FakeGateway, outbound: Outbound, *, api: str | None = None) -> int:
    """The key is in the Authorization header of API requests, and nowhere else."""
    origin = httpx.URL(api or gw.base_url)
    checked = 0
    for request in outbound.requests:
        to_api = (request.url.scheme, request.url.host, request.url.port) == (
            origin.scheme,
            origin.host,
            origin.port,
        )
        for name, value in request.headers.multi_items():
            if name.lower() == "authorization":
                assert to_api, f"Authorization sent to {request.url}"
                assert value == f"Bearer {KEY}"
            else:
                assert not _leaks(value), f"key in header {name} of {request.url}"
        assert not _leaks(str(request.url)), request.url
        with contextlib.suppress(httpx.RequestNotRead):
            assert not _leaks(request.content.decode("utf-8", "replace"))
        checked += 1
    # The server's side of the same story, both origins.
    for seen in gw.requests:
        for name, value in seen.headers.items():
            if name == "authorization":
                assert seen.origin == "api"
            else:
                assert not _leaks(value)
        assert not _leaks(seen.path + seen.query)
        assert not _leaks(seen.body.decode("utf-8", "replace"))
    return checked


def _check_errors(errors: list[BaseException]) -> None:
    for error in errors:
        text = "".join(traceback.format_exception(error))  # the causes and contexts too
        assert not _leaks(str(error)), f"{type(error).__name__}: {error}"
        assert not _leaks(repr(error)), repr(error)
        assert not _leaks(text), text


def _check_logs(caplog: pytest.LogCaptureFixture) -> int:
    records = [r for r in caplog.records if r.name.split(".")[0] in LOGGERS]
    for record in records:
        assert not _leaks(record.getMessage()), record.getMessage()
        assert not _leaks(repr(record.args))
        if record.exc_info:
            assert not _leaks("".join(traceback.format_exception(*record.exc_info)))
    return len(records)


# -- the scenarios ---------------------------------------------------------------------


@attrs.frozen
class Witness:
    """What the scenarios look at once they ran: every request that left the
    process (and what the gateway received), and every log record."""

    outbound: Outbound
    logs: pytest.LogCaptureFixture

    def check(self, gw: FakeGateway, *, api: str | None = None) -> tuple[int, int]:
        """Checks both for the key; how many requests and log records were checked."""
        return _check_requests(gw, self.outbound, api=api), _check_logs(self.logs)


@pytest.fixture
def witness(outbound: Outbound, debug_logs: pytest.LogCaptureFixture) -> Witness:
    return Witness(outbound=outbound, logs=debug_logs)


def test_sync_client_keeps_the_key_in_the_authorization_header_only(
    gw: FakeGateway, new: Callable[..., MusicClient], witness: Witness, tmp_path: Path
) -> None:
    raised = Raised()
    api = gw.base_url
    # The wait_many jobs are done as soon as they are created (one read each).
    gw.script(prompt="many", timeline=[])
    gw.script(timeline=[("queued", 2), ("in_progress", 10)], clips=[Clip(duration=1)], times=20)
    with new() as client, new(max_retries=0) as once:
        job = client.create_and_wait(model=SUNO, prompt="happy path")
        client.download(job.output[0], tmp_path)
        for fault in _echoes():  # each answer echoing the key, read by each operation
            gw.inject(fault, on="status")
            raised(lambda: once.get(job.id))
            gw.inject(fault, on="create")
            raised(lambda: once.create(model=SUNO, prompt="x"))
            gw.inject(fault, on="status", times=3)
            created = client.create(model=SUNO, prompt="waited through echoes")
            raised(lambda: client.wait(created, deadline=120))  # noqa: B023 (called at once)
        for fault in _echoes():  # after processing: a job was made, the answer echoes the key
            gw.inject(attrs_after(fault), on="create")
            raised(lambda: once.create(model=SUNO, prompt="x"))
        # a redirect from the API is not followed: the key stays with its origin
        gw.inject(Fault.redirect(host="localhost"), on="status")
        raised(lambda: once.get(job.id))
        # the audio origin, through a redirect to another host name
        gw.inject(Fault.redirect(host="localhost", status=307), on="audio")
        client.download(job.output[0], tmp_path / "again.wav")
        gw.inject(Fault.status(403, body="denied"), on="audio")
        raised(lambda: client.download(job.output[0], tmp_path / "denied.wav"))
        # many jobs at once
        ids = [client.create(model=SUNO, prompt="many").id for _ in range(4)]
        gw.inject(Fault.status(500, body=f"echo {KEY}"), on="status", times=3)
        for result in client.wait_many(ids, deadline=60):
            raised.add(result.error)
        for shown in (repr(client), repr(client.raw), repr(vars(client)), repr(job), str(job)):
            assert not _leaks(shown)
    # the dead gateway: a connection error names the URL, never the key
    with new(max_retries=0) as dead:
        gw.stop()
        raised(lambda: dead.get("task_000001"))
    assert len(raised.errors) >= 20
    _check_errors(raised.errors)
    requests, records = witness.check(gw, api=api)
    assert requests > 50
    assert records > 50  # the loggers did log, at DEBUG
    print(f"\nsync: {requests} requests, {records} log records, {len(raised.errors)} errors")


def attrs_after(fault: Fault) -> Fault:
    """``fault`` striking after the job was created."""
    return attrs.evolve(fault, after_processing=True)


async def test_async_client_keeps_the_key_in_the_authorization_header_only(
    gw: FakeGateway, anew: Callable[..., AsyncMusicClient], witness: Witness, tmp_path: Path
) -> None:
    raised = Raised()
    gw.script(timeline=[("in_progress", 5)], clips=[Clip(duration=1)], times=30)
    async with anew() as client, anew(max_retries=0) as once:
        job = await client.create_and_wait(model=SUNO, prompt="happy path")
        await client.download(job.output[0], tmp_path)
        for fault in _echoes():
            gw.inject(fault, on="status")
            await raised.coro(lambda: once.get(job.id))
            gw.inject(attrs_after(fault), on="create")
            await raised.coro(lambda: once.create(model=SUNO, prompt="x"))
        created = [await client.create(model=SUNO, prompt=f"many {i}") for i in range(4)]
        gw.inject(Fault.status(502, body=f"echo {KEY}"), on="status", times=4)
        async with contextlib.aclosing(client.wait_many(created, deadline=60)) as results:
            async for result in results:
                raised.add(result.error)
        gw.inject(Fault.status(404, body="no such clip"), on="audio")
        await raised.coro(lambda: client.download(job.output[0], tmp_path / "gone.wav"))
        assert not _leaks(repr(client))
        assert not _leaks(repr(client.raw))
    assert len(raised.errors) >= 15
    _check_errors(raised.errors)
    requests, records = witness.check(gw)
    assert requests > 20
    assert records > 20
    print(f"\nasync: {requests} requests, {records} log records, {len(raised.errors)} errors")


def test_the_command_line_never_prints_the_key(
    witness: Witness,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """``ai-stats-music`` (its ``main``): output and errors, plain and ``--json``."""
    # No retries, so that each echoing answer reaches the output at once (in real time).
    monkeypatch.setattr(_cli, "MusicClient", functools.partial(MusicClient, max_retries=0))
    monkeypatch.setenv("AI_STATS_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    outputs: list[str] = []
    codes: list[int] = []

    def cli(*args: str) -> None:
        try:
            codes.append(main(list(args)))
        except SystemExit as exc:  # argparse
            codes.append(int(exc.code or 0))
        out, err = capsys.readouterr()
        outputs.append(out + err)

    with FakeGateway(api_key=KEY).serve() as gw:
        gw.script(timeline=[("in_progress", 0.05)], clips=[Clip(duration=1)], times=None)
        api = gw.base_url
        monkeypatch.setenv("AI_STATS_BASE_URL", api)
        for mode in ([], ["--json"]):
            cli("generate", "happy", "--wait", "--out", str(tmp_path / "songs"), *mode)
            job_id = gw.jobs[-1].id
            cli("status", job_id, *mode)
            cli("download", job_id, "--out", str(tmp_path / "again"), *mode)
            for fault in _echoes():
                gw.inject(fault, on="status")
                cli("status", job_id, *mode)
            gw.inject(Fault.status(500, body=f"echo {KEY}"), on="status", times=None)
            cli("wait", job_id, "--timeout", "0.3", *mode)
            gw.clear_faults()
            gw.inject(attrs.evolve(Fault.status(500, body=f"echo {KEY}"), after_processing=True))
            cli("generate", "echo", *mode)
            cli("status", "task_missing", *mode)
            gw.inject(Fault.status(403, body="denied"), on="audio")
            cli("download", job_id, "--out", str(tmp_path / "denied"), *mode)
    assert 0 in codes
    assert {1, 4, 5} <= set(codes)  # API errors, the timeout, the refused key
    for output in outputs:
        assert not _leaks(output), output
    requests, records = witness.check(gw, api=api)
    assert requests > 20
    print(f"\ncli: {len(outputs)} runs, {requests} requests, {records} log records")


# -- errors built from what the server said about a job ----------------------------------


def test_a_job_whose_error_or_status_echoes_the_key_does_not_leak_it(
    gw: FakeGateway, new: Callable[..., MusicClient]
) -> None:
    gw.script(timeline=[("in_progress", 3)], final="failed", error={"message": f"echo {KEY}"})
    raised = Raised()
    with new() as client:
        raised(lambda: client.create_and_wait(model=SUNO, prompt="x"))
        gw.script(timeline=[("in_progress", 3600)])
        created = client.create(model=SUNO, prompt="y")
        gw.inject(Fault.unknown_status(f"stuck {KEY}"), on="status", times=None)
        raised(lambda: client.wait(created, deadline=10))
    assert [type(e) for e in raised.errors] == [MusicJobFailed, MusicJobTimeout]
    _check_errors(raised.errors)


# -- the key is scrubbed even when a preview cuts it ---------------------------------------


@pytest.mark.parametrize("fault", _echoes(), ids=lambda f: f.describe()[:40])
def test_an_echoed_key_is_scrubbed_whole_or_cut(
    gw: FakeGateway, new: Callable[..., MusicClient], fault: Fault
) -> None:
    gw.inject(fault, on="status")
    with new(max_retries=0) as client, pytest.raises(AIStatsError) as info:
        client.get("task_000001")
    assert not _leaks(str(info.value))
    assert not _leaks(repr(info.value))
    assert "***" in str(info.value)  # scrubbed, not merely absent


# -- plain http only to loopback ----------------------------------------------------------

REFUSED_HTTP: Final = [
    "http://api.example.com/v1",
    "http://10.0.0.5/v1",
    "http://192.168.1.10:8080/v1",
    "http://0.0.0.0:8000/v1",
    "http://[fe80::1]/v1",
    "http://localhost.evil.example/v1",
    "http://127.0.0.1.nip.io/v1",
    "http://evil.localhost/v1",  # *.localhost reaches a DNS server on most resolvers
    "http://2130706433/v1",
    "HTTP://API.EXAMPLE.COM/v1",
]
LOOPBACK_HTTP: Final = [
    "http://localhost:8000/v1",
    "http://LOCALHOST:8000/v1",
    "http://127.0.0.1/v1",
    "http://127.0.0.1:65535/v1/",
    "http://127.255.255.254:1/v1",
    "http://[::1]:9/v1",
]
#: Refused whatever ``allow_insecure_http`` says.
MALFORMED: Final = [
    "http://127.0.0.1:80\\evil.example/v1",  # one parser's loopback, another's evil host
    "http://[::1]evil/v1",
    "http://127.0.0.1:80:80/v1",
    "https://user:hunter2@api.example.com/v1",
    "https://api.example.com/v1?key=x",
    "http://127.0.0.1:8000/v1#@evil.example",
    "ftp://api.example.com/v1",
    "api.example.com/v1",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", REFUSED_HTTP)
def test_plain_http_to_another_host_is_refused_unless_allowed(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="in clear"):
        MusicClient(api_key=KEY, base_url=url)
    with pytest.raises(ValueError, match="in clear"):
        AsyncMusicClient(api_key=KEY, base_url=url)
    monkeypatch.setenv("AI_STATS_BASE_URL", url)
    with pytest.raises(ValueError, match="in clear"):
        MusicClient(api_key=KEY)
    MusicClient(api_key=KEY, base_url=url, allow_insecure_http=True).close()


@pytest.mark.parametrize("url", LOOPBACK_HTTP)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    with MusicClient(api_key=KEY, base_url=url) as client:
        assert client.base_url == url.rstrip("/")


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("allow", [False, True])
def test_malformed_base_urls_are_refused(url: str, allow: bool) -> None:
    with pytest.raises(ValueError, match="base_url") as info:
        MusicClient(api_key=KEY, base_url=url, allow_insecure_http=allow)
    assert "hunter2" not in str(info.value)


def test_https_anywhere_is_allowed() -> None:
    MusicClient(api_key=KEY, base_url="https://gateway.example.org:8443/v1").close()


def test_no_request_is_made_when_the_base_url_is_refused(outbound: Outbound) -> None:
    with pytest.raises(ValueError, match="base_url"):
        MusicClient(api_key=KEY, base_url="http://api.example.com/v1")
    assert outbound.requests == []


# The command line takes the same stand: a config error, exit 5, nothing sent.
def test_the_command_line_refuses_plain_http_elsewhere(
    outbound: Outbound, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AI_STATS_API_KEY", KEY)
    monkeypatch.setenv("AI_STATS_BASE_URL", "http://api.example.com/v1")
    assert main(["status", "task_1"]) == 5
    out, err = capsys.readouterr()
    assert "in clear" in err
    assert not _leaks(out + err)
    assert outbound.requests == []
