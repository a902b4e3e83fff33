"""The models of today's answer: the new fields, ``job.cost``, ``job.context`` and ``job.audio``.

The literal answers in ``tests/data/examples/`` are copies of the gateway's own
documentation and tests (see the upstream notes); the rest are built from them.
Nothing here does I/O beyond reading those files.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any, Final

import pytest
from _support import EXAMPLES

from ai_stats_music import (
    JobContext,
    MalformedResponseError,
    MusicAudio,
    MusicClip,
    MusicCost,
    MusicJob,
    MusicUsage,
)

# The first bytes of each format, as a real file has them (padded to a few dozen bytes).
MP3_ID3: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(30)
MP3_SYNC: Final = b"\xff\xfb\x90\x64" + bytes(30)  # MPEG-1 layer III, no tag
WAV: Final = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(30)
OGG: Final = b"OggS\x00\x02" + bytes(30)
FLAC: Final = b"fLaC\x00\x00\x00\x22" + bytes(30)
ADTS: Final = b"\xff\xf1\x50\x80" + bytes(30)
M4A: Final = b"\x00\x00\x00\x20ftypM4A " + bytes(30)
UNKNOWN: Final = b"\x01\x02\x03\x04" * 8


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def job(**fields: Any) -> MusicJob:
    return MusicJob.from_dict({"id": "req_1", "status": "completed", **fields})


# -- the literal answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "status-elevenlabs-stored",
        "create-minimax-gmicloud",
        "status-queued-provider",
        "create-before-2026-08",
    ],
)
def test_every_example_round_trips(name: str) -> None:
    data = example(name)
    parsed = MusicJob.from_dict(data)
    assert parsed.to_dict() == data
    assert MusicJob.from_dict(parsed.to_dict()) == parsed


def test_the_stored_elevenlabs_answer_is_one_inline_audio() -> None:
    data = example("status-elevenlabs-stored")
    parsed = MusicJob.from_dict(data)
    assert parsed.audio_base64 == "AQIDBA=="  # kept as sent
    assert parsed.output[0].audio_base64 == "AQIDBA=="
    [audio] = parsed.audio  # given at the top level and in output[0]: once
    assert audio.index == 0
    assert audio.url is None
    assert audio.is_inline
    assert audio.data == b"\x01\x02\x03\x04"
    assert audio.clip is parsed.output[0]
    assert audio.field == "output[0].audio_base64"
    assert audio.job_id == "req_music_1"
    assert audio.duration == 12  # the usage's seconds: the job's only audio
    assert audio.content_type is None  # no magic number, no format requested
    assert parsed.usage == MusicUsage(output_audio_count=1, output_audio_seconds=12)


def test_the_minimax_create_answer_is_one_url() -> None:
    parsed = MusicJob.from_dict(example("create-minimax-gmicloud"))
    [audio] = parsed.audio
    assert audio.url == "https://.../generated-music.mp3"
    assert audio.data is None
    assert audio.clip is None
    assert audio.field == "audio_url"
    assert audio.duration == 25.364
    assert parsed.usage is not None
    assert parsed.usage.requests == 1


def test_the_minimax_stored_copy_repeats_its_url_once() -> None:
    data = example("create-minimax-gmicloud")
    data["output"] = [{"audio_url": data["audio_url"]}]
    parsed = MusicJob.from_dict(data)
    [audio] = parsed.audio
    assert audio.url == data["audio_url"]
    assert audio.clip is parsed.output[0]


def test_a_queued_providers_clip_carries_its_title_and_duration() -> None:
    parsed = MusicJob.from_dict(example("status-queued-provider"))
    [audio] = parsed.audio
    assert (audio.url, audio.title, audio.duration) == ("https://...", "Midnight Blue", 8)
    assert audio.field == "output[0].audio_url"  # the final URL, not the stream


def test_a_job_still_running_has_no_audio() -> None:
    assert MusicJob.from_dict(example("create-before-2026-08")).audio == ()


# -- the new fields -----------------------------------------------------------------------


def test_result_is_kept_whatever_its_shape() -> None:
    for result in ({"mimeType": "audio/wav", "candidates": [1]}, [1, 2], "text", 0, False):
        parsed = job(result=result)
        assert parsed.result == result
        assert parsed.to_dict()["result"] == result
    assert job(result=None).to_dict() == {"id": "req_1", "status": "completed", "result": None}


@pytest.mark.parametrize("field", ["audio_url", "audio_base64"])
@pytest.mark.parametrize("value", [5, ["x"], {"a": 1}, True])
def test_a_mistyped_audio_field_reads_none_and_is_kept(field: str, value: object) -> None:
    data = {"id": "req_1", "status": "completed", field: value}
    parsed = MusicJob.from_dict(data)
    assert getattr(parsed, field) is None
    assert parsed.additional_properties == {field: value}
    assert parsed.audio == ()
    assert parsed.to_dict() == data


def test_a_clip_types_its_inline_audio() -> None:
    clip = MusicClip.from_dict({"audio_base64": "AQIDBA==", "x": 1})
    assert clip.audio_base64 == "AQIDBA=="
    assert clip.to_dict() == {"audio_base64": "AQIDBA==", "x": 1}
    assert MusicClip.from_dict({"audio_base64": 7}).audio_base64 is None


def test_usage_types_what_is_known_and_keeps_the_rest() -> None:
    raw = {
        "requests": 1,
        "output_audio_count": 1,
        "output_audio_seconds": 25.364,
        "input_tokens": 12,
        "output_tokens": 3400,
        "total_tokens": 3412,
        "cost_nanos": 40_000_000,
        "cost_cents": 4,
        "currency": "USD",
        "pricing_lines": [{"unit": "second", "qty": 25.364}],
        "surprise": {"x": 1},
    }
    usage = MusicUsage.from_dict(raw)
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (12, 3400, 3412)
    assert (usage.cost_nanos, usage.cost_cents, usage.currency) == (40_000_000, 4, "USD")
    assert usage.pricing_lines == [{"unit": "second", "qty": 25.364}]
    assert usage.additional_properties == {"surprise": {"x": 1}}
    assert usage.to_dict() == raw


def test_mistyped_usage_figures_read_none_and_are_kept() -> None:
    raw = {"input_tokens": "12", "cost_nanos": 1.5, "currency": 840, "pricing_lines": {"a": 1}}
    usage = MusicUsage.from_dict(raw)
    assert (usage.input_tokens, usage.cost_nanos, usage.currency, usage.pricing_lines) == (
        None,
        None,
        None,
        None,
    )
    assert usage.additional_properties == raw
    assert usage.to_dict() == raw


def test_the_cost_is_read_from_usage_or_from_the_top_level() -> None:
    top = job(cost_nanos=5, cost_cents=0.0005, currency="USD", pricing_lines=[], requestId="r")
    assert top.cost == MusicCost(cost_nanos=5, cost_cents=0.0005, currency="USD", pricing_lines=[])
    assert top.additional_properties["cost_nanos"] == 5  # stays where it came: lossless
    assert top.to_dict()["requestId"] == "r"
    both = job(usage={"cost_nanos": 7, "currency": "EUR"}, cost_nanos=5, cost_cents=1)
    assert both.cost == MusicCost(cost_nanos=7, cost_cents=1, currency="EUR")
    assert job().cost is None
    assert job(cost_nanos="5", usage={"requests": 1}).cost is None


# -- facts beside the answer ----------------------------------------------------------------


def test_the_context_takes_no_part_in_equality_or_the_round_trip() -> None:
    data: dict[str, Any] = {"id": "req_1", "status": "completed", "output": [], "model": None}
    plain = MusicJob.from_dict(data)
    told = MusicJob.from_dict(data, context=JobContext(requested_format="wav"))
    assert told.context.requested_format == "wav"
    assert plain.context == JobContext()
    assert told == plain
    assert told.to_dict() == plain.to_dict() == data
    evolved = plain.with_context(requested_format="ogg")
    assert evolved.context.requested_format == "ogg"
    assert evolved.to_dict() == data  # the empty output and the null survive
    assert plain.context.requested_format is None  # the original is unchanged
    assert "requested_format" not in repr(told)


def test_the_requested_format_is_the_last_resort_of_the_content_type() -> None:
    inline = job(audio_base64=b64(UNKNOWN)).with_context(requested_format="wav")
    assert inline.audio[0].requested_format == "wav"
    assert inline.audio[0].content_type == "audio/wav"
    url = job(audio_url="https://cdn.example/a").with_context(requested_format="mp3")
    assert url.audio[0].content_type == "audio/mpeg"
    assert job(audio_url="https://cdn.example/a").audio[0].content_type is None
    # The bytes win over what was asked for.
    sniffed = job(audio_base64=b64(OGG)).with_context(requested_format="mp3")
    assert sniffed.audio[0].content_type == "audio/ogg"


# -- content types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (MP3_ID3, "audio/mpeg"),
        (MP3_SYNC, "audio/mpeg"),
        (WAV, "audio/wav"),
        (OGG, "audio/ogg"),
        (FLAC, "audio/flac"),
        (ADTS, "audio/aac"),
        (M4A, "audio/mp4"),
        (UNKNOWN, None),
        (b"RIFF\x00\x00\x00\x00AVI " + bytes(8), None),  # RIFF, but not a WAVE
    ],
    ids=lambda v: v if isinstance(v, str) or v is None else repr(v[:4]),
)
def test_inline_audio_is_known_by_its_magic_numbers(data: bytes, content_type: str | None) -> None:
    for parsed in (job(audio_base64=b64(data)), job(output=[{"audio_base64": b64(data)}])):
        [audio] = parsed.audio
        assert audio.content_type == content_type
        assert audio.data == data


def test_a_data_uri_is_inline_audio_of_its_media_type() -> None:
    uri = "data:audio/x-wav;codecs=1;base64," + b64(WAV)
    [audio] = job(audio_url=uri).audio
    assert audio.url is None
    assert audio.data_uri == uri
    assert audio.content_type == "audio/x-wav"
    assert audio.data == WAV
    assert audio.field == "audio_url"


def test_a_data_uri_that_does_not_say_its_type_is_sniffed() -> None:
    for header in ("data:;base64,", "data:application/octet-stream;base64,"):
        [audio] = job(audio_url=header + b64(FLAC)).audio
        assert audio.content_type == "audio/flac"
        assert audio.data == FLAC


def test_a_percent_encoded_data_uri_is_decoded() -> None:
    uri = "data:audio/mpeg," + "".join(f"%{b:02X}" for b in MP3_ID3)
    [audio] = job(audio_url=uri).audio
    assert audio.content_type == "audio/mpeg"
    assert audio.data == MP3_ID3


# -- decoding: once, when asked, and typed when it fails ----------------------------------------


def test_inline_audio_is_decoded_only_when_asked_and_once() -> None:
    parsed = job(audio_base64=b64(WAV))
    [audio] = parsed.audio
    assert "data" not in audio.__dict__  # listing the audio decoded nothing
    first = audio.data
    assert first == WAV
    assert audio.data is first  # not decoded again
    assert parsed.audio is parsed.audio  # the view itself is computed once


def test_decode_does_not_keep_the_bytes() -> None:
    [audio] = job(audio_base64=b64(WAV)).audio
    assert audio.decode() == WAV
    assert "data" not in audio.__dict__


BAD_INLINE: Final = [
    ("audio_base64", "not base64!"),
    ("audio_base64", "AQIDBA="),  # bad padding
    ("audio_base64", "AQID\nBA=="),  # a stray new line: not strict base64
    ("audio_base64", "AQIDBA==é"),  # not even ASCII
    ("audio_base64", "===="),  # nothing at all
    ("audio_url", "data:audio/mpeg;base64"),  # no comma
    ("audio_url", "data:audio/mpeg;base64,@@@@"),  # says base64, is not
    ("audio_url", "data:audio/mpeg;base64,"),  # empty
    ("audio_url", "data:audio/wav;base64," + b64(MP3_ID3)),  # says WAV, is MP3
    ("audio_url", "data:audio/flac;base64," + b64(OGG)),  # says FLAC, is Ogg
    ("audio_url", "data:text/html;base64," + b64(MP3_ID3)),  # not audio
    ("audio_url", "data:image/png;base64," + b64(UNKNOWN)),
    ("audio_url", "data:video/mp4," + "x"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INLINE, ids=lambda v: repr(v)[:40])
def test_bad_inline_audio_raises_a_typed_error_naming_where_it_was(field: str, value: str) -> None:
    for parsed, where in (
        (job(**{field: value}), field),
        (job(output=[{"id": "c1"}, {field: value}]), f"output[1].{field}"),
    ):
        audio = parsed.audio[-1]  # listing never raises
        with pytest.raises(MalformedResponseError) as info:
            _ = audio.data
        assert info.value.field == where
        assert info.value.job_id == "req_1"
        assert where in str(info.value)
        with pytest.raises(MalformedResponseError):
            audio.decode()


def test_an_empty_string_is_no_audio() -> None:
    assert job(audio_base64="", audio_url="").audio == ()
    assert job(output=[{"audio_url": "", "audio_base64": ""}]).audio == ()


# -- one audio, once ----------------------------------------------------------------------


def test_the_same_base64_bare_or_in_a_data_uri_is_one_audio() -> None:
    parsed = job(
        output=[{"title": "T", "audio_url": "data:audio/wav;base64," + b64(WAV)}],
        audio_base64=b64(WAV),
    )
    [audio] = parsed.audio
    assert audio.title == "T"


def test_a_clip_with_several_sources_is_one_audio_preferring_inline() -> None:
    parsed = job(
        output=[
            {"audio_url": "https://cdn.example/a.wav", "audio_base64": b64(WAV)},
            {"stream_audio_url": "https://cdn.example/s2"},
        ],
        audio_url="https://cdn.example/a.wav",  # a repeat of the first clip's URL
    )
    first, second = parsed.audio
    assert (first.index, first.is_inline, first.field) == (0, True, "output[0].audio_base64")
    assert (second.index, second.url) == (1, "https://cdn.example/s2")
    assert second.duration is None  # two audios: the usage's seconds are no one's


def test_different_audio_at_both_levels_is_two() -> None:
    parsed = job(
        output=[{"audio_url": "https://cdn.example/a.mp3", "title": "A", "duration": 3}],
        audio_base64=b64(WAV),
        usage={"output_audio_seconds": 99},
    )
    clip_audio, top = parsed.audio
    assert (clip_audio.index, clip_audio.title, clip_audio.duration) == (0, "A", 3)
    assert (top.index, top.clip, top.title, top.data) == (1, None, None, WAV)


def test_two_clips_of_the_same_url_are_one_audio() -> None:
    same = {"audio_url": "https://cdn.example/a.mp3"}
    assert len(job(output=[{**same, "id": "1"}, {**same, "id": "2"}]).audio) == 1


def test_listing_the_audio_leaves_the_answer_as_sent() -> None:
    data = example("status-elevenlabs-stored")
    before = copy.deepcopy(data)
    parsed = MusicJob.from_dict(data)
    _ = [a.data for a in parsed.audio]
    assert parsed.to_dict() == before == data


# -- MusicAudio itself -------------------------------------------------------------------


def test_a_music_audio_has_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        MusicAudio()
    with pytest.raises(ValueError, match="exactly one"):
        MusicAudio(url="https://cdn.example/a", audio_base64="AQ==")
    with pytest.raises(ValueError, match="data_uri"):
        MusicAudio(url="data:audio/wav;base64,AQ==")
    audio = MusicAudio(audio_base64=b64(WAV), title="x")
    assert (audio.data, audio.content_type, audio.clip, audio.index) == (WAV, "audio/wav", None, 0)


def test_the_repr_shows_no_megabytes_of_base64() -> None:
    [audio] = job(audio_base64=b64(bytes(3000))).audio
    assert len(repr(audio)) < 300


_GOOD_B64: Final = base64.b64encode(b"RIFF\x00\x01\x02\x03WAVEfmt " + bytes(range(97))).decode()


@pytest.mark.parametrize(
    "text",
    [
        _GOOD_B64,
        _GOOD_B64[:8] + "\n" + _GOOD_B64[8:],
        _GOOD_B64[:8] + " " + _GOOD_B64[9:],
        _GOOD_B64[:-4] + "!!!!",
        _GOOD_B64[:8] + "=" + _GOOD_B64[9:],
        _GOOD_B64[:-1],
        "AA==AA==",
        "A===",
        "====",
        _GOOD_B64[:-1] + "\u00e9",
        "QUJD",
        "QUI=",
        "QQ==",
    ],
)
def test_inline_audio_is_refused_exactly_when_strict_base64_would_refuse_it(text: str) -> None:
    """The decoder is the lenient (twice as fast) one plus a length check; it
    must accept and refuse exactly what ``strict_mode=True`` does."""
    import binascii

    try:
        expected: bytes | None = binascii.a2b_base64(text, strict_mode=True)
    except ValueError:
        expected = None
    job = MusicJob.from_dict(
        {
            "id": "j",
            "object": "music",
            "status": "completed",
            "model": "m",
            "provider": "p",
            "audio_base64": text,
        }
    )
    if expected is None:
        with pytest.raises(MalformedResponseError):
            job.audio[0].decode()
    else:
        assert job.audio[0].decode() == expected
