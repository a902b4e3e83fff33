"""Answers about another job, keys too short to scrub, text that cannot be sent
(issue 12, items 4, 12 and 15), through both clients where a request is involved."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _support import SUNO, EitherClient

from ai_stats_music import (
    AIStatsError,
    AsyncMusicClient,
    MalformedResponseError,
    MusicClient,
    MusicJobTimeout,
    PollPolicy,
)
from ai_stats_music._redact import MIN_API_KEY_CHARS, scrub
from ai_stats_music.testing import DEFAULT_API_KEY, FakeGateway, VirtualClock

KEY = "sk-robust-key-0001"
BASE = "http://127.0.0.1:9/v1"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers with ``answer`` and keeps every request."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


Over = Callable[[Recorder], EitherClient]


@pytest.fixture
def over(make_either: Callable[..., EitherClient]) -> Over:
    """A client of the test's kind (sync, then async) that speaks to ``handler`` only,
    in virtual time and without retries."""

    def make(handler: Recorder) -> EitherClient:
        transport = httpx.MockTransport(handler)
        return make_either(
            api_key=KEY, base_url=BASE, transport=transport, max_retries=0, clock=VirtualClock()
        )

    return make


def job(job_id: str, **fields: Any) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": job_id, "status": "in_progress", **fields})

    return answer


# -- item 4: an answer about another job ------------------------------------------------


async def test_a_status_answer_about_another_job_is_malformed(over: Over) -> None:
    handler = Recorder(job("task_other"))
    with pytest.raises(MalformedResponseError) as info:
        await over(handler).get("task_mine")
    error = info.value
    assert "'task_mine'" in str(error)
    assert "'task_other'" in str(error)
    assert error.job_id == "task_mine"  # the job asked for, never the stranger
    assert error.field == "id"
    assert error.response is not None


async def test_an_answer_naming_the_job_by_its_native_id_is_the_job(over: Over) -> None:
    # A job looked up by the provider's id (a Suno task id) answers under the gateway's id.
    handler = Recorder(job("G-0001", nativeResponseId="task_mine"))
    found = await over(handler).get("task_mine")
    assert (found.id, found.native_response_id) == ("G-0001", "task_mine")
    # ... and the same job asked for by its own id is of course itself.
    assert (await over(Recorder(job("G-0001"))).get("G-0001")).id == "G-0001"


async def test_another_jobs_answer_never_ends_a_wait(over: Over) -> None:
    """Not the audio of another job: the wait goes on, and times out naming the cause."""
    stranger = job("task_other", status="completed", output=[{"audio_url": "https://a/b.mp3"}])
    handler = Recorder(stranger)
    with pytest.raises(MusicJobTimeout) as info:
        await over(handler).wait("task_mine", poll=PollPolicy.fixed(0.01, timeout=0.05))
    assert info.value.job_id == "task_mine"
    assert isinstance(info.value.__cause__, MalformedResponseError)
    assert len(handler.requests) >= 2  # retried like any garbled answer


# -- item 12: keys too short to scrub safely ---------------------------------------------


@pytest.mark.parametrize("key", ["e", "ab", "sk-", "sk-1234", " sk-1234 "])
def test_a_key_too_short_to_scrub_is_refused(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for make in (MusicClient, AsyncMusicClient):
        with pytest.raises(AIStatsError, match="too short") as info:
            make(api_key=key, base_url=BASE)
        assert f"at least {MIN_API_KEY_CHARS}" in str(info.value)
        assert repr(key.strip()) not in str(info.value)  # never quoted
    monkeypatch.setenv("AI_STATS_API_KEY", key)
    with pytest.raises(AIStatsError, match="too short"):
        MusicClient(base_url=BASE)


def test_the_shortest_key_accepted_leaves_ordinary_text_alone() -> None:
    assert MIN_API_KEY_CHARS >= 8
    key = "x" * (MIN_API_KEY_CHARS - 1) + "y"
    MusicClient(api_key=key, base_url=BASE).close()
    text = "POST /v1/music/generate answered HTTP 400: generate needs a prompt"
    assert str(scrub(AIStatsError(text), key)) == text
    # The key, or a start of it of MIN_API_KEY_CHARS or more, is still cut out.
    echoed = scrub(AIStatsError(f"bad key {key} and {key[:MIN_API_KEY_CHARS]}"), key)
    assert key[:MIN_API_KEY_CHARS] not in str(echoed)


def test_a_one_letter_key_cannot_mangle_generate() -> None:
    """What the refusal prevents: with ``e`` as the key, ``generate`` would come out
    as ``g***n***rat***`` from every message."""
    assert str(scrub(AIStatsError("generate"), "e")) == "g***n***rat***"  # why it is refused
    with pytest.raises(AIStatsError, match="too short"):
        MusicClient(api_key="e", base_url=BASE)


def test_the_fake_gateways_key_is_long_enough() -> None:
    assert len(DEFAULT_API_KEY) >= MIN_API_KEY_CHARS
    assert len(FakeGateway().api_key) >= MIN_API_KEY_CHARS


# -- item 15: text that cannot be sent ---------------------------------------------------


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"prompt": "a lone \ud800 surrogate"}, "prompt"),
        ({"prompt": "x", "suno": {"title": "\udcff", "customMode": False}}, "suno.title"),
        ({"prompt": "x", "extra_body": {"seed_text": ["ok", "\ud83d"]}}, "seed_text[1]"),
        ({"prompt": "x", "extra_body": {"\udc80": 1}}, "the key"),
        ({"model": "suno/\ud800"}, "model"),
    ],
)
async def test_text_that_cannot_be_sent_is_a_value_error(
    over: Over, params: dict[str, Any], where: str
) -> None:
    handler = Recorder(job("j"))
    with pytest.raises(ValueError, match="not valid Unicode text") as info:
        await over(handler).create(**{"model": SUNO, **params})
    assert where in str(info.value)
    assert not isinstance(info.value, UnicodeError)  # ours, not the encoder's
    assert handler.requests == []  # nothing was sent


async def test_text_that_can_be_sent_is_sent_as_is(over: Over) -> None:
    handler = Recorder(job("j"))
    await over(handler).create(model=SUNO, prompt="jazz \u00e9\U0001f3b7 \u4e50")
    [request] = handler.requests
    assert json.loads(request.content)["prompt"] == "jazz \u00e9\U0001f3b7 \u4e50"


# -- item 14: extra_body and option spellings ----------------------------------------------


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"prompt": "y"}, "prompt="),
        ({"model": "other/model"}, "model="),
        ({"suno": {"customMode": True}}, "suno="),
        ({"echoUpstreamRequest": True}, "echo_upstream_request="),
        ({"Format": "wav"}, "format="),
    ],
)
async def test_extra_body_cannot_replace_a_named_parameter(
    over: Over, extra: dict[str, Any], named: str
) -> None:
    handler = Recorder(job("j"))
    with pytest.raises(ValueError, match="extra_body key") as info:
        await over(handler).create(model=SUNO, prompt="x", extra_body=extra)
    assert repr(next(iter(extra))) in str(info.value)
    assert named in str(info.value)
    assert handler.requests == []


async def test_extra_body_still_sends_newer_fields(over: Over) -> None:
    handler = Recorder(job("j"))
    await over(handler).create(model=SUNO, prompt="x", extra_body={"seed": 7})
    assert json.loads(handler.requests[0].content)["seed"] == 7


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"suno": {"custom_mode": True}},
            "suno.custom_mode is not an option: the gateway spells it suno.customMode",
        ),
        ({"suno": {"customMode": False, "negative_tags": "x"}}, "suno.negativeTags"),
        ({"suno": {"CUSTOMMODE": True}}, "suno.customMode"),
        ({"provider": {"maxPrice": {"request": 1}}}, "provider.max_price"),
        ({"elevenlabs": {"musicLengthMs": 1000}}, "elevenlabs."),
    ],
)
async def test_an_option_in_the_other_case_style_names_the_gateways_spelling(
    over: Over, options: dict[str, Any], message: str
) -> None:
    """Sent as given, ``custom_mode`` would be ignored upstream and the Suno checks skipped."""
    handler = Recorder(job("j"))
    with pytest.raises(ValueError, match="is not an option") as info:
        await over(handler).create(model=SUNO, prompt="x", **options)
    assert message in str(info.value)
    assert handler.requests == []


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_check_suno_rules_and_the_fake_agree_on_blank_prompts(
    blank: str, fake_gateway: FakeGateway
) -> None:
    from ai_stats_music import SunoOptions, check_suno_rules

    options: list[dict[str, Any]] = [
        {"suno": {"customMode": False}, "prompt": blank},
        {"suno": {"customMode": False, "prompt": blank}},
        {"suno": {"customMode": True, "style": "jazz", "title": "T", "prompt": blank}},
        {"suno": {"customMode": True, "style": blank, "title": "T", "prompt": "p"}},
    ]
    for body in options:
        suno = SunoOptions.from_dict(body["suno"])
        with pytest.raises(ValueError, match="required"):
            check_suno_rules(suno, prompt=body.get("prompt"))
        # The fake gateway, sent the same body behind the client's back, refuses it too.
        raw = httpx.post(
            f"{fake_gateway.base_url}/music/generate",
            json={"model": SUNO, **body},
            headers={"Authorization": f"Bearer {fake_gateway.api_key}"},
        )
        assert raw.status_code == 400, raw.text
        with (
            MusicClient(api_key=fake_gateway.api_key, base_url=fake_gateway.base_url) as c,
            pytest.raises(ValueError, match="required"),
        ):
            c.create(model=SUNO, **body)
