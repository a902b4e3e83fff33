"""Contract: the fake gateway answers as ``openapi.yaml`` says, for every operation.

Schemathesis reads the spec the client is generated from and writes requests
for all four operations (``generateMusic``, ``generateMusicAlias``,
``getMusicGeneration``, ``getMusicGenerationAlias``), schema-valid and
schema-invalid; the fake gateway answers them over loopback, with the bearer
key, and the answers are checked against the spec.

How the checks are chosen, honestly:

* Upstream documents only the ``200`` answer of each operation. The gateway's
  ``400`` (validation), ``401`` (no or wrong key) and ``404`` (no such job)
  are its real behaviour (see shared/upstream/README.md) but are not in the
  spec, so ``status_code_conformance`` is applied to what the spec can judge:
  every ``200``. Every other answer is checked against the gateway's own
  contract instead: the status the situation calls for, and its error body
  ``{"error": <code>, "reason": <text>}``.
* Every ``200`` answer is checked against the response schema: the spec's
  (``openapi.yaml``, through schemathesis) and, directly, the typed
  ``MusicGenerateResponse`` of the newest published spec, pinned in
  ``tests/data/examples/music-2026-08-latest.yaml`` (required ``id``,
  ``object``, ``status``, ``model``, ``provider``; ``audio_url`` a URI...), so
  the check has teeth even while ``openapi.yaml`` is older.
* A schema-valid create is accepted (``200``, conforming to the schema;
  ``completed`` at once for the synchronous providers, ``queued`` or
  ``in_progress`` for Suno, which this gateway is told to queue), unless it
  breaks a rule the gateway enforces beyond the schema, computed here
  independently of the fake from shared/upstream/README.md: Suno's
  prompt/style/title rules and a model named ``<provider>/<model>`` (``400
  validation_error``), a model no active provider serves (``400
  not_supported``), a format the provider refuses (``400`` with the
  executor's error object, ``param: "format"``).
* A schema-invalid create is refused with ``400`` (``negative_data_rejection``).
* Nothing is ever a ``5xx`` (``not_a_server_error``), and every operation
  refuses a request without the key, or with another one (``401``).

The fake is never loosened to pass: a disagreement is a bug in the fake (or
in the spec), to be fixed there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import pytest
import requests
import schemathesis
import yaml
from _support import ELEVEN, EXAMPLES, ROOT, SUNO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from ai_stats_music import MusicJob
from ai_stats_music.testing import FakeGateway, JobScript, VirtualClock

SPEC: Final = ROOT / "openapi.yaml"
TARGET_SPEC: Final = EXAMPLES / "music-2026-08-latest.yaml"
SCHEMA: Final = schemathesis.openapi.from_path(SPEC)
CREATE: Final = ["/music/generate", "/music/generations"]
STATUS: Final = ["/music/generate/{music_id}", "/music/generations/{music_id}"]
CASES: Final = 60  # hypothesis examples per test
#: What the spec can judge of a 200 answer: all of it.
OK_CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Models from the gateway's catalogue (None: the one schemathesis wrote).
MODELS: Final = [
    None,
    SUNO,
    ELEVEN,
    "google/lyria-3-clip-preview",
    "minimax/music-2.6",
    "minimax/music-3.0",
]
#: shared/upstream/README.md: the active providers, and the formats they take (None: any).
SYNC_FORMATS: Final[dict[str, frozenset[str] | None]] = {
    "eleven-labs/": frozenset({"mp3", "wav", "ogg"}),
    "google/lyria": None,
    "minimax/": frozenset({"mp3", "wav"}),
}


def _response_validators() -> list[Any]:
    validators = []
    for path in (SPEC, TARGET_SPEC):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        components = spec["components"]
        root = {"$ref": "#/components/schemas/MusicGenerateResponse", "components": components}
        validators.append(OAS30Validator(root))
    return validators


RESPONSE_VALIDATORS: Final = _response_validators()


def assert_conforms(answer: Any) -> None:
    """``answer`` is a ``MusicGenerateResponse`` of the spec and of the newest published one."""
    for validator in RESPONSE_VALIDATORS:
        errors = [e.message for e in validator.iter_errors(answer)]
        assert not errors, (errors, answer)
    url = answer.get("audio_url")  # format: uri (the validator does not check formats)
    if url is not None:
        assert url.partition(":")[0] in ("http", "https", "data"), url


def _settings(examples: int = CASES) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module")
def gw() -> Iterator[FakeGateway]:
    """One served gateway for the module, on a clock that never moves: job states stay put.

    Today's gateway, with Suno queued as in 2025 so that both flows are held to the spec.
    """
    gateway = FakeGateway(
        clock=VirtualClock(), queued=("suno/",), job_ids="request", generation_seconds=0
    )
    with gateway.serve():
        yield gateway


@pytest.fixture(scope="module")
def known_jobs(gw: FakeGateway) -> list[str]:
    """A job in each state the status operation reports, from each kind of provider.

    (A timeline phase the spec does not list, such as ``"rendering"``, is a
    deliberate deviation for client tests, like a fault: the real gateway maps
    provider statuses to the four of the spec.)
    """
    scripts = [
        (SUNO, JobScript(timeline=[("queued", 1e9)])),
        (SUNO, JobScript(timeline=[("in_progress", 1e9)])),
        (SUNO, JobScript(timeline=[], clips=2)),
        (SUNO, JobScript(timeline=[], final="failed")),
        (ELEVEN, JobScript()),
        ("google/lyria-3-pro-preview", JobScript()),
        ("minimax/music-2.6", JobScript()),
        ("minimax/music-3.0", JobScript(final="failed")),
    ]
    ids = []
    for model, script in scripts:
        gw.script(script)
        answer = requests.post(
            f"{gw.base_url}/music/generate",
            json={"model": model, "prompt": "contract"},
            headers=gw.auth_headers,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        assert_conforms(answer.json())
        ids.append(answer.json()["id"])
    return ids


def _call(case: Case[Any], gw: FakeGateway) -> Response:
    return case.call(base_url=gw.base_url, headers=gw.auth_headers)


def _header(response: Response | requests.Response, name: str) -> str:
    if isinstance(response, requests.Response):
        return response.headers.get(name, "")
    values = {k.lower(): v for k, v in response.headers.items()}.get(name, [""])
    return values[0]


def _error_body(response: Response | requests.Response, code: str) -> str:
    """The gateway's normalised error envelope, with ``error: code``; its reason.

    ``request_id`` in the body and the ``X-Request-Id`` header name the same request.
    """
    assert _header(response, "content-type").startswith("application/json")
    body = response.json()
    assert body["error"] == code, body
    assert body["status_code"] == response.status_code
    assert body["request_id"] == _header(response, "x-request-id") != ""
    assert body["error_type"] in ("user", "system")
    assert body["error_origin"] in ("user", "gateway", "upstream")
    assert isinstance(body["retryable"], bool)
    reason = body["reason"]
    assert isinstance(reason, str)
    assert reason
    assert isinstance(body["message"], str)
    return reason


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _gateway_rule_broken(body: dict[str, Any]) -> str | None:
    """Which of the gateway's rules beyond the schema ``body`` breaks, if any.

    Written from shared/upstream/README.md, not from the fake's code.
    """
    model = body["model"]
    provider, slash, name = model.partition("/")
    if not (slash and provider.strip() and name.strip()):
        return "model"
    if provider != "suno":
        for prefix, formats in SYNC_FORMATS.items():
            if model.startswith(prefix):
                fmt = body.get("format")
                return "format" if formats is not None and fmt not in (None, *formats) else None
        return "not routable"
    suno = body.get("suno") if isinstance(body.get("suno"), dict) else {}
    assert isinstance(suno, dict)
    has_prompt = _present(suno.get("prompt")) or _present(body.get("prompt"))
    if not suno.get("customMode", False):
        return None if has_prompt else "prompt"
    if not (_present(suno.get("style")) and _present(suno.get("title"))):
        return "style/title"
    if not suno.get("instrumental", False) and not has_prompt:
        return "prompt"
    return None


@pytest.mark.parametrize("path", CREATE)
def test_a_schema_valid_create_is_accepted_unless_a_gateway_rule_refuses_it(
    gw: FakeGateway, path: str
) -> None:
    operation = SCHEMA[path]["POST"]
    seen = {"accepted": 0, "refused": 0}

    @_settings()
    @given(case=operation.as_strategy(GenerationMode.POSITIVE), model=st.sampled_from(MODELS))
    def run(case: Case[Any], model: str | None) -> None:
        assert isinstance(case.body, dict)
        if model is not None:  # a catalogue model now and then: more cases get past it
            case.body["model"] = model
        response = _call(case, gw)
        not_a_server_error_only(case, response)
        broken = _gateway_rule_broken(case.body)
        if broken is None:
            assert response.status_code == 200, (response.status_code, response.text)
            case.validate_response(
                response,
                checks=OK_CHECKS,
            )
            assert_conforms(response.json())
            job = MusicJob.from_dict(response.json())  # and the client reads it
            queued = str(case.body["model"]).startswith("suno/")
            assert job.status in (("queued", "in_progress") if queued else ("completed",))
            seen["accepted"] += 1
        elif broken == "format":
            assert response.status_code == 400, (broken, response.text)
            error = response.json()["error"]
            assert (error["type"], error["param"]) == ("invalid_request_error", "format")
            assert response.json()["request_id"] == _header(response, "x-request-id")
            seen["refused"] += 1
        else:
            assert response.status_code == 400, (broken, response.text)
            code = "not_supported" if broken == "not routable" else "validation_error"
            _error_body(response, code)
            seen["refused"] += 1

    run()
    # Schemathesis learns from the answers, so the split varies a little between runs.
    assert seen["accepted"] >= 5
    assert seen["refused"] >= 1  # the rules beyond the schema were met, and held


@pytest.mark.parametrize("path", CREATE)
def test_a_schema_invalid_create_is_refused_with_400(gw: FakeGateway, path: str) -> None:
    operation = SCHEMA[path]["POST"]
    created = gw.jobs_created
    seen = 0
    refused_bodies = 0
    accepted = 0

    @_settings()
    @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    def run(case: Case[Any]) -> None:
        nonlocal seen, refused_bodies, accepted
        seen += 1
        response = _call(case, gw)
        case.validate_response(response, checks=[not_a_server_error, negative_data_rejection])
        if response.request.headers.get("Authorization") != gw.auth_headers["Authorization"]:
            # Negative cases may break the security scheme too: no key, no entry.
            assert response.status_code == 401, response.text
            return
        # negative_data_rejection is the verdict: it knows which mutations a
        # server may ignore (an unknown query parameter, say).
        if response.status_code == 400:
            body = response.json()
            assert body["request_id"] == _header(response, "x-request-id")
            if body["error"] == "validation_error":
                _error_body(response, "validation_error")
            refused_bodies += 1
        else:
            assert response.status_code in (200, 413), (case.body, response.text)
            accepted += response.status_code == 200
            if response.status_code == 200:
                assert_conforms(response.json())

    run()
    assert seen >= 10
    assert refused_bodies >= 5  # cases reached the body's validation, not only the auth
    assert gw.jobs_created - created == accepted  # no refused request made a job


@pytest.mark.parametrize("path", STATUS)
def test_the_status_of_a_job_conforms_to_the_spec(
    gw: FakeGateway, known_jobs: list[str], path: str
) -> None:
    operation = SCHEMA[path]["GET"]
    statuses: set[str] = set()

    @_settings(examples=20)
    @given(
        case=st.sampled_from(known_jobs).flatmap(
            lambda job_id: operation.as_strategy(path_parameters={"music_id": job_id})
        )
    )
    def run(case: Case[Any]) -> None:
        response = _call(case, gw)
        assert response.status_code == 200, response.text
        case.validate_response(
            response,
            checks=OK_CHECKS,
        )
        assert_conforms(response.json())
        job = MusicJob.from_dict(response.json())
        assert job.id == case.path_parameters["music_id"]
        statuses.add(f"{job.provider}:{job.status}")

    run()
    assert statuses >= {
        "suno:queued",
        "suno:in_progress",
        "suno:completed",
        "suno:failed",
        "elevenlabs:completed",
        "google:completed",
        "minimax:completed",
        "minimax:failed",
    }


@pytest.mark.parametrize("path", STATUS)
def test_the_status_of_any_id_is_the_job_or_not_found(gw: FakeGateway, path: str) -> None:
    operation = SCHEMA[path]["GET"]
    codes: set[int] = set()

    @_settings()
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def run(case: Case[Any]) -> None:
        response = _call(case, gw)
        case.validate_response(response, checks=[not_a_server_error])
        codes.add(response.status_code)
        if response.status_code == 200:
            case.validate_response(
                response, checks=[status_code_conformance, response_schema_conformance]
            )
            assert_conforms(response.json())
        elif response.status_code == 404:
            _error_body(response, "not_found")
        else:
            # An id that a URL resolves away (".", "..") or that decodes to a
            # slash names another path: the router's answer for it, never a job.
            music_id = str(case.path_parameters["music_id"])
            assert response.status_code in (307, 405), (music_id, response.status_code)
            assert music_id in (".", "..") or "/" in music_id or "%2F" in music_id.upper()

    run()
    assert 404 in codes


@pytest.mark.parametrize(
    ("path", "method"), [(p, "POST") for p in CREATE] + [(p, "GET") for p in STATUS]
)
@pytest.mark.parametrize("auth", [None, "Bearer sk-not-the-key", "Basic c2s6eA==", "Bearer"])
def test_every_operation_refuses_a_request_without_the_key(
    gw: FakeGateway, known_jobs: list[str], path: str, method: str, auth: str | None
) -> None:
    operation = SCHEMA[path][method]
    if method == "GET":
        case = operation.Case(path_parameters={"music_id": known_jobs[0]})
    else:
        case = operation.Case(body={"model": SUNO, "prompt": "x"})
    headers = {} if auth is None else {"Authorization": auth}
    created = gw.jobs_created
    response = case.call(base_url=gw.base_url, headers=headers)
    assert response.status_code == 401
    assert _header(response, "www-authenticate").lower().startswith("bearer")
    _error_body(response, "unauthorised")
    assert gw.jobs_created == created


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"model": "suno/v4.5plus", "prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"model": "suno/v4.5plus", "prompt": "x", "provider": ' + b'{"a":' * 50_000 + b"}",
        b"\xff\xfe not utf-8",
        b'{"model": "suno/v4.5plus", "prompt": NaN}',
        b"",
    ],
    ids=["deep-array", "deep-prompt", "deep-provider", "not-utf8", "nan", "empty"],
)
def test_a_body_the_schema_cannot_even_read_is_a_400_not_a_500(
    gw: FakeGateway, body: bytes
) -> None:
    response = requests.post(
        f"{gw.base_url}/music/generate",
        data=body,
        headers={**gw.auth_headers, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text[:200]
    _error_body(response, "validation_error")


def not_a_server_error_only(case: Case[Any], response: Response) -> None:
    """The one check every answer must pass, before the status is even looked at."""
    case.validate_response(response, checks=[not_a_server_error])
