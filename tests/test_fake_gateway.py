"""The fake gateway (ai_stats_music.testing), exercised over real sockets with httpx.

Independent of the overlay's client on purpose: these tests pin what the fake
does, so that the client's tests can rely on it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import importlib
import inspect
import io
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
import wave
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from _support import ELEVEN, EXAMPLES, SUNO
from test_contract import assert_conforms

from ai_stats_music import MusicJob
from ai_stats_music.testing import (
    DEFAULT_API_KEY,
    DEFAULT_SCRIPT,
    Clip,
    FakeGateway,
    Fault,
    JobScript,
    Phase,
    VirtualClock,
    run_fake_gateway,
)

# One TLS context for every client: httpx builds a new one per client otherwise
# (tens of milliseconds each), and these tests talk plain HTTP on loopback only.
TLS = httpx.create_ssl_context()

JAZZ = {"model": SUNO, "prompt": "late night jazz, piano"}
CREATE_KEYS = {"id", "object", "status", "provider", "model", "nativeResponseId", "usage"}
STATUS_KEYS = {"id", "object", "status", "provider", "model", "nativeResponseId"}
CLIP_KEYS = {"index", "id", "audio_url", "stream_audio_url", "image_url", "title", "tags"}
CLIP_KEYS |= {"duration"}


def new_client(gw: FakeGateway | None = None) -> httpx.Client:
    """A client of ``gw``'s API (base URL and key), or a plain one."""
    if gw is None:
        return httpx.Client(verify=TLS, timeout=5)
    return httpx.Client(base_url=gw.base_url, headers=gw.auth_headers, verify=TLS, timeout=5)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with new_client() as plain:
        yield plain


@pytest.fixture
def api(fake_gateway: FakeGateway) -> Iterator[httpx.Client]:
    with new_client(fake_gateway) as api_client:
        yield api_client


def create(api: httpx.Client, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    response = api.post("/music/generate", json={**(body or JAZZ), **extra})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def status(api: httpx.Client, job_id: str, alias: bool = False) -> dict[str, Any]:
    path = "generations" if alias else "generate"
    response = api.get(f"/music/{path}/{job_id}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# -- the package -----------------------------------------------------------------------------


def test_import_ai_stats_music_does_not_load_the_fake() -> None:
    code = (
        "import sys, ai_stats_music\n"
        "bad = [m for m in ('ai_stats_music.testing', 'starlette', 'uvicorn',"
        " 'openapi_schema_validator') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_virtual_clock() -> None:
    clock = VirtualClock(10)
    assert clock() == clock.now() == 10
    assert clock.advance(2.5) == 12.5
    clock.sleep(1)
    clock.sleep(-3)  # like asyncio.sleep: returns at once
    assert clock() == 13.5
    assert clock.sleeps == (1.0, 0.0)
    with pytest.raises(ValueError, match="advance"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="advance"):
        clock.advance(float("inf"))


async def test_virtual_clock_async_sleep() -> None:
    clock = VirtualClock()
    await clock.asleep(30)
    assert clock() == 30
    assert clock.sleeps == (30.0,)


def test_job_script_checks_its_fields() -> None:
    script = JobScript(timeline=[("queued", 1), Phase("rendering", 2)], clips=3)
    assert script.timeline == (Phase("queued", 1), Phase("rendering", 2))
    assert len(script.clips) == 3
    assert [script.status_after(t) for t in (0, 0.99, 1, 2.99, 3)] == [
        "queued",
        "queued",
        "rendering",
        "rendering",
        "completed",
    ]
    assert script.create_status == "queued"
    assert JobScript(timeline=[("rendering", 1)]).create_status == "queued"
    assert JobScript(timeline=[("in_progress", 1)]).create_status == "in_progress"
    with pytest.raises(ValueError, match="final"):
        JobScript(timeline=[("completed", 1)])
    with pytest.raises(ValueError, match="seconds"):
        Phase("queued", -1)
    with pytest.raises(ValueError, match="final"):
        JobScript(final="done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="audio_size"):
        Clip(audio_size=10)


def test_fault_constructors_check_their_arguments() -> None:
    with pytest.raises(ValueError, match="status"):
        Fault.status(200)
    with pytest.raises(ValueError, match="redirect"):
        Fault.redirect("ftp://x", status=200)
    with pytest.raises(ValueError, match="mid_body"):
        Fault.drop(mid_body=-1)
    with pytest.raises(ValueError, match="delta"):
        Fault.lying_length(0)
    assert Fault.status(503, retry_after=2).describe() == "status(503, retry_after=2)"
    assert not Fault.drop().processed
    assert Fault.drop(after_processing=True).processed
    assert Fault.drop(mid_body=True).processed
    assert Fault.truncated_json().processed


# -- authentication, validation, routing -------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sk-wrong"},
        {"Authorization": f"Basic {DEFAULT_API_KEY}"},
        {"Authorization": "Bearer"},
    ],
)
def test_wrong_or_missing_key_is_401(
    http: httpx.Client, fake_gateway: FakeGateway, headers: dict[str, str]
) -> None:
    for method, path in [("POST", "/music/generate"), ("GET", "/music/generate/task_000001")]:
        r = http.request(method, fake_gateway.base_url + path, headers=headers, json=JAZZ)
        assert r.status_code == 401
        assert r.json()["error"] == "unauthorised"
        assert DEFAULT_API_KEY not in r.text
    assert fake_gateway.jobs_created == 0


def test_custom_api_key() -> None:
    with run_fake_gateway(api_key="sk-other") as gw, new_client() as http:
        url = gw.base_url + "/music/generate"
        assert http.post(url, json=JAZZ, headers={"Authorization": "Bearer sk-other"}).is_success
        assert http.post(url, json=JAZZ, headers={"Authorization": "bearer  sk-other"}).is_success
        bad = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        assert http.post(url, json=JAZZ, headers=bad).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x"}, "model is required"),
        ({"model": 5, "prompt": "x"}, "model: 5 is not of type 'string'"),
        ({**JAZZ, "duration": "30"}, "duration:"),
        ({**JAZZ, "duration": 1.5}, "duration:"),
        ({**JAZZ, "format": "flac"}, "format:"),
        ({**JAZZ, "suno": {"vocalGender": "x"}}, "suno.vocalGender:"),
        ({**JAZZ, "suno": {"styleWeight": 2}}, "suno.styleWeight:"),
        ({**JAZZ, "provider": {"order": ["a", 1]}}, "provider.order[1]:"),
        ({**JAZZ, "provider": {"max_price": {"audio": [1]}}}, "provider.max_price.audio:"),
        ({**JAZZ, "elevenlabs": {"music_length_ms": "long"}}, "elevenlabs.music_length_ms:"),
        ({"model": "suno", "prompt": "x"}, "model: expected '<provider>/<model>'"),
        # Suno's rules
        ({"model": SUNO}, "prompt is required when suno.customMode is false"),
        ({"model": SUNO, "prompt": "  "}, "prompt is required"),
        (
            {"model": SUNO, "suno": {"customMode": True, "title": "T", "prompt": "p"}},
            "suno.style is required when suno.customMode is true",
        ),
        (
            {"model": SUNO, "suno": {"customMode": True, "style": "S", "prompt": "p"}},
            "suno.title is required when suno.customMode is true",
        ),
        (
            {"model": SUNO, "suno": {"customMode": True, "style": "S", "title": "T"}},
            "suno.prompt (or prompt) is required when suno.customMode is true "
            "and suno.instrumental is false",
        ),
    ],
)
def test_invalid_create_body_is_400_naming_the_field(
    fake_gateway: FakeGateway, api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    r = api.post("/music/generate", json=body)
    assert r.status_code == 400
    answer = r.json()
    assert answer["error"] == "validation_error"
    assert field in answer["reason"]
    assert fake_gateway.jobs_created == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b'{"model": NaN}', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "expected a JSON object, got an array"),
        (b'"text"', "expected a JSON object, got a string"),
        (b"null", "expected a JSON object, got null"),
    ],
)
def test_body_that_is_not_a_json_object_is_400(
    api: httpx.Client, content: bytes, reason: str
) -> None:
    r = api.post("/music/generations", content=content)
    assert r.status_code == 400
    answer = r.json()
    assert answer["error"] == "validation_error"
    assert answer["reason"].startswith(f"body: {reason}")


@pytest.mark.parametrize(
    "body",
    [
        {"model": SUNO, "suno": {"prompt": "from suno"}},
        {"model": SUNO, "prompt": "top", "suno": {"customMode": False}},
        {
            "model": SUNO,
            "suno": {"customMode": True, "instrumental": True, "style": "S", "title": "T"},
        },
        {
            "model": SUNO,
            "prompt": "p",
            "suno": {"customMode": True, "style": "S", "title": "T"},
        },
        {"model": "elevenlabs/music_v1", "elevenlabs": {"composition_plan": {"a": 1}}},
        {"model": "minimax/music-1-5", "prompt": "x", "format": "mp3", "duration": 30},
        {
            "model": SUNO,
            "prompt": "x",
            "provider": {"order": ["suno"], "allow_fallbacks": False, "max_price": {"audio": 1}},
            "debug": {"enabled": True, "trace_level": "summary"},
            "echo_upstream_request": True,
            "unknown_top_level_field": 1,
        },
    ],
)
def test_valid_create_bodies_are_accepted(api: httpx.Client, body: dict[str, Any]) -> None:
    assert api.post("/music/generate", json=body).status_code == 200


def test_unknown_job_is_404_on_both_paths(api: httpx.Client) -> None:
    for path in ("/music/generate/task_999999", "/music/generations/nope"):
        r = api.get(path)
        assert r.status_code == 404
        assert r.json()["error"] == "not_found"


def test_unknown_operation_is_json_404_or_405(api: httpx.Client) -> None:
    r = api.get("/music/unknown")
    assert (r.status_code, r.json()["error"]) == (404, "not_found")
    r = api.delete("/music/generate")
    assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    assert (
        api.get(
            f"{api.base_url.scheme}://{api.base_url.host}:{api.base_url.port}/music/generate"
        ).status_code
        == 404
    )


# -- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "provider", "native"),
    [
        (SUNO, "suno", "V4_5PLUS"),
        ("elevenlabs/music_v1", "elevenlabs", "music_v1"),
    ],
)
def test_a_queued_create_answer_is_the_2025_shape(
    api: httpx.Client, model: str, provider: str, native: str
) -> None:
    answer = create(api, {"model": model, "prompt": "x"})
    assert set(answer) == CREATE_KEYS
    assert answer["object"] == "music"
    assert answer["status"] in ("queued", "in_progress")
    assert (answer["provider"], answer["model"]) == (provider, native)
    assert answer["nativeResponseId"] == answer["id"]
    assert answer["usage"] == {"requests": 1}
    job = MusicJob.from_dict(answer)
    assert job.to_dict() == answer
    assert job.usage is not None
    assert job.usage.requests == 1
    assert not job.is_terminal


def test_create_answer_reports_output_seconds_when_duration_given(api: httpx.Client) -> None:
    answer = create(api, duration=42)
    assert answer["usage"] == {"requests": 1, "output_audio_seconds": 42}


def test_both_aliases_create_and_report_the_same_jobs(
    fake_gateway: FakeGateway, api: httpx.Client
) -> None:
    a = api.post("/music/generate", json=JAZZ).json()
    b = api.post("/music/generations", json=JAZZ).json()
    assert a["id"] != b["id"]
    for job_id in (a["id"], b["id"]):
        assert status(api, job_id) == status(api, job_id, alias=True)
    assert fake_gateway.jobs_created == 2
    assert [r.operation for r in fake_gateway.requests] == ["create"] * 2 + ["status"] * 4


def test_timeline_in_virtual_time(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    fake_gateway.script(
        prompt="lofi",
        timeline=[("queued", 1), ("in_progress", 30), ("rendering", 5)],
        clips=[Clip(title="One", duration=12), Clip(title="Two", duration=7.5, tags="lofi")],
    )
    created = create(api, {"model": SUNO, "prompt": "lofi"})
    job_id = created["id"]
    assert created["status"] == "queued"
    seen = []
    for step in (0.5, 0.5, 29.9, 0.2, 4.8, 0.1, 1000):
        answer = status(api, job_id)
        seen.append(answer["status"])
        if answer["status"] != "completed":
            assert set(answer) == STATUS_KEYS
        fake_clock.advance(step)
    assert seen == [
        "queued",
        "queued",
        "in_progress",
        "in_progress",
        "rendering",
        "rendering",
        "completed",
    ]
    done = status(api, job_id)
    assert set(done) == STATUS_KEYS | {"output", "usage"}
    assert [set(c) for c in done["output"]] == [CLIP_KEYS, CLIP_KEYS]
    assert [(c["index"], c["title"], c["duration"]) for c in done["output"]] == [
        (0, "One", 12),
        (1, "Two", 7.5),
    ]
    assert done["output"][1]["tags"] == "lofi"
    assert done["usage"] == {"output_audio_count": 2, "output_audio_seconds": 19.5}
    job = MusicJob.from_dict(done)
    assert job.is_completed
    assert job.to_dict() == done
    assert [c.title for c in job.output] == ["One", "Two"]
    assert fake_gateway.status_of(job_id) == "completed"
    # The unknown status parses, kept as a raw string that is not terminal.
    assert not MusicJob.from_dict({**done, "status": "rendering"}).is_terminal


def test_failed_job_carries_an_error(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    fake_gateway.script(timeline=[("in_progress", 2)], final="failed")
    fake_gateway.script(final="failed", error="quota exhausted", timeline=[])
    first, second = create(api)["id"], create(api)["id"]
    assert status(api, first)["status"] == "in_progress"
    fake_clock.advance(2)
    failed = status(api, first)
    assert set(failed) == STATUS_KEYS | {"error"}
    assert failed["error"] == {
        "code": "generation_failed",
        "message": "The provider could not generate the music.",
    }
    job = MusicJob.from_dict(failed)
    assert job.is_failed
    assert job.error is not None
    assert job.error.code == "generation_failed"
    assert status(api, second)["error"] == "quota exhausted"


def test_scripts_by_prompt_by_predicate_and_for_the_next_jobs(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    fake_gateway.default_script = JobScript(timeline=[], clips=1)
    fake_gateway.script(prompt="fails", final="failed", timeline=[])
    fake_gateway.script(match=lambda body: body.get("duration") == 99, clips=3, timeline=[])
    fake_gateway.script(JobScript(timeline=[], clips=0), times=2)

    def clips_of(job: dict[str, Any]) -> int | str:
        answer = status(api, job["id"])
        return len(answer["output"]) if answer["status"] == "completed" else answer["status"]

    # "next jobs" rules match any job, so they serve the first two plain ones.
    results = [
        clips_of(create(api)),
        clips_of(create(api, {"model": SUNO, "suno": {"prompt": "fails"}})),
        clips_of(create(api, duration=99)),
        clips_of(create(api)),
        clips_of(create(api)),
        clips_of(create(api, {"model": SUNO, "prompt": "fails"})),
    ]
    assert results == [0, "failed", 3, 0, 1, "failed"]
    assert fake_gateway.jobs_created == 6
    assert [j.id for j in fake_gateway.jobs] == [f"task_{i:06d}" for i in range(1, 7)]
    assert fake_gateway.job("task_000003").request["duration"] == 99
    with pytest.raises(TypeError, match="not both"):
        fake_gateway.script(JobScript(), clips=1)


def test_titles_and_tags_default_to_the_suno_options(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    body = {
        "model": SUNO,
        "prompt": "p",
        "suno": {"customMode": True, "style": "ambient", "title": "Dawn"},
    }
    job_id = create(api, body)["id"]
    fake_clock.advance(DEFAULT_SCRIPT.total_seconds)
    clips = status(api, job_id)["output"]
    assert [(c["title"], c["tags"], c["duration"]) for c in clips] == [
        ("Dawn", "ambient", 8),
        ("Dawn", "ambient", 8),
    ]


def test_extra_fields_survive_the_overlay_models(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    fake_gateway.script(
        timeline=[],
        clips=[Clip(extra_fields={"lyrics": "la la", "model_name": "chirp-v4"})],
        extra_fields={"x_provider_meta": {"credits": 3}, "createTime": 1700000000},
    )
    created = create(api)
    assert created["x_provider_meta"] == {"credits": 3}
    done = status(api, created["id"])
    job = MusicJob.from_dict(done)
    assert job.additional_properties == {
        "x_provider_meta": {"credits": 3},
        "createTime": 1700000000,
    }
    assert job.output[0].additional_properties == {"lyrics": "la la", "model_name": "chirp-v4"}
    assert job.to_dict() == done


def test_real_time_with_millisecond_phases() -> None:
    script = JobScript(timeline=[("queued", 0.01), ("in_progress", 0.02)], clips=1)
    with FakeGateway(default_script=script).serve() as gw, new_client(gw) as api:
        job_id = create(api)["id"]
        seen = {status(api, job_id)["status"]}
        deadline = time.monotonic() + 2
        while "completed" not in seen and time.monotonic() < deadline:
            time.sleep(0.005)
            seen.add(status(api, job_id)["status"])
    assert "completed" in seen


# -- faults ---------------------------------------------------------------------------------------


def test_one_shot_status_faults_then_normal(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.status(503, retry_after=2), on="status", times=3)
    fake_gateway.inject(Fault.status(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), on="status")
    assert fake_gateway.faults_pending == 4
    answers = [api.get(f"/music/generate/{job_id}") for _ in range(5)]
    assert [r.status_code for r in answers] == [503, 503, 503, 429, 200]
    assert answers[0].headers["retry-after"] == "2"
    assert answers[3].headers["retry-after"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert answers[0].json()["error"] == "service_unavailable"
    assert answers[3].json()["error"] == "rate_limited"
    assert fake_gateway.faults_pending == 0
    faults = [r.fault for r in fake_gateway.requests_for(operation="status")]
    assert [f.status_code if f else None for f in faults] == [503, 503, 503, 429, None]


@pytest.mark.parametrize("code", [429, 500, 502, 503])
def test_status_fault_before_create_creates_no_job(
    fake_gateway: FakeGateway, api: httpx.Client, code: int
) -> None:
    fake_gateway.inject(Fault.status(code), on="create")
    assert api.post("/music/generate", json=JAZZ).status_code == code
    assert fake_gateway.jobs_created == 0
    assert api.post("/music/generate", json=JAZZ).status_code == 200
    assert fake_gateway.jobs_created == 1


def test_faults_after_processing_a_create(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    fake_gateway.inject(Fault.status(500, after_processing=True), on="create")
    assert api.post("/music/generate", json=JAZZ).status_code == 500
    assert fake_gateway.jobs_created == 1

    fake_gateway.inject(Fault.drop(after_processing=True), on="create")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        api.post("/music/generate", json=JAZZ)
    assert fake_gateway.jobs_created == 2

    fake_gateway.inject(Fault.stall(after_processing=True), on="create")
    with pytest.raises(httpx.ReadTimeout):
        api.post("/music/generate", json=JAZZ, timeout=httpx.Timeout(5, read=0.05))
    assert fake_gateway.jobs_created == 3


def test_dropped_connection_before_any_answer(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    fake_gateway.inject(Fault.drop(), on="create")
    with pytest.raises(
        httpx.RemoteProtocolError, match="Server disconnected without sending a response"
    ):
        api.post("/music/generate", json=JAZZ)
    assert fake_gateway.jobs_created == 0
    assert create(api)["status"] == "queued"  # the client recovers on a new connection


def test_connection_closed_mid_body(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.drop(mid_body=True), on="status")
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        api.get(f"/music/generate/{job_id}")
    fake_gateway.inject(Fault.drop(mid_body=0), on="status")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(f"/music/generate/{job_id}")


def test_connection_reset(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    fake_gateway.inject(Fault.reset(), on="create")
    with pytest.raises(httpx.ReadError):
        api.post("/music/generate", json=JAZZ)
    assert fake_gateway.jobs_created == 0
    fake_gateway.inject(Fault.reset(mid_body=True), on="create")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        api.post("/music/generate", json=JAZZ)
    assert fake_gateway.jobs_created == 1  # mid-body faults strike after processing


def test_api_redirect_and_custom_error_body(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    fake_gateway.inject(Fault.redirect(host="localhost", status=307), on="create")
    r = api.post("/music/generate", json=JAZZ)
    port = httpx.URL(fake_gateway.base_url).port
    assert r.status_code == 307
    assert r.headers["location"] == f"http://localhost:{port}/v1/music/generate"
    assert fake_gateway.jobs_created == 0
    fake_gateway.inject(Fault.status(500, body={"error": {"message": "boom", "type": "x"}}))
    r = api.post("/music/generate", json=JAZZ)
    assert r.json() == {"error": {"message": "boom", "type": "x"}}
    fake_gateway.inject(Fault.status(502, body="Bad gateway"))
    r = api.post("/music/generate", json=JAZZ)
    assert (r.status_code, r.text) == (502, "Bad gateway")


def test_slow_answer(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    fake_gateway.inject(Fault.delay(0.05), on="create")
    started = time.monotonic()
    assert api.post("/music/generate", json=JAZZ).status_code == 200
    assert time.monotonic() - started >= 0.05
    fake_gateway.inject(Fault.delay(1))
    with pytest.raises(httpx.ReadTimeout):
        api.post("/music/generate", json=JAZZ, timeout=httpx.Timeout(5, read=0.05))


def test_stall_then_recover(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.stall(), on="status")
    with pytest.raises(httpx.ReadTimeout):
        api.get(f"/music/generate/{job_id}", timeout=httpx.Timeout(5, read=0.05))
    fake_gateway.inject(Fault.stall(0.02, mid_body=10), on="status")
    assert status(api, job_id)["id"] == job_id  # a short stall mid-body, then the rest


def test_malformed_bodies(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.text(), on="status")
    r = api.get(f"/music/generate/{job_id}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    with pytest.raises(json.JSONDecodeError):
        r.json()

    fake_gateway.inject(Fault.html(502), on="status")
    r = api.get(f"/music/generate/{job_id}")
    assert r.status_code == 502
    assert r.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in r.text

    fake_gateway.inject(Fault.truncated_json(), on="create")
    r = api.post("/music/generate", json=JAZZ)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.content)
    assert r.text.startswith('{"id":"task_000002"')
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert fake_gateway.jobs_created == 2  # the truncated answer's job exists


def test_unknown_status_and_extra_fields_faults(
    fake_gateway: FakeGateway, api: httpx.Client
) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.unknown_status("rendering"), on="status")
    fake_gateway.inject(Fault.extra_fields({"x_new": [1]}), on="status")
    first, second = status(api, job_id), status(api, job_id)
    assert first["status"] == "rendering"
    assert MusicJob.from_dict(first).status == "rendering"
    assert second["x_new"] == [1]
    assert second["status"] == "queued"


def test_faults_matched_by_path_pattern(fake_gateway: FakeGateway, api: httpx.Client) -> None:
    job_id = create(api)["id"]
    fake_gateway.inject(Fault.status(502), on="/v1/music/generations/*", times=None)
    assert api.get(f"/music/generate/{job_id}").status_code == 200
    assert api.get(f"/music/generations/{job_id}").status_code == 502
    assert api.get(f"/music/generations/{job_id}").status_code == 502
    fake_gateway.clear_faults()
    assert api.get(f"/music/generations/{job_id}").status_code == 200
    with pytest.raises(ValueError, match="on must be"):
        fake_gateway.inject(Fault.drop(), on="creates")


def test_a_bad_target_leaves_the_random_faults_as_they_were(
    fake_gateway: FakeGateway, api: httpx.Client
) -> None:
    """``fault_rate`` checks ``on`` before it changes anything: a rate already
    set stays set, and a refused one is not half applied."""
    with pytest.raises(ValueError, match="on must be"):
        fake_gateway.fault_rate(1.0, [Fault.status(500)], on="creates")
    assert api.post("/music/generate", json=JAZZ).status_code == 200  # nothing was armed
    fake_gateway.fault_rate(1.0, [Fault.status(503)])
    with pytest.raises(ValueError, match="on must be"):
        fake_gateway.fault_rate(0, on="creates")
    assert api.post("/music/generate", json=JAZZ).status_code == 503  # still on


def test_a_script_predicate_may_read_the_gateway(
    fake_gateway: FakeGateway, api: httpx.Client
) -> None:
    """A ``match`` callback runs under the gateway's lock: it may call the
    gateway's own methods (a lock that is not re-entrant would hang here)."""
    seen: list[int] = []

    def match(body: Mapping[str, Any]) -> bool:
        seen.append(len(fake_gateway.jobs))
        return body.get("duration") == 7

    fake_gateway.script(match=match, final="failed", timeline=[])
    done: list[str] = []

    def run() -> None:
        done.append(status(api, create(api, duration=7)["id"])["status"])

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the predicate deadlocked the gateway"
    assert done == ["failed"]  # the script matched
    assert seen


def test_random_faults_are_reproducible_with_a_seed() -> None:
    def run(seed: int) -> list[str | None]:
        with run_fake_gateway() as gw, new_client(gw) as api:
            gw.fault_rate(0.5, [Fault.status(500), Fault.status(503), Fault.drop()], seed=seed)
            for _ in range(30):
                with contextlib.suppress(httpx.RemoteProtocolError):
                    api.post("/music/generate", json=JAZZ)
            gw.fault_rate(0)
            assert api.post("/music/generate", json=JAZZ).status_code == 200
            return [r.fault.describe() if r.fault else None for r in gw.requests[:30]]

    first, again, other = run(1), run(1), run(2)
    assert first == again
    assert first != other
    assert 5 < sum(f is not None for f in first) < 25
    assert {"status(500)", "status(503)", "drop()"} <= set(first)


# -- the audio origin ---------------------------------------------------------------------------


@pytest.fixture
def completed(
    fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> dict[str, Any]:
    job_id = create(api)["id"]
    fake_clock.advance(DEFAULT_SCRIPT.total_seconds)
    return status(api, job_id)


def read_wav(data: bytes) -> tuple[wave._wave_params, bytes]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getparams(), w.readframes(w.getnframes())


def test_audio_is_a_valid_wav_from_a_second_origin(
    http: httpx.Client, fake_gateway: FakeGateway, completed: dict[str, Any]
) -> None:
    api_url, audio_url = httpx.URL(fake_gateway.base_url), httpx.URL(fake_gateway.audio_base_url)
    assert api_url.port != audio_url.port
    assert audio_url.host == "127.0.0.1"
    clip = completed["output"][0]
    assert clip["audio_url"].startswith(fake_gateway.audio_base_url + "/")
    r = http.get(clip["audio_url"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/wav"
    assert int(r.headers["content-length"]) == len(r.content) == 44 + 8 * 8000 * 2
    params, frames = read_wav(r.content)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    assert params.nframes == 8 * 8000
    assert len(frames) == 8 * 8000 * 2
    assert len(set(frames)) > 10  # a tone, not silence
    assert http.get(clip["audio_url"]).content == r.content  # deterministic
    other = http.get(completed["output"][1]["audio_url"]).content
    assert other != r.content
    assert len(other) == len(r.content)

    streamed = http.get(clip["stream_audio_url"])
    assert "content-length" not in streamed.headers
    assert streamed.headers["transfer-encoding"] == "chunked"
    assert streamed.content == r.content

    image = http.get(clip["image_url"])
    assert image.headers["content-type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"

    assert http.get(fake_gateway.audio_base_url + "/audio/task_999999/0.wav").status_code == 404
    assert http.get(fake_gateway.audio_base_url + "/audio/task_000001/7.wav").status_code == 404
    audio_requests = fake_gateway.requests_for(origin="audio")
    assert [r.operation for r in audio_requests] == ["audio"] * 3 + [
        "audio",
        "image",
        "audio",
        "audio",
    ]
    assert all("authorization" not in r.headers for r in audio_requests)
    assert audio_requests[0].job_id == completed["id"]


def test_large_clip_streams_without_being_held_in_memory(
    http: httpx.Client, fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    size = 64 * 2**20
    fake_gateway.script(timeline=[], clips=[Clip(audio_size=size)])
    job_id = create(api)["id"]
    clip = status(api, job_id)["output"][0]
    assert fake_gateway.job(job_id).clips[0].audio_size == size
    received = 0
    with http.stream("GET", clip["audio_url"]) as r:
        assert int(r.headers["content-length"]) == size
        head = b""
        for chunk in r.iter_raw(1 << 20):
            if len(head) < 44:
                head += chunk[:44]
            received += len(chunk)
    assert received == size
    with wave.open(io.BytesIO(head[:44]), "rb") as w:
        assert w.getnframes() == (size - 44) // 2


def read_into(response: httpx.Response, into: bytearray) -> None:
    for chunk in response.iter_raw():
        into += chunk


def test_download_faults(
    http: httpx.Client, fake_gateway: FakeGateway, completed: dict[str, Any]
) -> None:
    url = completed["output"][0]["audio_url"]
    real = http.get(url).content

    fake_gateway.inject(Fault.lying_length(+100), on="audio")
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        http.get(url)

    fake_gateway.inject(Fault.lying_length(-100), on="audio")
    short = http.get(url)  # more bytes than declared: the client reads what was declared
    assert short.status_code == 200
    assert short.content == real[:-100]

    fake_gateway.inject(Fault.drop(mid_body=1000), on="audio")
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(url)

    fake_gateway.inject(Fault.stall(mid_body=True), on="audio")
    received = bytearray()
    with http.stream("GET", url, timeout=httpx.Timeout(5, read=0.05)) as r:
        assert int(r.headers["content-length"]) == len(real)
        with pytest.raises(httpx.ReadTimeout):
            read_into(r, received)
    assert received == real[: len(real) // 2]  # half the body, then silence

    fake_gateway.inject(Fault.status(403), on="/audio/*")
    assert http.get(url).status_code == 403
    assert http.get(url).content == real


@pytest.mark.parametrize("code", [301, 302, 307])
def test_download_redirects(
    http: httpx.Client, fake_gateway: FakeGateway, completed: dict[str, Any], code: int
) -> None:
    url = completed["output"][0]["audio_url"]
    path = httpx.URL(url).path
    audio_port = httpx.URL(fake_gateway.audio_base_url).port

    fake_gateway.inject(
        Fault.redirect("ftp://files.example.invalid/clip.wav", status=code), on="audio"
    )
    r = http.get(url)
    assert r.status_code == code
    assert r.headers["location"] == "ftp://files.example.invalid/clip.wav"

    fake_gateway.inject(Fault.redirect("file:///etc/passwd", status=code), on="audio")
    with pytest.raises(httpx.UnsupportedProtocol):
        http.get(url, follow_redirects=True)

    fake_gateway.inject(Fault.redirect(host="localhost", status=code), on="audio")
    r = http.get(url)
    assert r.headers["location"] == f"http://localhost:{audio_port}{path}"
    followed = http.get(r.headers["location"])
    assert followed.status_code == 200
    assert followed.content[:4] == b"RIFF"
    assert fake_gateway.requests[-1].headers["host"] == f"localhost:{audio_port}"

    api_port = httpx.URL(fake_gateway.base_url).port
    fake_gateway.inject(Fault.redirect(port=api_port, status=code), on="audio")
    assert http.get(url).headers["location"] == f"http://127.0.0.1:{api_port}{path}"


# -- recording, threads, shutdown ----------------------------------------------------------------


def test_requests_are_recorded(
    http: httpx.Client, fake_gateway: FakeGateway, fake_clock: VirtualClock, api: httpx.Client
) -> None:
    fake_clock.advance(5)
    api.post("/music/generate?trace=1", json=JAZZ, headers={"X-Request-Id": "r1"})
    fake_clock.advance(1)
    api.get("/music/generations/task_000001")
    http.get(fake_gateway.base_url + "/music/generate/x")
    create_req, status_req, anonymous = fake_gateway.requests
    assert (create_req.origin, create_req.operation, create_req.method) == ("api", "create", "POST")
    assert (create_req.path, create_req.query, create_req.time) == (
        "/v1/music/generate",
        "trace=1",
        5,
    )
    assert create_req.headers["authorization"] == f"Bearer {DEFAULT_API_KEY}"
    assert create_req.headers["x-request-id"] == "r1"
    assert create_req.json() == JAZZ
    assert create_req.job_id is None
    assert create_req.fault is None
    assert (status_req.operation, status_req.job_id, status_req.time) == (
        "status",
        "task_000001",
        6,
    )
    assert "authorization" not in anonymous.headers
    assert [r.seq for r in fake_gateway.requests] == [0, 1, 2]
    assert fake_gateway.requests_for(operation="status", job_id="x") == (anonymous,)
    fake_gateway.clear_requests()
    assert [r.seq for r in fake_gateway.requests] == []
    assert fake_gateway.jobs_created == 1
    assert http.get(fake_gateway.base_url + "/music/generate/x").status_code == 401
    assert [r.seq for r in fake_gateway.requests] == [3]  # numbering goes on
    fake_gateway.reset()
    assert fake_gateway.requests == ()
    assert fake_gateway.jobs_created == 0
    assert create(api)["id"] == "task_000002"  # ids stay unique across resets


def test_concurrent_clients(fake_gateway: FakeGateway) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        with new_client(fake_gateway) as c:
            for _ in range(10):
                job_id = create(c)["id"]
                status(c, job_id)
                with lock:
                    ids.append(job_id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 80 == fake_gateway.jobs_created
    assert len(fake_gateway.requests) == 160


def _refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_start_and_stop_are_fast_and_clean() -> None:
    before = set(threading.enumerate())
    gw = FakeGateway()
    gw.start().stop()  # the first start of a process also builds the validator
    startups, shutdowns = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            started = time.perf_counter()
            gw.start()
            startups.append(time.perf_counter() - started)
            ports = [httpx.URL(gw.base_url).port, httpx.URL(gw.audio_base_url).port]
            with new_client(gw) as api:
                create(api)  # leaves an idle keep-alive connection to close
            was_running = gw.running
            started = time.perf_counter()
            gw.stop()
            shutdowns.append(time.perf_counter() - started)
            assert was_running
            assert all(port is not None and _refused(port) for port in ports)
        gc.collect()
    # Milliseconds each, typically; the best of three keeps a loaded machine
    # from failing the test, and stock uvicorn (which sleeps 0.1 s in its main
    # loop and in its shutdown) from passing it.
    assert min(startups) < 0.05, startups
    assert min(shutdowns) < 0.05, shutdowns
    assert not gw.running
    assert set(threading.enumerate()) == before
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    with pytest.raises(RuntimeError, match="not serving"):
        _ = gw.base_url
    gw.stop()  # idempotent
    with gw.serve(), new_client() as http:  # and it can serve again
        assert http.get(gw.base_url + "/music/generate/x").status_code == 401


def test_stop_ends_stalled_requests_at_once() -> None:
    gw = FakeGateway().start()
    gw.inject(Fault.stall(), on="*", times=None)
    errors: list[BaseException] = []

    def stalled() -> None:
        try:
            with new_client() as http:
                http.get(gw.audio_base_url + "/audio/x/0.wav", timeout=10)
        except httpx.HTTPError as exc:
            errors.append(exc)

    waiter = threading.Thread(target=stalled)
    waiter.start()
    deadline = time.monotonic() + 2
    while not gw.requests and time.monotonic() < deadline:
        time.sleep(0.001)
    started = time.perf_counter()
    gw.stop()
    waiter.join(2)
    assert time.perf_counter() - started < 0.5
    assert len(errors) == 1
    assert isinstance(errors[0], httpx.RemoteProtocolError)


async def test_in_process_asgi_app() -> None:
    gw = FakeGateway(clock=VirtualClock())
    transport = httpx.ASGITransport(app=gw.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://fake/v1", headers=gw.auth_headers
    ) as api:
        created = (await api.post("/music/generate", json=JAZZ)).json()
        assert set(created) == CREATE_KEYS
        assert (await api.get(f"/music/generations/{created['id']}")).json()["status"] == "queued"
        assert (await api.post("/music/generate", json={})).status_code == 400
        gw.inject(Fault.status(429, retry_after=1))
        assert (await api.get(f"/music/generate/{created['id']}")).status_code == 429


def test_plugin_gateway_runs_on_real_time_without_fake_clock(fake_gateway: FakeGateway) -> None:
    assert fake_gateway.clock is time.monotonic
    assert fake_gateway.running
    assert fake_gateway.api_key == DEFAULT_API_KEY


def test_plugin_gateway_runs_on_fake_clock_when_asked(
    fake_gateway: FakeGateway, fake_clock: VirtualClock
) -> None:
    assert fake_gateway.clock is fake_clock


# -- today's gateway (shared/upstream/README.md) ---------------------------------------------


@pytest.fixture
def today() -> Iterator[FakeGateway]:
    """The gateway as it is now, whatever the suite's 2025 defaults (see conftest.py)."""
    with FakeGateway(queued=(), job_ids="request").serve() as gw:
        yield gw


@pytest.fixture
def tapi(today: FakeGateway) -> Iterator[httpx.Client]:
    with new_client(today) as c:
        yield c


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_the_plugin_default_is_todays_gateway() -> None:
    defaults = inspect.signature(FakeGateway).parameters
    assert defaults["queued"].default is None  # falls back on the class defaults below
    source = inspect.getsource(importlib.import_module("ai_stats_music.testing._gateway"))
    assert "default_queued: ClassVar[tuple[str, ...]] = ()" in source
    assert 'default_job_ids: ClassVar[JobIds] = "request"' in source


@pytest.mark.parametrize(
    ("model", "fmt", "magic", "provider"),
    [
        (ELEVEN, None, b"ID3", "elevenlabs"),
        (ELEVEN, "mp3", b"ID3", "elevenlabs"),
        (ELEVEN, "wav", b"RIFF", "elevenlabs"),
        (ELEVEN, "ogg", b"OggS", "elevenlabs"),
        ("google/lyria-3-clip-preview", None, b"RIFF", "google"),
        ("google/lyria-3-pro-preview", "mp3", b"RIFF", "google"),  # Lyria answers WAV
    ],
)
def test_inline_providers_create_completed_with_base64_audio_then_serve_the_stored_copy(
    today: FakeGateway,
    tapi: httpx.Client,
    model: str,
    fmt: str | None,
    magic: bytes,
    provider: str,
) -> None:
    body: dict[str, Any] = {"model": model, "prompt": "strings", "duration": 12}
    if fmt is not None:
        body["format"] = fmt
    r = tapi.post("/music/generate", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert_conforms(answer)
    assert answer["status"] == "completed"
    assert answer["provider"] == provider
    assert answer["model"] == model
    assert "audio_url" not in answer
    assert "output" not in answer
    audio = base64.b64decode(answer["audio_base64"], validate=True)
    assert audio.startswith(magic)
    if magic == b"RIFF":
        assert audio[8:12] == b"WAVE"
        read_wav(audio)  # a real WAV, not only its first bytes
    if magic == b"ID3":
        assert audio[10:12] == b"\xff\xfb"  # an MPEG frame follows the tag
    assert answer["id"].startswith("G-")
    assert len(answer["id"]) == 28
    assert r.headers["x-request-id"] == answer["id"]
    if provider == "google":
        parts = answer["result"]["candidates"][0]["content"]["parts"]
        assert parts[0]["inlineData"]["mimeType"] == "audio/wav"
        assert set(answer["usage"]) == {"input_tokens", "output_tokens", "total_tokens"}
    else:
        assert answer["usage"] == {"requests": 1, "output_audio_seconds": 12}
        assert answer["nativeResponseId"].startswith("song_")

    stored = status(tapi, answer["id"])
    assert_conforms(stored)
    shape = example("status-elevenlabs-stored.json")
    assert set(shape) <= set(stored)  # the literal example is a partial object
    assert stored["audio_base64"] == stored["output"][0]["audio_base64"] == answer["audio_base64"]
    assert stored["usage"] == {"output_audio_count": 1, "output_audio_seconds": 12}
    job = MusicJob.from_dict(stored)
    assert job.is_completed
    assert job.to_dict() == stored


def test_minimax_creates_completed_with_an_audio_url_on_the_audio_origin(
    today: FakeGateway, tapi: httpx.Client, http: httpx.Client
) -> None:
    answer = create(tapi, {"model": "minimax/music-2.6", "prompt": "synthwave", "format": "wav"})
    assert_conforms(answer)
    shape = example("create-minimax-gmicloud.json")
    assert set(shape) <= set(answer) | {"usage"}
    assert answer["status"] == "completed"
    assert "audio_base64" not in answer
    assert answer["audio_url"].startswith(today.audio_base_url + "/")
    assert answer["result"]["trace_id"] == answer["nativeResponseId"]
    assert answer["result"]["data"]["audio"] == answer["audio_url"]
    str(uuid.UUID(answer["nativeResponseId"]))  # a trace id
    audio = http.get(answer["audio_url"])
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    assert audio.content.startswith(b"RIFF")
    assert audio.content[8:12] == b"WAVE"
    assert "authorization" not in today.requests_for(origin="audio")[0].headers
    mp3 = create(tapi, {"model": "minimax/music-3.0", "prompt": "x"})  # mp3 by default
    got = http.get(mp3["audio_url"])
    assert got.headers["content-type"] == "audio/mpeg"
    assert got.content.startswith(b"ID3")
    stored = status(tapi, answer["id"])
    assert_conforms(stored)
    assert stored["audio_url"] == stored["output"][0]["audio_url"] == answer["audio_url"]
    assert stored["usage"] == {"output_audio_count": 1, "output_audio_seconds": 8}


def test_the_inline_audio_size_is_configurable_per_gateway_and_per_job() -> None:
    with FakeGateway(queued=(), inline_audio_size=1000).serve() as gw, new_client(gw) as c:
        small = create(c, {"model": ELEVEN, "prompt": "a", "format": "wav"})
        assert len(base64.b64decode(small["audio_base64"])) == 1000
        gw.script(clips=[Clip(audio_size=5 * 2**20)])
        big = create(c, {"model": ELEVEN, "prompt": "b", "format": "mp3"})
        audio = base64.b64decode(big["audio_base64"])
        assert len(audio) == 5 * 2**20
        assert audio.startswith(b"ID3")


def test_a_failed_synchronous_job_is_failed_at_create_with_the_payload_in_result(
    today: FakeGateway, tapi: httpx.Client
) -> None:
    today.script(final="failed", error={"status": "moderation_blocked"})
    answer = create(tapi, {"model": ELEVEN, "prompt": "x"})
    assert_conforms(answer)
    assert answer["status"] == "failed"
    assert "error" not in answer
    assert "audio_base64" not in answer
    assert answer["result"]["detail"] == {"status": "moderation_blocked"}
    assert status(tapi, answer["id"])["status"] == "failed"


def test_suno_is_not_routable_today_but_queued_on_request(tapi: httpx.Client) -> None:
    r = tapi.post("/music/generate", json=JAZZ)
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "not_supported"
    assert body["reason"] == "model_not_available"
    assert body["request_id"] == r.headers["x-request-id"]
    assert body["status_code"] == 400
    assert body["retryable"] is False
    assert SUNO in body["message"]
    gateway = FakeGateway(queued=["suno/"], job_ids="request", clock=VirtualClock())
    with gateway.serve() as gw, new_client(gw) as c:
        gw.script(timeline=[("queued", 1), ("in_progress", 5)], clips=1)
        job = create(c, JAZZ)
        assert_conforms(job)
        assert job["status"] == "queued"
        assert job["id"].startswith("G-")
        assert job["nativeResponseId"].startswith("task_")
        clock = gw.clock
        assert isinstance(clock, VirtualClock)
        clock.advance(6)
        done = status(c, job["id"])
        assert_conforms(done)
        assert done["status"] == "completed"
        assert set(example("status-queued-provider.json")["output"][0]) <= set(done["output"][0])


def test_queued_can_be_changed_on_a_running_gateway_and_star_queues_everything(
    today: FakeGateway, tapi: httpx.Client
) -> None:
    today.queued = ["*"]
    assert create(tapi, {"model": ELEVEN, "prompt": "x"})["status"] == "queued"
    today.queued = []
    assert tapi.post("/music/generate", json=JAZZ).status_code == 400
    with pytest.raises(TypeError):
        today.queued = "suno/"  # a str is an Iterable[str]: refused at run time


@pytest.mark.parametrize(
    ("model", "fmt"),
    [(ELEVEN, "aac"), ("minimax/music-2.6", "ogg"), ("minimax/music-3.0", "aac")],
)
def test_a_format_the_provider_refuses_is_the_executors_nested_error(
    today: FakeGateway, tapi: httpx.Client, model: str, fmt: str
) -> None:
    r = tapi.post("/music/generate", json={"model": model, "prompt": "x", "format": fmt})
    assert r.status_code == 400
    body = r.json()
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["param"] == "format"
    assert fmt in body["error"]["message"]
    assert body["request_id"] == r.headers["x-request-id"]
    assert today.jobs_created == 0


def test_the_create_is_held_open_for_the_generation_time(today: FakeGateway) -> None:
    """The hold is asserted through the gateway's own count of creates held at once,
    never through a duration."""
    today.script(generation_seconds=30)  # held until the client hangs up (then it completes)
    with new_client(today) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.post("/music/generate", json={"model": ELEVEN}, timeout=0.3)
        job = today.jobs[0]
        assert today.creates_in_flight == 1
        assert status(c, job.id)["status"] == "in_progress"  # generating: no audio yet
        assert today.status_of(job.id) == "in_progress"


async def test_hundreds_of_creates_held_open_at_once_are_all_served() -> None:
    with FakeGateway(queued=(), generation_seconds=2.0).serve() as gw:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(
            base_url=gw.base_url, headers=gw.auth_headers, limits=limits, timeout=60, verify=TLS
        ) as c:
            body = {"model": "minimax/music-2.6", "prompt": "many"}
            answers = await asyncio.gather(
                *(c.post("/music/generate", json=body) for _ in range(300))
            )
    assert [a.status_code for a in answers] == [200] * 300
    assert len({a.json()["id"] for a in answers}) == 300
    assert gw.peak_creates_in_flight >= 200  # held open together, not one after another
    assert len({r.peer for r in gw.requests_for(operation="create")}) == 300


def test_the_501_switch_answers_every_music_operation_with_the_disabled_body(
    today: FakeGateway, tapi: httpx.Client
) -> None:
    job = create(tapi, {"model": ELEVEN})
    today.music_disabled = True
    for r in (
        tapi.post("/music/generate", json={"model": ELEVEN}),
        tapi.post("/music/generations", json=JAZZ),
        tapi.get(f"/music/generate/{job['id']}"),
        tapi.get("/music/generations/nope"),
    ):
        assert r.status_code == 501
        assert r.json() == example("error-feature-disabled-501.json")
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-request-id"].startswith("G-")
    assert today.jobs_created == 1
    today.music_disabled = False
    assert status(tapi, job["id"])["status"] == "completed"
    with FakeGateway(music_disabled=True).serve() as off, new_client(off) as c:
        assert c.post("/music/generate", json={"model": ELEVEN}).status_code == 501


def test_errors_are_the_normalised_envelope_with_a_request_id(
    today: FakeGateway, tapi: httpx.Client, http: httpx.Client
) -> None:
    shape = set(example("error-normalized.json")) - {"generation_id", "category", "details"}
    not_found = tapi.get("/music/generate/G-NOPE")
    bad = tapi.post("/music/generate", json={"prompt": "no model"})
    unauthorised = http.post(today.base_url + "/music/generate", json={"model": "x/y"})
    for r, code in ((not_found, 404), (bad, 400), (unauthorised, 401)):
        body = r.json()
        assert r.status_code == code == body["status_code"]
        assert shape <= set(body), body
        assert body["request_id"] == r.headers["x-request-id"]
        assert r.headers["x-gateway-error-origin"] == body["error_origin"]
    assert not_found.json()["reason"] == "music_not_found_or_not_owned"
    assert bad.json()["error"] == "validation_error"
    assert unauthorised.json()["error"] == "unauthorised"
    ids = [r.request_id for r in today.requests]
    assert len(set(ids)) == len(ids)
    assert all(i and i.startswith("G-") for i in ids)


def test_x_request_id_on_success_is_a_switch(tapi: httpx.Client) -> None:
    answer = tapi.post("/music/generate", json={"model": ELEVEN})
    assert answer.headers["x-request-id"] == answer.json()["id"]
    with FakeGateway(queued=(), request_id_header=False).serve() as gw, new_client(gw) as c:
        ok = c.post("/music/generate", json={"model": ELEVEN})
        assert ok.status_code == 200
        assert "x-request-id" not in ok.headers
        missing = c.get("/music/generate/none")
        assert missing.headers["x-request-id"] == missing.json()["request_id"]  # errors: always


def test_scripted_402_504_and_executor_errors(today: FakeGateway, tapi: httpx.Client) -> None:
    body = {"model": "minimax/music-2.6", "prompt": "x"}
    today.inject(Fault.insufficient_funds(min_usd=1.25), on="create")
    funds = tapi.post("/music/generate", json=body)
    assert funds.status_code == 402
    assert funds.json()["error"] == "insufficient_funds"
    assert funds.json()["min_usd"] == 1.25
    assert funds.json()["reason"]
    assert funds.json()["request_id"] == funds.headers["x-request-id"]
    assert today.jobs_created == 0  # refused before any job

    today.inject(Fault.queue_timeout(), on="create")
    timeout = tapi.post("/music/generate", json=body)
    assert timeout.status_code == 504
    payload = timeout.json()
    assert payload["error"] == "gmicloud_request_queue_timeout"
    assert "status" in payload
    assert today.jobs_created == 1  # the job exists, under the id the body gives
    later = status(tapi, payload["request_id"])
    assert later["id"] == payload["request_id"]
    assert later["status"] == "completed"

    today.inject(Fault.executor_error(message="bad format", param="format"), on="create")
    nested = tapi.post("/music/generate", json=body)
    assert nested.status_code == 400
    assert nested.json()["error"] == {
        "type": "invalid_request_error",
        "message": "bad format",
        "param": "format",
    }
    today.inject(Fault.gateway_error(429, "key_limit_exceeded", retry_after=3), on="status")
    limited = tapi.get(f"/music/generate/{later['id']}")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    assert limited.json()["retryable"] is True
    assert limited.json()["request_id"] == limited.headers["x-request-id"]


def test_default_status_faults_use_the_envelope_too(today: FakeGateway, tapi: httpx.Client) -> None:
    today.inject(Fault.status(502), on="create")
    r = tapi.post("/music/generate", json={"model": ELEVEN})
    assert r.status_code == 502
    body = r.json()
    assert body["request_id"] == r.headers["x-request-id"]
    assert (body["status_code"], body["error_type"], body["retryable"]) == (502, "system", True)
