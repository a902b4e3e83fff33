"""Hostile job ids and clip titles never change which endpoint is called or where a file lands.

A job id is sent as exactly one path segment of ``/music/generate/{id}``
(percent-encoded, ``/`` included), or refused with ``ValueError`` before any
request when no URL can carry it as one: ``""``, ``"."`` and ``".."`` (which
URL resolution would turn into another endpoint) and text that is not valid
Unicode (a lone surrogate). What is checked is the raw path on the wire (an
httpx event hook on a client passed in as ``http_client``) and the path the
fake gateway decoded.

A clip's title becomes a file name made safe (``safe_stem``): whatever the
title, the file lands directly inside the directory given, under a name with
no separator, no control character and no leading dot.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx
import pytest
from _support import SUNO, EitherClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_stats_music import (
    APIStatusError,
    AsyncMusicClient,
    MusicClient,
    MusicClip,
    NotFoundError,
    PollPolicy,
)
from ai_stats_music._filenames import filename_for
from ai_stats_music.testing import Clip, FakeGateway, VirtualClock

PREFIX: Final = "/v1/music/generate/"
#: Refused before any request: no URL carries them as one segment.
REFUSED: Final = ["", ".", "..", "\ud800", "task_\udfff", "x" * 8_193, "\u00e9" * 1_366]
#: Sent, each as one segment.
HOSTILE_IDS: Final = [
    "/",
    "//",
    "../x",
    "x/..",
    "./x",
    "task_1/../../v1/music/generate",
    "%2e%2e",
    "%2E%2E",
    "%2f",
    "..%2f",
    ".%2e",
    "...",
    "?",
    "?x=1",
    "#",
    "#frag",
    "\0",
    "nul\0byte",
    "\\",
    "..\\..",
    " ",
    "\r\n",
    "\t",
    ";",
    "..;",
    "@evil.example",
    "caf\u00e9",
    "\u65e5\u672c",
    "\U0001f3b5",
    "\u2024\u2024",  # ONE DOT LEADER: two of them look like ".." and are not
    "\uff0e\uff0e",  # FULLWIDTH FULL STOP
    "\u202etxt.exe",
    "x" * 8_192,  # the longest sent: 8192 characters once percent-encoded
    "\u00e9" * 1_365,
]


def _segment(job_id: str) -> bytes:
    return (PREFIX + quote(job_id, safe="")).encode("ascii")


def _sync(
    make_client: Callable[..., MusicClient],
    seen: list[httpx.Request],
    clock: VirtualClock | None = None,
) -> MusicClient:
    """A client whose every request is recorded as httpx sends it."""
    http = httpx.Client(event_hooks={"request": [seen.append]})
    clock = clock or VirtualClock()
    return make_client(http_client=http, max_retries=0, sleep=clock.sleep, clock=clock)


@pytest.mark.parametrize(
    ("job_id", "segment"),
    [
        ("a/b", "a%2Fb"),
        ("%2e%2e", "%252e%252e"),
        ("?x=1", "%3Fx%3D1"),
        ("#frag", "%23frag"),
        ("nul\x00", "nul%00"),
        ("caf\u00e9", "caf%C3%A9"),
        ("...", "..."),
    ],
)
def test_the_expected_segments_are_spelled_out(job_id: str, segment: str) -> None:
    """The wire tests below compare with :func:`_segment`; here it is, by hand."""
    assert _segment(job_id) == (PREFIX + segment).encode()


@pytest.mark.parametrize("bad", [None, 3, b"task"])
def test_a_job_id_that_is_not_text_is_refused_before_any_request(
    client: MusicClient, fake_gateway: FakeGateway, bad: Any
) -> None:
    with pytest.raises(ValueError, match="job id"):
        client.get(bad)
    assert fake_gateway.requests == ()


@pytest.mark.parametrize("job_id", HOSTILE_IDS, ids=lambda i: repr(i[:12]))
def test_a_hostile_job_id_is_one_path_segment_on_the_wire(
    fake_gateway: FakeGateway,
    fake_clock: VirtualClock,
    make_client: Callable[..., MusicClient],
    job_id: str,
) -> None:
    seen: list[httpx.Request] = []
    with _sync(make_client, seen, fake_clock) as client:
        # 404; or, for ids with "/", whatever the server makes of "//" (the fake's
        # router redirects): never followed, so the endpoint stays the one asked for.
        with pytest.raises(APIStatusError) as info:
            client.get(job_id)
        assert info.value.job_id == job_id
        assert isinstance(info.value, NotFoundError) or "/" in job_id
        with pytest.raises(APIStatusError):  # and it ends a wait at once
            client.wait(job_id)
    assert [r.url.raw_path for r in seen] == [_segment(job_id)] * 2
    assert all(r.method == "GET" for r in seen)
    # The server decoded it back to the id, under the status operation.
    received = fake_gateway.requests
    assert [r.path for r in received] == [PREFIX + job_id] * 2
    if "/" not in job_id:
        assert all(r.operation == "status" and r.job_id == job_id for r in received)
    assert fake_gateway.jobs_created == 0


@pytest.mark.parametrize("job_id", REFUSED, ids=lambda i: repr(i[:12]))
def test_an_id_no_url_can_carry_is_refused_before_any_request(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient], job_id: str
) -> None:
    seen: list[httpx.Request] = []
    with _sync(make_client, seen) as client:
        for call in (
            lambda: client.get(job_id),
            lambda: client.wait(job_id),
            lambda: list(client.wait_many([job_id])),
        ):
            with pytest.raises(ValueError, match="job id"):
                call()
    assert seen == []
    assert fake_gateway.requests == ()


async def test_the_async_client_sends_the_same_segments(
    make_aclient: Callable[..., AsyncMusicClient],
) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    http = httpx.AsyncClient(event_hooks={"request": [record]})
    async with make_aclient(http_client=http) as client:
        for job_id in HOSTILE_IDS:
            with pytest.raises(APIStatusError):
                await client.get(job_id)
        for job_id in REFUSED:
            with pytest.raises(ValueError, match="job id"):
                await client.get(job_id)
            with pytest.raises(ValueError, match="job id"):
                client.wait_many([job_id])
        policy = PollPolicy(timeout=5)
        async with contextlib.aclosing(client.wait_many(HOSTILE_IDS[:8], poll=policy)) as results:
            ended = {r.job_id: r.error async for r in results}
    await http.aclose()
    assert all(isinstance(e, APIStatusError) for e in ended.values())
    assert set(ended) == set(HOSTILE_IDS[:8])
    expected = [_segment(i) for i in HOSTILE_IDS]
    assert [r.url.raw_path for r in seen[: len(HOSTILE_IDS)]] == expected
    assert sorted(r.url.raw_path for r in seen[len(HOSTILE_IDS) :]) == sorted(
        _segment(i) for i in HOSTILE_IDS[:8]
    )


@pytest.mark.parametrize("length", [8_193, 70_000, 1_000_000])
def test_an_id_too_long_for_any_server_is_refused_with_a_short_message(
    make_client: Callable[..., MusicClient], length: int
) -> None:
    """Not httpx's InvalidURL ("URL too long") from deep inside the call."""
    seen: list[httpx.Request] = []
    with (
        _sync(make_client, seen) as client,
        pytest.raises(ValueError, match="job id") as info,
    ):
        client.get("x" * length)
    assert seen == []
    assert len(str(info.value)) < 300


_ANY_ID: Final = (
    st.text(max_size=30)
    | st.text(st.characters(codec="utf-8") | st.sampled_from("./%?#\\\0"), max_size=12)
    | st.sampled_from(HOSTILE_IDS + REFUSED)
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=2)
)


def test_any_id_is_one_segment_or_refused_before_sending() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(404, json={"error": "not_found", "reason": "no such job"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = MusicClient(
        api_key="sk-paths", base_url="http://127.0.0.1:9/v1", http_client=http, max_retries=0
    )
    cases = 0

    @settings(
        max_examples=1_000,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(job_id=_ANY_ID)
    def run(job_id: str) -> None:
        nonlocal cases
        cases += 1
        requests.clear()
        try:
            client.get(job_id)
        except ValueError:  # refused: nothing was sent
            assert requests == []
            assert (
                job_id in ("", ".", "..")
                or not _encodable(job_id)
                or len(quote(job_id, safe="")) > 8192
            )
            return
        except NotFoundError as exc:
            error = exc
        else:
            raise AssertionError("a 404 came back as a job")
        (request,) = requests
        assert request.url.raw_path == _segment(job_id)
        assert request.url.path == PREFIX + job_id
        assert error.job_id == job_id

    with http, client:
        run()
    assert cases >= 1_000


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- titles --------------------------------------------------------------------------------

#: Titles a server might send: traversal, absolute and Windows paths, reserved
#: device names, control, escape and bidi characters, encodings and look-alikes
#: of a slash, shell-looking names, empty and huge ones.
HOSTILE_TITLES: Final = [
    "..",
    ".",
    "",
    "/",
    "../../etc/x",
    "a/../../b",
    "/abs/path",
    "a\\b",
    "C:\\Windows\\x",
    "CON",
    "nul.txt",
    " .hidden",
    "-rf",
    "\x1b[31mred\x1b[0m",
    "\u202egnp.exe",
    "nul\0byte",
    "Caf\u00e9 \u2013 \u00e9t\u00e9 \U0001f3b5",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc",
    "?",
    "#",
    "a?b#c",
    "\0",
    "x" * 5_000,
    "\u00e9" * 5_000,
    "\U0001f3b5" * 100,
    "\u65e5\u672c\u8a9e\u306e\u66f2",
    "\ud800",  # what "\ud800" in the answer's JSON decodes to
    "~",
    "~root",
    "$HOME",
    ".git",
    "..\u2215..\u2215etc",  # DIVISION SLASH
    "..\uff0f..",  # FULLWIDTH SOLIDUS
    "\u2024\u2024",
]


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().parent == directory.resolve()


def _check_name(name: str) -> None:
    assert name not in ("", ".", "..")
    assert "/" not in name
    assert os.sep not in name
    assert "\0" not in name
    assert not name.startswith(".")
    assert not name.startswith(("-", " "))
    assert len(name.encode("utf-8")) <= 255
    assert all(ch.isprintable() for ch in name)
    assert not any(ch in name for ch in '<>:"/\\|?*')  # nor Windows' reserved characters
    assert name.split(".")[0].upper() not in {"CON", "NUL"}


def test_hostile_titles_from_the_gateway_land_inside_dest(
    fake_gateway: FakeGateway,
    fake_clock: VirtualClock,
    make_client: Callable[..., MusicClient],
    tmp_path: Path,
) -> None:
    """Titles as the server sends them (JSON over HTTP), downloaded by the client."""
    safe_titles = [t for t in HOSTILE_TITLES if _encodable(t)]  # the fake writes UTF-8 JSON
    fake_gateway.script(timeline=[], clips=[Clip(title=t, duration=0.01) for t in safe_titles])
    dest = tmp_path / "songs"
    dest.mkdir()
    with make_client(sleep=fake_clock.sleep, clock=fake_clock) as client:
        job = client.create_and_wait(model=SUNO, prompt="x")
        assert [c.title for c in job.output] == [t or "Fake track 3" for t in safe_titles]
        landed = []
        for clip in job.output:
            path = client.download(clip, dest)
            assert _inside(path, dest), (clip.title, path)
            _check_name(path.name)
            landed.append(path.name)
            path.unlink()  # some titles make the same name: one at a time
    assert os.listdir(tmp_path) == ["songs"]
    assert os.listdir(dest) == []
    assert len(landed) == len(safe_titles)


@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=lambda t: repr(t[:20]))
async def test_a_hostile_title_lands_inside_dest_under_a_safe_name(
    either: EitherClient, fake_gateway: FakeGateway, tmp_path: Path, title: str
) -> None:
    """Each title, through each client: one file, directly inside ``dest``, and
    nothing anywhere else."""
    fake_gateway.script(timeline=[], clips=[Clip(duration=0.01)])
    clip = (await either.create_and_wait(model=SUNO, prompt="x")).output[0]
    dest = tmp_path / "songs"
    dest.mkdir()
    path = await either.download(MusicClip.from_dict({**clip.to_dict(), "title": title}), dest)
    assert _inside(path, dest)
    assert os.listdir(dest) == [path.name]
    assert os.listdir(tmp_path) == ["songs"]
    assert path.name.endswith(".wav")
    _check_name(path.name)


def test_any_title_makes_a_name_that_stays_in_its_directory(tmp_path: Path) -> None:
    url = httpx.URL("http://127.0.0.1:9/audio/task_1/0.wav")
    cases = 0

    @settings(max_examples=1_500, derandomize=True, database=None, deadline=None)
    @given(
        title=st.text()
        | st.lists(
            st.sampled_from(["..", ".", "/", "\\", "\0", "%2e", "?", "#", " ", "\u2215"])
        ).map("".join)
        | st.sampled_from(HOSTILE_TITLES),
        clip_id=st.none() | st.text(max_size=10),
        content_type=st.sampled_from([None, "audio/wav", "audio/mpeg", "text/html"]),
    )
    def run(title: str, clip_id: str | None, content_type: str | None) -> None:
        nonlocal cases
        cases += 1
        name = filename_for(MusicClip(title=title, id=clip_id, index=0), url, content_type)
        _check_name(name)
        assert (tmp_path / name).resolve().parent == tmp_path.resolve()

    run()
    assert cases >= 1_500
