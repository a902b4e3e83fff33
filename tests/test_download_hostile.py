"""Downloads from a hostile CDN, beyond tests/test_download.py: redirect chains and downgrades.

tests/test_download.py covers a lying ``Content-Length`` both ways, more bytes
than declared, stalls, one redirect to another host, redirects to other
schemes and the redirect bound. Here: chains of redirects across hosts that
end in a failure, a redirect from the CDN to the API's own origin (which must
not make the download carry the key), chains across https hosts (followed,
without credentials), and a redirect from https down to plain http.
The outcome is always a typed error and nothing at the destination, or the
whole file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import httpx
import pytest

from ai_stats_music import (
    AIStatsError,
    APIStatusError,
    APITimeoutError,
    AsyncMusicClient,
    AuthenticationError,
    DownloadError,
    MusicClient,
    MusicClip,
)
from ai_stats_music._download import download_async, download_sync
from ai_stats_music.testing import Clip, FakeGateway, Fault

SUNO: Final = "suno/v4.5plus"
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
def test_a_chain_of_redirects_across_hosts_that_ends_badly_leaves_nothing(
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
        client.download(clip, tmp_path, timeout=0.3)
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


async def test_the_async_client_follows_the_same_chain(
    client: MusicClient, aclient: AsyncMusicClient, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    clip = _clip(client, fake_gateway)
    fake_gateway.inject(Fault.redirect(host="localhost", status=301), on="audio")
    fake_gateway.inject(Fault.redirect(host="127.0.0.1", status=308), on="audio")
    path = await aclient.download(clip, tmp_path)
    assert path.parent == tmp_path
    assert path.stat().st_size == fake_gateway.jobs[-1].clips[0].audio_size
    fake_gateway.inject(Fault.redirect(host="localhost"), on="audio")
    fake_gateway.inject(Fault.lying_length(+10), on="audio")
    with pytest.raises(DownloadError):
        await aclient.download(clip, tmp_path / "second.wav")
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
