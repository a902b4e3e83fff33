"""MusicClient and AsyncMusicClient over real HTTP on loopback, against the fake gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _servers import dead_port
from _support import SUNO, EitherClient, SleepRecorder

from ai_stats_music import (
    AIStatsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncMusicClient,
    AuthenticationError,
    BadRequestError,
    ElevenLabsOptions,
    JobStatus,
    MalformedResponseError,
    MusicClient,
    MusicJob,
    NotFoundError,
    PermissionDeniedError,
    ProviderRouting,
    RateLimitError,
    ServerError,
    SunoOptions,
)
from ai_stats_music.testing import FakeGateway, Fault


def _statuses(gw: FakeGateway) -> int:
    return len(gw.requests_for(operation="status"))


# -- create and get ---------------------------------------------------------------


def test_create_returns_a_typed_job_and_sends_the_body_as_upstream_names_it(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    job = client.create(
        model=SUNO,
        prompt="late night jazz",
        duration=30,
        format="mp3",
        provider=ProviderRouting(order=["suno"], allow_fallbacks=False),
        suno=SunoOptions(custom_mode=True, style="jazz", title="Blue", instrumental=True),
    )
    assert isinstance(job, MusicJob)
    assert job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)
    assert job.provider == "suno"
    assert job.usage is not None
    assert job.usage.requests == 1
    (request,) = fake_gateway.requests_for(operation="create")
    assert request.headers["authorization"] == f"Bearer {fake_gateway.api_key}"
    assert request.headers["user-agent"].startswith("ai-stats-music/")
    assert request.json() == {
        "model": SUNO,
        "prompt": "late night jazz",
        "duration": 30,
        "format": "mp3",
        "provider": {"order": ["suno"], "allow_fallbacks": False},
        "suno": {"style": "jazz", "title": "Blue", "customMode": True, "instrumental": True},
    }


def test_create_accepts_mappings_keyed_as_upstream_names_them(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    client.create(
        model="elevenlabs/music-v1",
        prompt="ambient",
        elevenlabs={"music_length_ms": 30000, "force_instrumental": True},
        extra_body={"seed": 7},
    )
    body = fake_gateway.requests_for(operation="create")[0].json()
    assert body["elevenlabs"] == {"music_length_ms": 30000, "force_instrumental": True}
    assert body["seed"] == 7


def test_create_with_typed_elevenlabs_options(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    client.create(
        model="elevenlabs/music-v1",
        elevenlabs=ElevenLabsOptions(prompt="piano", music_length_ms=10_000),
    )
    body = fake_gateway.requests_for(operation="create")[0].json()
    assert body["elevenlabs"] == {"prompt": "piano", "music_length_ms": 10000}


@pytest.mark.parametrize(
    ("suno", "prompt", "missing"),
    [
        ({"customMode": False}, None, "prompt"),
        ({"customMode": True, "title": "t", "prompt": "p"}, None, "suno.style"),
        ({"customMode": True, "style": "s", "prompt": "p"}, None, "suno.title"),
        ({"customMode": True, "style": "s", "title": "t"}, None, "suno.prompt"),
    ],
)
def test_suno_rules_are_checked_before_sending(
    client: MusicClient,
    fake_gateway: FakeGateway,
    suno: dict[str, Any],
    prompt: str | None,
    missing: str,
) -> None:
    with pytest.raises(ValueError, match=missing.replace(".", r"\.")):
        client.create(model=SUNO, prompt=prompt, suno=suno)
    assert fake_gateway.requests == ()


def test_suno_rules_accept_what_the_gateway_accepts(client: MusicClient) -> None:
    client.create(
        model=SUNO, suno={"customMode": True, "style": "s", "title": "t", "instrumental": True}
    )
    client.create(model=SUNO, prompt="top-level prompt", suno={"customMode": False})
    client.create(model=SUNO, suno=SunoOptions(prompt="suno prompt"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": ""}, "model"),
        ({"model": SUNO, "format": "flac"}, "format"),
        ({"model": SUNO, "duration": 0}, "duration"),
        ({"model": SUNO, "duration": 2.5}, "duration"),
    ],
)
def test_bad_create_arguments_are_refused_before_sending(
    client: MusicClient, fake_gateway: FakeGateway, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        client.create(**kwargs)
    assert fake_gateway.requests == ()


async def test_get_reads_the_status(either: EitherClient, fake_gateway: FakeGateway) -> None:
    created = await either.create(model=SUNO, prompt="x", format="wav")
    job = await either.get(created.id)
    assert job.id == created.id
    assert isinstance(job.status, str)
    assert fake_gateway.requests_for(operation="create")[0].json()["format"] == "wav"
    (request,) = fake_gateway.requests_for(operation="status")
    assert request.path == f"/v1/music/generate/{created.id}"


def test_unknown_fields_and_statuses_are_kept(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    created = client.create(model=SUNO, prompt="x")
    fake_gateway.inject(Fault.unknown_status("rendering"), on="status")
    job = client.get(created.id)
    assert job.status == "rendering"
    assert job.known_status is None
    assert not job.is_terminal
    fake_gateway.inject(Fault.extra_fields({"trace_id": "t-1"}), on="status")
    assert client.get(created.id).additional_properties["trace_id"] == "t-1"


# -- errors -------------------------------------------------------------------------


def test_wrong_key_is_an_authentication_error(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient]
) -> None:
    with pytest.raises(AuthenticationError) as info:
        make_client(api_key="sk-wrong-key").get("task_1")
    assert info.value.status_code == 401
    assert "sk-wrong-key" not in str(info.value)
    assert "sk-wrong-key" not in repr(info.value)
    assert _statuses(fake_gateway) == 1  # a 401 is never retried


def test_validation_error_carries_the_gateways_reason(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    # The client checks what it knows; a rule only the server knows still comes back typed.
    fake_gateway.inject(
        Fault.status(400, body={"error": "validation_error", "reason": "duration too long"}),
        on="create",
    )
    with pytest.raises(BadRequestError) as info:
        client.create(model=SUNO, prompt="x")
    error = info.value
    assert error.status_code == 400
    assert error.error_code == "validation_error"
    assert error.reason == "duration too long"
    assert error.body == {"error": "validation_error", "reason": "duration too long"}
    assert isinstance(error.response, httpx.Response)
    assert "duration too long" in str(error)


def test_unknown_job_is_not_found_and_carries_the_id(client: MusicClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get("task_does_not_exist")
    assert info.value.job_id == "task_does_not_exist"
    assert info.value.status_code == 404


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIStatusError),
        (418, APIStatusError),
    ],
)
def test_status_codes_map_to_typed_errors(
    client: MusicClient, fake_gateway: FakeGateway, code: int, cls: type[APIStatusError]
) -> None:
    fake_gateway.inject(Fault.status(code), on="status", times=None)
    with pytest.raises(cls) as info:
        client.get("task_1")
    assert type(info.value) is cls
    assert info.value.status_code == code


def test_rate_limit_error_parses_retry_after(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient], sleeps: SleepRecorder
) -> None:
    fake_gateway.inject(Fault.status(429, retry_after=7), on="status", times=None)
    with pytest.raises(RateLimitError) as info:
        make_client(max_retries=1).get("task_1")
    assert info.value.retry_after == 7.0
    assert sleeps.delays == [7.0]  # the server's word, not the backoff


async def test_server_errors_are_retried_then_raised(
    either: EitherClient, fake_gateway: FakeGateway, sleeps: SleepRecorder
) -> None:
    fake_gateway.inject(Fault.html(502), on="status", times=None)
    with pytest.raises(ServerError) as info:
        await either.get("task_1")
    assert info.value.status_code == 502
    assert "502" in str(info.value)
    assert _statuses(fake_gateway) == 3  # one try and max_retries=2 retries
    assert len(sleeps.delays) == 2
    assert 0 < sleeps.delays[0] < sleeps.delays[1]  # exponential backoff


def test_get_recovers_from_transient_failures(
    client: MusicClient, fake_gateway: FakeGateway
) -> None:
    created = client.create(model=SUNO, prompt="x")
    fake_gateway.inject(Fault.drop(), on="status")
    fake_gateway.inject(Fault.status(503, retry_after=0), on="status")
    assert client.get(created.id).id == created.id
    assert _statuses(fake_gateway) == 3


@pytest.mark.parametrize(
    "fault",
    [Fault.truncated_json(), Fault.text("not json at all", status=200)],
    ids=["truncated", "text"],
)
def test_malformed_answers_raise_malformed_response_error(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient], fault: Fault
) -> None:
    c = make_client(max_retries=0)
    created_id = c.create(model=SUNO, prompt="x").id
    fake_gateway.inject(fault, on="status", times=None)
    with pytest.raises(MalformedResponseError) as info:
        c.get(created_id)
    assert info.value.job_id == created_id
    assert info.value.response is not None


def test_connection_refused_is_a_connection_error_that_never_reached_the_server(
    make_client: Callable[..., MusicClient], sleeps: SleepRecorder
) -> None:
    base = f"http://127.0.0.1:{dead_port()}/v1"
    with pytest.raises(APIConnectionError) as info:
        make_client(base_url=base).create(model=SUNO, prompt="x")
    assert not info.value.may_have_reached_server
    assert not info.value.job_may_exist
    assert len(sleeps.delays) == 2  # provably not sent, so even a create is retried


def test_read_timeout_is_a_timeout_error(
    fake_gateway: FakeGateway, make_client: Callable[..., MusicClient]
) -> None:
    fake_gateway.inject(Fault.stall(), on="status", times=None)
    with pytest.raises(APITimeoutError) as info:
        make_client(timeout=0.2, max_retries=0).get("task_1")
    assert info.value.job_id == "task_1"
    assert info.value.may_have_reached_server


# -- configuration and secrets ------------------------------------------------------


async def test_repr_shows_the_base_url_never_the_key(
    fake_gateway: FakeGateway,
    make_client: Callable[..., MusicClient],
    make_aclient: Callable[..., AsyncMusicClient],
) -> None:
    key = "sk-very-secret-key-123"
    for c in (make_client(api_key=key), make_aclient(api_key=key)):
        assert repr(c) == f"{type(c).__name__}(base_url={fake_gateway.base_url!r})"
        assert key not in repr(c.raw)
        assert key not in repr(vars(c))


def test_key_and_base_url_from_the_environment(
    fake_gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AI_STATS_API_KEY", fake_gateway.api_key)
    monkeypatch.setenv("AI_STATS_BASE_URL", fake_gateway.base_url)
    with MusicClient() as c:
        assert c.base_url == fake_gateway.base_url
        assert c.create(model=SUNO, prompt="x").id


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AI_STATS_API_KEY", raising=False)
    with pytest.raises(AIStatsError, match="AI_STATS_API_KEY"):
        MusicClient()


def test_own_http_client_is_used_and_not_closed(
    make_client: Callable[..., MusicClient],
) -> None:
    http = httpx.Client()
    with make_client(http_client=http) as c:
        c.create(model=SUNO, prompt="x")
    assert not http.is_closed
    http.close()


def test_raw_gives_the_generated_client_with_auth(client: MusicClient) -> None:
    from ai_stats_gateway.api.gateway import get_music_generation

    created = client.create(model=SUNO, prompt="x")
    response = get_music_generation.sync_detailed(created.id, client=client.raw)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key", "message"),
    [(123, "must be a string"), ("sk-a\nb", "single-line"), ("   ", "no API key")],
)
def test_bad_keys_are_refused_clearly(key: Any, message: str) -> None:
    with pytest.raises(AIStatsError, match=message):
        MusicClient(api_key=key)
