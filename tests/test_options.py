"""The request options: the public names on today's generated classes, and strings for enums.

The spec declares the Suno, ElevenLabs and max-price options inline, so the
generator names their classes after where they sit; the overlay's short names
must still mean them. The generated classes do not check their fields, so a
string where an enum belongs (``DebugOptions(trace_level="full")``) or a dict
where a model belongs would only fail inside the generated ``to_dict`` when
the request is sent: ``build_request`` takes the strings and refuses the rest
with a clear error, before anything goes out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import ai_stats_music
from ai_stats_gateway import models
from ai_stats_music import (
    AudioFormat,
    DebugOptions,
    ElevenLabsOptions,
    MaxPrice,
    ProviderRouting,
    SunoOptions,
    TraceLevel,
    VocalGender,
)
from ai_stats_music._answers import create_kwargs
from ai_stats_music._options import build_request


def _sent(**options: Any) -> dict[str, Any]:
    """The JSON body a create with ``options`` sends."""
    kwargs = create_kwargs(build_request(model="eleven-labs/music", **options))
    body: dict[str, Any] = json.loads(json.dumps(kwargs["json"]))
    return body


def test_the_public_names_mean_the_generated_classes() -> None:
    assert SunoOptions is models.MusicGenerateRequestSuno
    assert ElevenLabsOptions is models.MusicGenerateRequestElevenlabs
    assert ProviderRouting is models.ProviderRoutingOptions
    assert MaxPrice is models.ProviderRoutingOptionsMaxPrice
    assert DebugOptions is models.DebugOptions
    assert TraceLevel is models.DebugOptionsTraceLevel
    assert AudioFormat is models.MusicGenerateRequestFormat
    assert VocalGender is models.MusicGenerateRequestSunoVocalGender
    assert "TraceLevel" in ai_stats_music.__all__


def test_every_option_model_goes_out_under_upstreams_names() -> None:
    body = _sent(
        format="wav",
        provider=ProviderRouting(only=["elevenlabs"], max_price=MaxPrice(audio="0.5", request=1)),
        suno=SunoOptions(prompt="rain", vocal_gender=VocalGender.F, custom_mode=False),
        elevenlabs=ElevenLabsOptions(music_length_ms=30_000, force_instrumental=True),
        debug=DebugOptions(trace=True, trace_level=TraceLevel.FULL),
    )
    assert body == {
        "model": "eleven-labs/music",
        "format": "wav",
        "provider": {"only": ["elevenlabs"], "max_price": {"audio": "0.5", "request": 1}},
        "suno": {"prompt": "rain", "customMode": False, "vocalGender": "f"},
        "elevenlabs": {"music_length_ms": 30_000, "force_instrumental": True},
        "debug": {"trace": True, "trace_level": "full"},
    }


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        (
            {"debug": DebugOptions(trace_level="full")},  # type: ignore[arg-type]
            {"debug": {"trace_level": "full"}},
        ),
        (
            {"suno": SunoOptions(prompt="rain", vocal_gender="m")},  # type: ignore[arg-type]
            {"suno": {"prompt": "rain", "vocalGender": "m"}},
        ),
        (
            {"provider": ProviderRouting(data_collection="deny")},  # type: ignore[arg-type]
            {"provider": {"data_collection": "deny"}},
        ),
    ],
    ids=["trace_level", "vocal_gender", "data_collection"],
)
def test_a_string_is_taken_where_an_enum_belongs(
    options: dict[str, Any], sent: dict[str, Any]
) -> None:
    assert _sent(**options) == {"model": "eleven-labs/music", **sent}


def test_the_callers_model_is_not_changed_and_its_extra_keys_go_out() -> None:
    debug = DebugOptions(trace_level="summary")  # type: ignore[arg-type]
    debug["future_flag"] = True
    assert _sent(debug=debug)["debug"] == {"trace_level": "summary", "future_flag": True}
    # The caller's object, as given.
    assert debug.additional_properties == {"future_flag": True}
    assert not isinstance(debug.trace_level, TraceLevel)


def test_a_string_outside_the_enum_is_a_value_error_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^debug\.trace_level must be one of .*'verbose'$"):
        build_request(model="eleven-labs/music", debug=DebugOptions(trace_level="verbose"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^suno\.vocal_gender must be one of f, m, not 'x'$"):
        build_request(model="suno/v5", suno=SunoOptions(prompt="p", vocal_gender="x"))  # type: ignore[arg-type]


def test_a_mapping_with_a_bad_enum_value_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^invalid debug options: 'verbose'"):
        build_request(model="eleven-labs/music", debug={"trace_level": "verbose"})


def test_a_value_of_the_wrong_type_is_a_type_error_before_sending() -> None:
    routing = ProviderRouting(max_price={"audio": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^invalid request options: a field holds a value"):
        build_request(model="eleven-labs/music", provider=routing)


def test_mappings_still_build_the_same_request() -> None:
    assert _sent(
        debug={"trace_level": "full"},
        provider={"max_price": {"audio": 0.25}, "data_collection": "allow"},
    ) == {
        "model": "eleven-labs/music",
        "debug": {"trace_level": "full"},
        "provider": {"max_price": {"audio": 0.25}, "data_collection": "allow"},
    }
