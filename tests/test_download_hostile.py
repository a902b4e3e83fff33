"""Downloads from a hostile CDN, beyond tests/test_download.py: redirect chains and downgrades.

tests/test_download.py covers a lying ``Content-Length`` both ways, more bytes
than declared, stalls, one redirect to another host, redirects to other
schemes and the redirect bound. Here: chains of redirects across hosts that
end in a failure, a redirect from the CDN to the API's own origin (which must
not make the download carry the key), chains across https hosts (followed,
without credentials), and a redirect from https down to plain http.
The outcome is always a typed error and nothing at the destination, or the
whole file.

And hostile destinations (issue 12, items 1-2): FIFOs, sockets, device nodes,
symlinks (followed when named, refused when a title picked the name),
directories where a file would go, a trailing separator, missing parents and
parents that are files, and something put at the destination mid-download.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest
from _support import SUNO, EitherClient

from ai_stats_music import (
    AIStatsError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DownloadError,
    MusicAudio,
    MusicClient,
    MusicClip,
)
from ai_stats_music._download import download_async, download_sync
from ai_stats_music.testing import Clip, FakeGateway, Fault

WAV: Final = b"RIFF" + b"\0" * 60


def _clip(client: MusicClient, gw: FakeGateway) -> MusicClip:
    gw.script(timeline=[], clips=[Clip(duration=1)])
    return client.create_and_wait(model=SUNO, prompt="x").output[0]


@pytest.mark.parametrize(
    ("last", "error"),
    [
        (Fault.lying_length(+500), DownloadError),
        (Fault.drop(mid_body=True), DownloadError),
        (Fault.stall(mid_body=True), APITimeoutError),
        (Fault.status(410), APIStatusError),
        (Fault.redirect("ftp://files.example/x.wav"), DownloadError),
    ],
    ids=lambda v: v.describe() if isinstance(v, Fault) else v.__name__,
)
async def test_a_chain_of_redirects_across_hosts_that_ends_badly_leaves_nothing(
    either: EitherClient,
    client: MusicClient,
    fake_gateway: FakeGateway,
    tmp_path: Path,
    last: Fault,
    error: type[AIStatsError],
) -> None:
    clip = _clip(client, fake_gateway)
    # 127.0.0.1 -> localhost -> 127.0.0.1 -> the fault
    fake_gateway.inject(Fault.redirect(host="localhost", status=302), on="audio")
    fake_gateway.inject(Fault.redirect(host="127.0.0.1", status=307), on="audio")
    fake_gateway.inject(last, on="audio")
    with pytest.raises(error):
        await either.download(clip, tmp_path, timeout=0.3)
    assert os.listdir(tmp_path) == []
    audio = fake_gateway.requests_for(origin="audio")
    assert len(audio) == 3
    assert all("authorization" not in r.headers for r in audio)


def test_a_redirect_from_the_cdn_to_the_api_origin_carries_no_key(
    client: MusicClient, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    clip = _clip(client, fake_gateway)
    api_port = httpx.URL(fake_gateway.base_url).port
    fake_gateway.inject(Fault.redirect(port=api_port), on="audio")
    with pytest.raises(AuthenticationError):  # the API refuses a request without the key
        client.download(clip, tmp_path)
    assert os.listdir(tmp_path) == []
    (to_api,) = [r for r in fake_gateway.requests_for(origin="api") if r.path.startswith("/audio")]
    assert "authorization" not in to_api.headers


async def test_a_chain_of_redirects_that_ends_well_lands_the_file(
    either: EitherClient, client: MusicClient, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    clip = _clip(client, fake_gateway)
    fake_gateway.inject(Fault.redirect(host="localhost", status=301), on="audio")
    fake_gateway.inject(Fault.redirect(host="127.0.0.1", status=308), on="audio")
    path = await either.download(clip, tmp_path)
    assert path.parent == tmp_path
    assert path.stat().st_size == fake_gateway.jobs[-1].clips[0].audio_size
    fake_gateway.inject(Fault.redirect(host="localhost"), on="audio")
    fake_gateway.inject(Fault.lying_length(+10), on="audio")
    with pytest.raises(DownloadError):
        await either.download(clip, tmp_path / "second.wav")
    assert os.listdir(tmp_path) == [path.name]


# -- https hosts (no TLS on loopback: the CDN is a MockTransport) -------------------------


class Cdn:
    """A MockTransport CDN: ``routes`` maps a URL to (status, headers, body)."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        status, headers, body = self.routes.get(str(request.url), (404, {}, b"not found"))
        # A stream, as off the wire (content=... would arrive already read, uncounted).
        headers = {**headers, "content-length": str(len(body))}
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def _through(cdn: Cdn) -> httpx.Client:
    # As the clients build theirs (_download.new_sync_client), but over the mock.
    return httpx.Client(
        transport=httpx.MockTransport(cdn),
        follow_redirects=False,
        headers={"Accept-Encoding": "identity", "User-Agent": "ai-stats-music/test"},
    )


def _redirect(to: str) -> tuple[int, dict[str, str], bytes]:
    return (302, {"location": to}, b"")


def test_a_chain_across_https_hosts_is_followed_without_credentials(tmp_path: Path) -> None:
    cdn = Cdn(
        {
            "https://cdn.example/a.wav?sig=1": _redirect("https://edge-1.example/a.wav"),
            "https://edge-1.example/a.wav": _redirect("https://edge-2.example/final.wav"),
            "https://edge-2.example/final.wav": (200, {"content-type": "audio/wav"}, WAV),
        }
    )
    with _through(cdn) as http:
        path = download_sync(lambda: http, "https://cdn.example/a.wav?sig=1", tmp_path, timeout=5)
    assert path == tmp_path / "final.wav"
    assert path.read_bytes() == WAV
    assert [r.url.host for r in cdn.seen] == ["cdn.example", "edge-1.example", "edge-2.example"]
    for request in cdn.seen:
        assert "authorization" not in request.headers
        assert "cookie" not in request.headers


DOWNGRADES: Final = [
    "http://cdn.example/a.wav",  # the same host, in clear
    "http://edge.example/a.wav",  # another host, in clear
    "//edge.example/a.wav",  # scheme-relative: takes the scheme of the page -- https here
]


@pytest.mark.parametrize("location", DOWNGRADES[:2])
def test_a_redirect_from_https_down_to_http_is_refused(location: str, tmp_path: Path) -> None:
    cdn = Cdn(
        {
            "https://cdn.example/a.wav": _redirect(location),
            location: (200, {"content-type": "audio/wav"}, WAV),
        }
    )
    with _through(cdn) as http, pytest.raises(DownloadError):
        download_sync(lambda: http, "https://cdn.example/a.wav", tmp_path, timeout=5)
    assert os.listdir(tmp_path) == []
    assert len(cdn.seen) == 1


def test_a_scheme_relative_redirect_stays_on_https(tmp_path: Path) -> None:
    cdn = Cdn(
        {
            "https://cdn.example/a.wav": _redirect(DOWNGRADES[2]),
            "https://edge.example/a.wav": (200, {"content-type": "audio/wav"}, WAV),
        }
    )
    with _through(cdn) as http:
        path = download_sync(lambda: http, "https://cdn.example/a.wav", tmp_path, timeout=5)
    assert path.read_bytes() == WAV
    assert cdn.seen[-1].url.scheme == "https"


async def test_the_async_driver_treats_chains_alike(tmp_path: Path) -> None:
    cdn = Cdn(
        {
            "https://cdn.example/a.wav": _redirect("https://edge.example/b.wav"),
            "https://edge.example/b.wav": _redirect("gopher://edge.example/b.wav"),
        }
    )
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(cdn), follow_redirects=False
    ) as http:
        with pytest.raises(DownloadError, match="refused a redirect"):
            await download_async(lambda: http, "https://cdn.example/a.wav", tmp_path, timeout=5)
    assert os.listdir(tmp_path) == []


# -- destinations: only a regular file is ever replaced ------------------------------------

INLINE: Final = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64)


def _audio(title: str = "Song") -> MusicAudio:
    return MusicAudio(audio_base64=base64.b64encode(INLINE).decode(), title=title)


def _no_pool() -> httpx.Client:
    raise AssertionError("inline audio needs no connection")


def _save(dest: str | Path, audio: MusicAudio | None = None) -> Path:
    """The sync driver on inline audio: no network, the destination rules only."""
    return download_sync(_no_pool, audio or _audio(), dest, timeout=5)


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@contextlib.contextmanager
def _socket(path: Path) -> Iterator[Path]:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    try:
        yield path
    finally:
        sock.close()


def _listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_a_fifo_is_refused_and_left_untouched(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "song.wav")
    with pytest.raises(FileExistsError, match="FIFO"):
        _save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _listing(tmp_path) == ["song.wav"]


def test_a_socket_is_refused_and_left_untouched(tmp_path: Path) -> None:
    with _socket(tmp_path / "s.wav") as path:
        with pytest.raises(FileExistsError, match="socket"):
            _save(path)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
        assert _listing(tmp_path) == ["s.wav"]


@pytest.mark.skipif(os.geteuid() != 0, reason="os.mknod of a device needs root")
def test_a_device_node_is_refused_and_left_untouched(tmp_path: Path) -> None:
    null = os.stat("/dev/null")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o600, null.st_rdev)
    with pytest.raises(FileExistsError, match="character device"):
        _save(node)
    after = os.lstat(node)
    assert stat.S_ISCHR(after.st_mode)
    assert after.st_rdev == null.st_rdev
    assert _listing(tmp_path) == ["null"]


def test_a_symlink_to_a_device_is_refused_and_stays(tmp_path: Path) -> None:
    link = tmp_path / "out.wav"
    link.symlink_to("/dev/null")  # only stat()ed: never opened
    with pytest.raises(FileExistsError, match="character device"):
        _save(link)
    assert os.readlink(link) == "/dev/null"
    assert _listing(tmp_path) == ["out.wav"]


def test_a_symlink_stays_a_symlink_and_its_target_gets_the_content(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    target = store / "real.wav"
    target.write_bytes(b"old")
    (tmp_path / "hop").symlink_to(target)
    link = tmp_path / "song.wav"
    link.symlink_to(tmp_path / "hop")  # a chain: link -> hop -> real.wav
    assert _save(link) == target
    assert link.is_symlink()
    assert target.read_bytes() == INLINE
    assert _listing(tmp_path) == ["hop", "song.wav", "store"]  # no temporary file left
    assert _listing(store) == ["real.wav"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "song.wav"
    link.symlink_to(tmp_path / "new.wav")
    assert _save(link) == tmp_path / "new.wav"
    assert link.is_symlink()
    assert link.read_bytes() == INLINE


def test_a_symlink_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="symbolic links"):
        _save(tmp_path / "a")
    assert _listing(tmp_path) == ["a", "b"]


def test_a_symlink_to_a_directory_is_that_directory(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "dir").symlink_to(real)
    assert _save(tmp_path / "dir").resolve() == real / "Song.wav"


@pytest.mark.parametrize("kind", ["directory", "fifo", "symlink"])
def test_a_made_up_name_taken_by_something_else_is_refused(kind: str, tmp_path: Path) -> None:
    taken = tmp_path / "Song.wav"
    elsewhere = tmp_path / "elsewhere.wav"
    elsewhere.write_bytes(b"keep me")
    if kind == "directory":
        taken.mkdir()
        error: type[OSError] = IsADirectoryError
    elif kind == "fifo":
        _fifo(taken)
        error = FileExistsError
    else:
        taken.symlink_to(elsewhere)  # a title must not choose where the bytes go
        error = FileExistsError
    with pytest.raises(error):
        _save(tmp_path)
    assert elsewhere.read_bytes() == b"keep me"
    assert _listing(tmp_path) == ["Song.wav", "elsewhere.wav"]


def test_a_trailing_separator_means_a_directory(tmp_path: Path) -> None:
    assert _save(f"{tmp_path}{os.sep}") == tmp_path / "Song.wav"
    with pytest.raises(FileNotFoundError, match="no such directory"):
        _save(f"{tmp_path / 'new'}{os.sep}")
    (tmp_path / "file.wav").write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="separator is a directory"):
        _save(f"{tmp_path / 'file.wav'}{os.sep}")
    assert _listing(tmp_path) == ["Song.wav", "file.wav"]
    assert (tmp_path / "file.wav").read_bytes() == b"x"


def test_a_missing_parent_or_a_parent_that_is_a_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"'.*missing' does not exist") as missing:
        _save(tmp_path / "missing" / "x.wav")
    assert missing.value.filename == str(tmp_path / "missing" / "x.wav")
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError, match=r"the parent '.*file' is a regular file"):
        _save(tmp_path / "file" / "x.wav")
    with pytest.raises(NotADirectoryError, match=r"deeper' cannot exist: '.*file' is a regular"):
        _save(tmp_path / "file" / "deeper" / "x.wav")
    assert _listing(tmp_path) == ["file"]


def test_something_put_at_the_destination_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "song.wav"

    def swap(done: int, total: int | None) -> None:
        if done:  # written and synced, not yet renamed into place
            _fifo(dest)

    with pytest.raises(FileExistsError, match="FIFO"):
        download_sync(_no_pool, _audio(), dest, progress=swap, timeout=5)
    assert stat.S_ISFIFO(os.lstat(dest).st_mode)
    assert _listing(tmp_path) == ["song.wav"]


async def test_the_async_driver_refuses_alike(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "song.wav")

    def no_pool() -> httpx.AsyncClient:
        raise AssertionError("inline audio needs no connection")

    with pytest.raises(FileExistsError):
        await download_async(no_pool, _audio(), fifo, timeout=5)
    link = tmp_path / "link.wav"
    link.symlink_to(tmp_path / "target.wav")
    assert await download_async(no_pool, _audio(), link, timeout=5) == tmp_path / "target.wav"
    assert link.is_symlink()
    assert _listing(tmp_path) == ["link.wav", "song.wav", "target.wav"]


def test_a_url_download_to_a_fifo_sends_no_request(tmp_path: Path) -> None:
    cdn = Cdn({"https://cdn.example/a.wav": (200, {"content-type": "audio/wav"}, WAV)})
    fifo = _fifo(tmp_path / "a.wav")
    with _through(cdn) as http, pytest.raises(FileExistsError):
        download_sync(lambda: http, "https://cdn.example/a.wav", fifo, timeout=5)
    assert cdn.seen == []
