"""Bad answers from the gateway: parsed, or refused with the documented error, never a crash.

Hypothesis writes the answers -- wrong types, missing fields, nulls, huge
strings, deep nesting, invalid UTF-8, JSON that is not an object, bytes that
are not JSON -- and each goes through the path a real answer takes:
``_answers.parse_job`` and ``_failures.status_error`` on an ``httpx.Response``, and
for a share of them the whole client (``get``, ``create``, ``wait``, sync and
async) over an ``httpx.MockTransport``. The documented outcomes:

* a success answer is a :class:`MusicJob`, or :class:`MalformedResponseError`
  (with the response, and the job id when one was asked for);
* an error status is the :class:`APIStatusError` subclass of its code;
* a body that cannot even be decoded (a lying ``Content-Encoding``) is an
  :class:`APIConnectionError`;
* and through ``wait``, the outcome of the wait: the job, or an error
  carrying the job id.

Anything else -- ``RecursionError``, ``TypeError``, ``KeyError`` -- fails.
Every test counts its cases and checks the count, so the total stated in
docs/guide/reliability.md is what CI runs. Generation is derandomized and uses no
example database: CI runs the same cases every time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from collections.abc import Callable
from typing import Any, Final, TypeVar

import httpx
import pytest
from _support import SUNO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_stats_music import (
    AIStatsError,
    APIConnectionError,
    APIStatusError,
    AsyncMusicClient,
    AuthenticationError,
    BadRequestError,
    FeatureDisabledError,
    InsufficientFundsError,
    MalformedResponseError,
    MusicClient,
    MusicJob,
    MusicJobTimeout,
    NotFoundError,
    PermissionDeniedError,
    PollPolicy,
    RateLimitError,
    ServerError,
)
from ai_stats_music._answers import parse_job, poll_hint
from ai_stats_music._envelope import parse_retry_after
from ai_stats_music._failures import status_error
from ai_stats_music.testing import VirtualClock

BASE: Final = "http://127.0.0.1:9/v1"  # never reached: every request goes to a MockTransport
JOB_ID: Final = "task_000042"
STATUS_URL: Final = f"{BASE}/music/generate/{JOB_ID}"

#: Cases per test; the README's "bad inputs tried" is their sum (checked below).
CASES: Final = {
    "status_bytes": 2600,
    "job_shapes": 2200,
    "error_answers": 2000,
    "retry_after": 1700,
    "client_get": 700,
    "client_create": 400,
    "client_wait": 200,
    "async_get": 300,
}
TOTAL_CASES: Final = sum(CASES.values())

T = TypeVar("T")


def _settings(name: str) -> settings:
    return settings(
        max_examples=CASES[name],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


# -- strategies -------------------------------------------------------------------------

_HUGE: Final = st.sampled_from([5_000, 100_000, 1_000_000]).map(lambda n: "\u00e9" * n)
_TEXT: Final = st.text(max_size=40) | st.text(st.characters(codec="utf-8"), max_size=10)
# Lone surrogates: what "\ud800" in a JSON string decodes to.
_SURROGATE_TEXT: Final = st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3
)

SCALARS: Final = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**300), max_value=10**300)
    | st.floats()  # NaN and +-Infinity included: Python's json writes and reads them
    | _TEXT
    | _SURROGATE_TEXT
)
JSON_VALUES: Final = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)


def _either(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: often a plausible one, else anything at all (null included)."""
    return good | good | JSON_VALUES


# Inline audio of any quality: base64 (valid or not), data: URIs (true or lying), or anything.
_AUDIO_TEXT: Final = (
    st.binary(max_size=24).map(lambda b: base64.b64encode(b).decode())
    | st.sampled_from(["", "AQIDBA==", "not base64", "data:audio/wav;base64,UklGRg==", "data:,x"])
    | st.builds(lambda t, b: f"data:{t};base64,{b}", _TEXT, st.text("AQIDBA=", max_size=12))
    | _TEXT
)
_COST: Final = {
    "cost_nanos": _either(st.integers(0, 10**12)),
    "cost_cents": _either(st.floats(0, 10**6) | st.integers(0, 10**6)),
    "currency": _either(st.just("USD")),
    "pricing_lines": _either(st.lists(JSON_VALUES, max_size=3)),
}
_STATUS: Final = st.sampled_from(["queued", "in_progress", "completed", "failed", "rendering", ""])
CLIPS: Final = st.fixed_dictionaries(
    {},
    optional={
        "index": _either(st.integers(0, 9)),
        "id": _either(st.text(max_size=12)),
        "audio_url": _either(st.just("https://cdn.example/a.mp3") | _AUDIO_TEXT),
        "audio_base64": _either(_AUDIO_TEXT),
        "stream_audio_url": _either(st.just("https://cdn.example/s.mp3")),
        "image_url": _either(st.just("https://cdn.example/i.png")),
        "title": _either(_TEXT | _HUGE),
        "tags": _either(st.text(max_size=20)),
        "duration": _either(st.floats(0, 600) | st.integers(0, 600)),
        "x_provider_field": JSON_VALUES,
    },
)
USAGE: Final = st.fixed_dictionaries(
    {},
    optional={
        "requests": _either(st.integers(0, 5)),
        "output_audio_count": _either(st.integers(0, 5)),
        "output_audio_seconds": _either(st.floats(0, 600)),
        "input_tokens": _either(st.integers(0, 10**6)),
        "output_tokens": _either(st.integers(0, 10**6)),
        "total_tokens": _either(st.integers(0, 10**6)),
        **_COST,
        "cost": JSON_VALUES,
    },
)
_JOB_FIELDS: Final = st.fixed_dictionaries(
    {},
    optional={
        "id": _either(st.just(JOB_ID) | st.text(max_size=20) | _HUGE),
        "status": _either(_STATUS),
        "object": _either(st.just("music")),
        "provider": _either(st.sampled_from(["suno", "elevenlabs", "minimax"])),
        "model": _either(st.just("V4_5PLUS")),
        "nativeResponseId": _either(st.just(JOB_ID)),
        "audio_url": _either(st.just("https://cdn.example/top.mp3") | _AUDIO_TEXT),
        "audio_base64": _either(_AUDIO_TEXT),
        "result": JSON_VALUES,
        **_COST,
        "output": _either(st.lists(CLIPS | JSON_VALUES, max_size=3)),
        "usage": _either(USAGE),
        "error": _either(
            st.text(max_size=20) | st.fixed_dictionaries({"code": _TEXT, "message": _TEXT | _HUGE})
        ),
    },
)
# Fields the client does not name, around the job's own (which win on a clash).
JOBS: Final = st.builds(
    lambda extra, job: {**extra, **job},
    st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=2),
    _JOB_FIELDS,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _deep(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth


@st.composite
def _spliced(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """A body with a piece replaced: invalid UTF-8, a NUL, a cut, a deep nest."""
    body = draw(base)
    at = draw(st.integers(0, len(body)))
    piece = draw(
        st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"", b'"', b"}", b"\\"])
        | st.integers(900, 5000).map(_deep)
    )
    cut = draw(st.booleans())
    return body[:at] + piece + (b"" if cut else body[at:])


_ENCODINGS: Final = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16", "utf-32")


def _encoded(job: dict[str, Any], encoding: str) -> bytes:
    """JSON in another encoding than UTF-8 (json.loads detects them), or with a BOM."""
    try:
        return json.dumps(job).encode(encoding)
    except UnicodeEncodeError:  # lone surrogates: only "surrogatepass" UTF-8 carries them
        return _dumps(job)


JSON_BODIES: Final = JSON_VALUES.map(_dumps) | JOBS.map(_dumps)
BODIES: Final = st.one_of(
    JSON_BODIES,
    _spliced(JSON_BODIES),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"{}",
            b'"queued"',
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            b"NaN",
            b'{"id": "task_1", "status": "queued"}garbage',
            b'{"id": "task_1", "status": "queued", "id": 7}',
        ]
    ),
    st.integers(990, 20_000).map(_deep),
    st.integers(990, 5_000).map(lambda d: b'{"id":"t","status":"queued","x":' + _deep(d) + b"}"),
    st.integers(990, 5_000).map(lambda d: _deep(d, b'{"a":', b"}")),
    st.builds(_encoded, JOBS, st.sampled_from(_ENCODINGS)),
)


# Header values as a server may send them (latin-1 text, since that is what HTTP carries).
HEADER_TEXT: Final = st.text(
    st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=40
)
RETRY_AFTER: Final = (
    HEADER_TEXT
    | st.floats().map(repr)
    | st.integers(-(10**30), 10**30).map(str)
    | st.sampled_from(
        [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Mon, 01 Jan 0001 00:00:00 GMT",
            "Thu, 01 Jan 1970 00:00:00 +9999",
            "Sun, 06 Nov 1994 08:49:37 -0000",
            "1e309",
            "-1",
            "nan",
            "inf",
            " 3 ",
            "0x10",
        ]
    )
)
HEADERS: Final = st.dictionaries(
    st.sampled_from(["retry-after", "x-poll-after", "content-type", "x-request-id"]),
    RETRY_AFTER,
    max_size=3,
)


# -- checks -----------------------------------------------------------------------------


def _wire(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as bytes, as they come off the wire (httpx would refuse non-ASCII text)."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _request(method: str = "GET", url: str = STATUS_URL) -> httpx.Request:
    return httpx.Request(method, url)


def _outcome(call: Callable[[], T]) -> T | AIStatsError:
    """What ``call`` returned, or the client's error it raised (anything else propagates)."""
    try:
        return call()
    except AIStatsError as exc:
        return exc


def _check_error_text(error: BaseException) -> None:
    """An error's message and repr can be shown (and are not the whole of a huge body)."""
    text, shown = str(error), repr(error)
    assert len(text) < 2_000, f"message of {len(text)} characters"
    assert len(shown) < 2_100


def _check_job(job: MusicJob, body: bytes) -> None:
    assert isinstance(job.id, str)
    assert job.id
    assert isinstance(job.status, str)
    assert all(c.__class__.__name__ == "MusicClip" for c in job.output)
    repr(job)
    # The audio view and the cost of any accepted answer: listed without raising,
    # each audio decoded to bytes or refused with a typed error naming its field.
    assert [a.index for a in job.audio] == list(range(len(job.audio)))
    for audio in job.audio:
        repr(audio)
        if audio.is_inline:
            decoded = _outcome(audio.decode)
            if isinstance(decoded, AIStatsError):
                assert isinstance(decoded, MalformedResponseError), type(decoded)
                assert decoded.field == audio.field
            else:
                assert decoded
    job.cost  # noqa: B018 (it must not raise)
    if b"NaN" in body:  # NaN != NaN; everything else must come back as sent
        return
    data = json.loads(body)
    try:
        same = job.to_dict() == data
    except RecursionError:  # comparing JSON nested ~1000 deep, in this deep stack
        return
    assert same


def _check_malformed(
    error: MalformedResponseError, response: httpx.Response, job_id: str | None
) -> None:
    assert error.response is response
    assert error.request is response.request
    if job_id is not None:  # a status read: the job asked for, whatever the body says
        assert error.job_id == job_id
    else:  # a create: the id in the answer, if it had one, so that the job is not lost
        assert error.job_id is None or isinstance(error.job_id, str)
    _check_error_text(error)


def _expected_class(code: int) -> type[APIStatusError]:
    return {
        400: BadRequestError,
        401: AuthenticationError,
        402: InsufficientFundsError,
        403: PermissionDeniedError,
        404: NotFoundError,
        422: BadRequestError,
        429: RateLimitError,
        501: FeatureDisabledError,
    }.get(code, ServerError if code >= 500 else APIStatusError)


# -- the answer path, case by case -------------------------------------------------------


def test_status_answers_of_any_bytes_parse_or_raise_malformed() -> None:
    seen = 0

    @_settings("status_bytes")
    @given(body=BODIES, job_id=st.sampled_from([JOB_ID, None]))
    def run(body: bytes, job_id: str | None) -> None:
        nonlocal seen
        seen += 1
        response = httpx.Response(200, content=body, request=_request())
        got = _outcome(lambda: parse_job(response, job_id=job_id))
        if isinstance(got, MusicJob):
            _check_job(got, body)
        else:
            assert isinstance(got, MalformedResponseError), type(got)
            _check_malformed(got, response, job_id)

    run()
    assert seen >= CASES["status_bytes"]


def test_job_shaped_answers_parse_or_raise_malformed_naming_the_field() -> None:
    seen = 0

    @_settings("job_shapes")
    @given(data=JOBS, status=st.sampled_from([200, 201, 202]))
    def run(data: dict[str, Any], status: int) -> None:
        nonlocal seen
        seen += 1
        body = _dumps(data)
        response = httpx.Response(
            status, content=body, request=_request("POST", f"{BASE}/music/generate")
        )
        got = _outcome(lambda: parse_job(response))
        if isinstance(got, MusicJob):
            _check_job(got, body)
            assert got.id == data["id"]
            return
        assert isinstance(got, MalformedResponseError), type(got)
        _check_malformed(got, response, None)
        # It names what is wrong: a field of the job, or none when the job has no usable id.
        field = got.field or ""
        assert field in ("", "id", "status", "output", "usage") or field.startswith(
            ("output[", "clip")
        ), field
        if field not in ("", "id"):  # the id was fine: the error carries it
            assert got.job_id == data["id"]

    run()
    assert seen >= CASES["job_shapes"]


def test_error_answers_become_the_typed_error_of_their_status() -> None:
    seen = 0

    @_settings("error_answers")
    @given(
        code=st.sampled_from(
            [300, 302, 400, 401, 403, 404, 408, 409, 418, 422, 425, 429, 500, 502, 503, 504, 599]
        )
        | st.integers(300, 599),
        body=BODIES
        | st.fixed_dictionaries(
            {},
            optional={
                "error": JSON_VALUES
                | st.fixed_dictionaries(
                    {}, optional={"code": JSON_VALUES, "type": JSON_VALUES, "message": JSON_VALUES}
                ),
                "reason": JSON_VALUES | _HUGE,
            },
        ).map(_dumps),
        headers=HEADERS,
        job_id=st.sampled_from([JOB_ID, None]),
    )
    def run(code: int, body: bytes, headers: dict[str, str], job_id: str | None) -> None:
        nonlocal seen
        seen += 1
        response = httpx.Response(code, content=body, headers=_wire(headers), request=_request())
        error = status_error(response, job_id=job_id)
        assert type(error) is _expected_class(code)
        assert error.status_code == code
        assert error.response is response
        assert error.job_id == job_id
        assert error.error_code is None or isinstance(error.error_code, str)
        assert error.reason is None or isinstance(error.reason, str)
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            assert math.isfinite(error.retry_after)
            assert error.retry_after >= 0
        _check_error_text(error)

    run()
    assert seen >= CASES["error_answers"]


def test_retry_after_and_poll_hints_of_any_text_are_a_delay_or_none() -> None:
    seen = 0

    @_settings("retry_after")
    @given(value=RETRY_AFTER, name=st.sampled_from(["retry-after", "x-poll-after"]))
    def run(value: str, name: str) -> None:
        nonlocal seen
        seen += 1
        for delay in (
            parse_retry_after(value),
            poll_hint(httpx.Response(200, headers=_wire({name: value}), request=_request())),
        ):
            assert delay is None or (math.isfinite(delay) and delay >= 0)

    run()
    assert seen >= CASES["retry_after"]


# -- the same answers through the client -------------------------------------------------

#: What the mock server answers next: status, headers, body.
Answer = tuple[int, dict[str, str], bytes]

ANSWERS: Final = st.tuples(
    st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 404, 409, 429, 500, 503]),
    HEADERS
    | st.just({"content-encoding": "gzip"})
    | st.just({"content-encoding": "deflate"})
    | st.just({"content-type": "text/html; charset=utf-8"}),
    BODIES,
)


class _Server:
    """A MockTransport handler that serves the answer a test case set."""

    def __init__(self, *, limit: int = 10_000) -> None:
        self.answer: Answer = (200, {}, b"{}")
        self.calls = 0
        self.limit = limit

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > self.limit:  # a client that will not stop: end the test, not the CI run
            raise RuntimeError(f"more than {self.limit} requests")
        code, headers, body = self.answer
        return httpx.Response(code, headers=_wire(headers), content=body)


def _check_client_error(error: AIStatsError, answer: Answer, job_id: str | None) -> None:
    code = answer[0]
    if isinstance(error, APIStatusError):
        assert not 200 <= code < 300
        assert type(error) is _expected_class(code)
    elif isinstance(error, MalformedResponseError):
        assert 200 <= code < 300
        assert error.response is not None
    else:  # only a body that cannot be decoded gets no answer at all
        assert isinstance(error, APIConnectionError), type(error)
        assert "content-encoding" in answer[1]
    if job_id is not None or not isinstance(error, MalformedResponseError):
        assert error.job_id == job_id
    _check_error_text(error)


def _sync_client(server: _Server, **kwargs: Any) -> tuple[MusicClient, httpx.Client]:
    http = httpx.Client(transport=httpx.MockTransport(server))
    client = MusicClient(
        api_key="sk-bad-answers", base_url=BASE, http_client=http, max_retries=0, **kwargs
    )
    return client, http


def _each_answer(
    case: str, server: _Server, call: Callable[[], object], check: Callable[[Answer, object], None]
) -> None:
    """Serves each of ``case``'s answers in turn and checks what ``call`` made of it."""
    seen = 0

    @_settings(case)
    @given(answer=ANSWERS)
    def run(answer: Answer) -> None:
        nonlocal seen
        seen += 1
        server.answer = answer
        server.calls = 0
        check(answer, _outcome(call))

    run()
    assert seen >= CASES[case]


def _job_or_typed_error(job_id: str | None) -> Callable[[Answer, object], None]:
    def check(answer: Answer, got: object) -> None:
        if isinstance(got, MusicJob):
            assert 200 <= answer[0] < 300
        else:
            assert isinstance(got, AIStatsError)
            _check_client_error(got, answer, job_id)

    return check


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_get_through_the_client_returns_a_job_or_a_typed_error(kind: str) -> None:
    server = _Server()
    if kind == "async":  # a client per case: each case runs its own event loop

        async def get() -> MusicJob:
            async with (
                httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
                AsyncMusicClient(
                    api_key="sk-bad-answers", base_url=BASE, http_client=http, max_retries=0
                ) as client,
            ):
                return await client.get(JOB_ID)

        _each_answer("async_get", server, lambda: asyncio.run(get()), _job_or_typed_error(JOB_ID))
        return
    client, http = _sync_client(server)
    with http, client:
        _each_answer("client_get", server, lambda: client.get(JOB_ID), _job_or_typed_error(JOB_ID))


def test_create_through_the_client_returns_a_job_or_says_it_may_exist() -> None:
    server = _Server()
    client, http = _sync_client(server)
    typed = _job_or_typed_error(None)

    def check(answer: Answer, got: object) -> None:
        typed(answer, got)
        # A garbled success or a 5xx may come from a job that was created: it says so.
        if isinstance(got, MalformedResponseError | ServerError):
            assert got.job_may_exist
            assert "may exist" in str(got)

    with http, client:
        _each_answer("client_create", server, lambda: client.create(model=SUNO, prompt="x"), check)


def test_wait_through_the_client_ends_with_the_job_or_an_error_carrying_its_id() -> None:
    """The same bad answer every time: the wait ends (in virtual time), typed, with the id."""
    server = _Server(limit=1_000)
    clock = VirtualClock()
    client, http = _sync_client(server, sleep=clock.sleep, clock=clock)
    policy = PollPolicy(timeout=20)

    def check(answer: Answer, got: object) -> None:
        if isinstance(got, MusicJob):
            assert got.is_completed
        else:  # MusicJobFailed, MusicJobTimeout or the permanent error that ended it
            assert isinstance(got, AIStatsError)
            assert got.job_id == JOB_ID
            _check_error_text(got)
        # Bounded: a server's delay under 0.1 s is ignored, so at most 10 polls a second.
        assert 1 <= server.calls <= 201

    with http, client:
        _each_answer("client_wait", server, lambda: client.wait(JOB_ID, poll=policy), check)


# -- regressions found by the cases above -----------------------------------------------


def _json_refuses_as_too_deep(body: bytes) -> bool:
    """Whether this interpreter's ``json`` gives up on ``body`` for its nesting.

    How deep is too deep is the interpreter's to decide, not the client's:
    3.11's ``json`` refuses 1,000 levels, 3.12.1's reads 1,000 and 3.13's reads
    5,000. The tests below ask the interpreter they run on rather than assume.
    """
    try:
        json.loads(body)
    except RecursionError:
        return True
    return False


# Beyond what the json of any supported Python (3.11 to 3.13) reads.
TOO_DEEP_EVERYWHERE: Final = 100_000


@pytest.mark.parametrize("depth", [1_000, TOO_DEEP_EVERYWHERE])
@pytest.mark.parametrize("where", ["top", "inside"])
def test_json_nested_too_deeply_is_malformed_not_a_recursion_error(depth: int, where: str) -> None:
    body = (
        _deep(depth)
        if where == "top"
        else b'{"id":"%s","status":"queued","x":' % JOB_ID.encode() + _deep(depth) + b"}"
    )
    refused = _json_refuses_as_too_deep(body)
    if depth == TOO_DEEP_EVERYWHERE:
        # Else this test no longer reaches the path it is about: make the body deeper.
        assert refused, f"this Python's json reads {depth:,} levels"
    response = httpx.Response(200, content=body, request=_request())
    if refused:
        with pytest.raises(MalformedResponseError, match="nested too deeply") as info:
            parse_job(response, job_id=JOB_ID)
        assert info.value.job_id == JOB_ID
    elif where == "top":
        # Read by json, then judged like any answer: a list is not a job.
        with pytest.raises(MalformedResponseError) as info:
            parse_job(response, job_id=JOB_ID)
        assert info.value.job_id == JOB_ID
    else:
        # Read by json: a job, the deep field kept like any field it does not name.
        job = parse_job(response, job_id=JOB_ID)
        assert job.id == JOB_ID
        assert job.to_dict()["x"] == json.loads(body)["x"]
    error = status_error(httpx.Response(502, content=body, request=_request()))
    assert type(error) is ServerError
    if refused:
        assert isinstance(error.body, str)
    else:
        assert error.body == json.loads(body)


def test_an_error_reason_of_any_length_gives_a_short_message() -> None:
    body = _dumps({"error": "x" * 1_000_000, "reason": "y" * 1_000_000})
    error = status_error(httpx.Response(400, content=body, request=_request()))
    assert error.reason == "y" * 1_000_000  # the attribute keeps it all
    assert len(str(error)) < 1_000


@pytest.mark.parametrize(
    ("code", "header"),
    [(503, "retry-after"), (429, "retry-after"), (200, "x-poll-after"), (200, "retry-after")],
)
@pytest.mark.parametrize("value", ["0.001", "1e-9", "0.0999"])
def test_a_tiny_server_delay_cannot_make_the_wait_spin(code: int, header: str, value: str) -> None:
    server = _Server(limit=100)
    body = _dumps({"id": JOB_ID, "status": "in_progress"}) if code == 200 else b""
    server.answer = (code, {header: value}, body)
    clock = VirtualClock()
    client, http = _sync_client(server, sleep=clock.sleep, clock=clock)
    with http, client, pytest.raises(MusicJobTimeout):
        client.wait(JOB_ID, poll=PollPolicy(timeout=10))
    # The policy's own schedule (about a poll a second), not thousands of requests.
    assert server.calls <= 12


def test_a_garbled_create_answer_that_names_its_job_says_which_job_may_exist() -> None:
    server = _Server()
    server.answer = (200, {}, _dumps({"id": "task_paid", "status": 7}))
    client, http = _sync_client(server)
    with http, client, pytest.raises(MalformedResponseError) as info:
        client.create(model="suno/v4.5plus", prompt="x")
    assert info.value.job_id == "task_paid"
    assert info.value.job_may_exist
    assert "'task_paid'" in str(info.value)
    assert "no id came back" not in str(info.value)


def test_a_garbled_status_answer_names_the_job_asked_for() -> None:
    response = httpx.Response(
        200, content=_dumps({"id": "other", "status": None}), request=_request()
    )
    with pytest.raises(MalformedResponseError) as info:
        parse_job(response, job_id=JOB_ID)
    assert info.value.job_id == JOB_ID


def test_the_counts_add_up_to_the_figure_in_the_readme() -> None:
    assert TOTAL_CASES >= 10_000
