"""The client against a plain HTTP server that answers the gateway's literal bodies.

The fake gateway plays today's gateway in the other tests; here nothing plays:
a standard-library HTTP server answers exactly the bodies upstream published
(``tests/data/examples/``, copied from the gateway's docs and tests) with the
status codes they come with, so that what the client makes of them is checked
against the gateway's own words rather than against our reading of them.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import pytest
from _support import EXAMPLES

from ai_stats_music import (
    APIStatusError,
    AsyncMusicClient,
    BadRequestError,
    FeatureDisabledError,
    InsufficientFundsError,
    MusicClient,
    ServerError,
)

KEY: Final = "sk-upstream-examples"


def example(name: str) -> dict[str, Any]:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


class Answer:
    """What the server answers next: a status, a JSON body, headers, a hold in seconds."""

    def __init__(
        self, status: int, body: object, *, headers: dict[str, str] | None = None, hold: float = 0
    ) -> None:
        self.status = status
        self.body = json.dumps(body).encode()
        self.headers = headers or {}
        self.hold = hold


class PlainGateway(ThreadingHTTPServer):
    """Answers ``POST`` with ``create`` and ``GET`` with ``status``, counting each."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.create = Answer(200, example("create-minimax-gmicloud"))
        self.status = Answer(200, example("status-elevenlabs-stored"))
        self.seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: PlainGateway
    protocol_version = "HTTP/1.1"

    def _answer(self, answer: Answer) -> None:
        with self.server.lock:
            self.server.seen.append((self.command, self.path))
        if answer.hold:
            threading.Event().wait(answer.hold)
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(self.server.create)

    def do_GET(self) -> None:
        self._answer(self.server.status)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[PlainGateway]:
    server = PlainGateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def client(gateway: PlainGateway) -> Iterator[MusicClient]:
    with MusicClient(api_key=KEY, base_url=gateway.base_url, sleep=lambda _s: None) as c:
        yield c


def test_a_completed_minimax_create_ends_create_and_wait_with_its_url_and_no_status_read(
    gateway: PlainGateway, client: MusicClient
) -> None:
    job = client.create_and_wait(model="minimax/music-3.0:free", prompt="rain on a tin roof")

    assert job.is_completed
    assert job.id == "req_01JY6MUSIC123"
    assert job.native_response_id == "5c30b275-d669-4a25-8151-de6d60214853"
    (audio,) = job.audio
    assert audio.url == "https://.../generated-music.mp3"
    assert audio.data is None
    assert job.usage is not None
    assert job.usage.output_audio_seconds == 25.364
    assert [method for method, _ in gateway.seen] == ["POST"]


def test_the_stored_elevenlabs_answer_is_one_inline_audio_saved_whole(
    gateway: PlainGateway, client: MusicClient, tmp_path: Path
) -> None:
    job = client.get("req_music_1")

    (audio,) = job.audio  # given twice (top level and output[0]): one audio
    assert audio.url is None
    assert audio.data == b"\x01\x02\x03\x04"
    assert job.usage is not None
    assert job.usage.output_audio_count == 1
    (path,) = client.download_all(job, tmp_path)
    assert path.parent == tmp_path
    assert path.read_bytes() == b"\x01\x02\x03\x04"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_the_queued_provider_answer_lists_its_clip(
    gateway: PlainGateway, client: MusicClient
) -> None:
    gateway.status = Answer(200, example("status-queued-provider"))
    job = client.get("req_01JY6MUSIC123")

    (audio,) = job.audio
    assert audio.url == "https://..."
    assert audio.title == "Midnight Blue"
    assert audio.duration == 8
    assert audio.clip is job.output[0]


def test_the_normalised_envelope_gives_its_request_id_and_every_text(
    gateway: PlainGateway, client: MusicClient
) -> None:
    gateway.create = Answer(400, example("error-normalized"))
    with pytest.raises(BadRequestError) as caught:
        client.create(model="eleven-labs/music", prompt="x")

    error = caught.value
    assert error.request_id == "G-VALIDATION-1"
    assert error.error_code == "validation_error"
    assert "The request contains invalid parameters." in error.message
    assert "temperature is too high" in error.message
    assert "None" not in error.message
    assert error.job_may_exist is False


def test_a_402_is_insufficient_funds(gateway: PlainGateway, client: MusicClient) -> None:
    gateway.create = Answer(
        402,
        {"error": "insufficient_funds", "reason": "balance_too_low", "min_usd": 0.5},
        headers={"X-Request-Id": "G-FUNDS-1"},
    )
    with pytest.raises(InsufficientFundsError) as caught:
        client.create(model="eleven-labs/music", prompt="x")

    assert caught.value.status_code == 402
    assert caught.value.request_id == "G-FUNDS-1"
    assert caught.value.min_usd == 0.5
    assert [method for method, _ in gateway.seen] == ["POST"]  # not retried


def test_a_501_is_the_feature_switched_off_never_retried_and_no_job(
    gateway: PlainGateway, client: MusicClient
) -> None:
    disabled = Answer(
        501, example("error-feature-disabled-501"), headers={"Cache-Control": "no-store"}
    )
    gateway.create = gateway.status = disabled

    with pytest.raises(FeatureDisabledError) as created:
        client.create(model="eleven-labs/music", prompt="x")
    with pytest.raises(FeatureDisabledError):
        client.get("req_music_1")
    with pytest.raises(FeatureDisabledError):
        client.wait("req_music_1")

    assert created.value.job_may_exist is False
    assert created.value.error_code == "not_implemented"
    assert "music endpoints are temporarily disabled." in created.value.message
    assert not isinstance(created.value, ServerError)
    assert len(gateway.seen) == 3  # one request each: never retried


def test_a_504_on_create_may_have_made_a_job_and_names_the_request_to_wait_for(
    gateway: PlainGateway, client: MusicClient
) -> None:
    gateway.create = Answer(
        504,
        {
            "error": "gmicloud_request_queue_timeout",
            "request_id": "req_01JY6MUSIC123",
            "status": "in_progress",
        },
    )
    with pytest.raises(APIStatusError) as caught:
        client.create(model="minimax/music-3.0", prompt="x")

    error = caught.value
    assert error.status_code == 504
    assert error.job_may_exist is True
    assert error.request_id == "req_01JY6MUSIC123"
    assert "req_01JY6MUSIC123" in error.message
    assert [method for method, _ in gateway.seen] == ["POST"]  # a create is not sent twice

    gateway.status = Answer(200, example("status-queued-provider"))
    assert client.wait(error.request_id).is_completed  # the job, found by that id


@pytest.mark.slow
def test_a_create_held_open_35_seconds_succeeds_with_the_default_timeouts(
    gateway: PlainGateway,
) -> None:
    """An ElevenLabs song takes tens of seconds inside the create request."""
    gateway.create = Answer(200, example("create-minimax-gmicloud"), hold=35)
    with MusicClient(api_key=KEY, base_url=gateway.base_url) as client:
        job = client.create_and_wait(model="eleven-labs/music", prompt="a long song")
    assert job.is_completed


def test_200_creates_at_once_from_one_async_client_all_succeed(gateway: PlainGateway) -> None:
    gateway.create = Answer(200, example("create-minimax-gmicloud"), hold=0.3)

    async def main() -> list[bool]:
        async with AsyncMusicClient(api_key=KEY, base_url=gateway.base_url) as client:
            jobs = await asyncio.gather(
                *(client.create(model="minimax/music-2.6", prompt=f"p{i}") for i in range(200))
            )
        return [job.is_completed for job in jobs]

    assert asyncio.run(main()) == [True] * 200
    assert len(gateway.seen) == 200  # each sent once
