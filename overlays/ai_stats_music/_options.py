"""Request options for creating a job.

The generated request models already serve: they are attrs classes with
snake_case attributes that serialise to the names upstream uses (``customMode``,
``music_length_ms``...). They are re-exported here under shorter names; this
module adds what they lack: accepting plain mappings (keys as upstream names
them) and checking the Suno rules before anything is sent, since a rejected
request is a wasted round trip.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, Required, TypeAlias, TypedDict, TypeVar

import attrs

from . import _gen

# The spec declares the Suno, ElevenLabs and max-price options inline, so the
# generator names their classes after where they sit; the short names here are
# the ones users know, whatever the generator calls them.
SunoOptions = _gen.MusicGenerateRequestSuno
ElevenLabsOptions = _gen.MusicGenerateRequestElevenlabs
ProviderRouting = _gen.ProviderRoutingOptions
MaxPrice = _gen.ProviderRoutingOptionsMaxPrice
DebugOptions = _gen.DebugOptions
TraceLevel = _gen.DebugOptionsTraceLevel
AudioFormat = _gen.MusicGenerateRequestFormat
VocalGender = _gen.MusicGenerateRequestSunoVocalGender

__all__ = [
    "AudioFormat",
    "CreateParams",
    "DebugOptions",
    "ElevenLabsOptions",
    "MaxPrice",
    "ProviderRouting",
    "SunoOptions",
    "TraceLevel",
    "VocalGender",
    "build_request",
    "check_suno_rules",
]

_Model = TypeVar("_Model")
SunoLike: TypeAlias = "SunoOptions | Mapping[str, Any]"
ElevenLabsLike: TypeAlias = "ElevenLabsOptions | Mapping[str, Any]"
ProviderLike: TypeAlias = "ProviderRouting | Mapping[str, Any]"
DebugLike: TypeAlias = "DebugOptions | Mapping[str, Any]"


class CreateParams(TypedDict, total=False):
    """What ``create`` and ``create_and_wait`` take, each keyword as upstream names it.

    ``model`` is required; the options are the generated models re-exported
    here (``SunoOptions``...) or mappings keyed as upstream names the fields;
    ``extra_body`` sends fields newer than this client, as given.
    """

    model: Required[str]
    prompt: str | None
    duration: int | None
    format: AudioFormat | str | None
    provider: ProviderLike | None
    suno: SunoLike | None
    elevenlabs: ElevenLabsLike | None
    echo_upstream_request: bool | None
    debug: DebugLike | None
    extra_body: Mapping[str, Any] | None


# The enum-typed fields of the option models. A plain string is taken for each,
# as it is for ``format=``: the generated classes do not check their fields, and
# their ``to_dict`` would fail on a string only when the request is sent.
_ENUM_FIELDS: tuple[tuple[type, str, type[Enum]], ...] = (
    (SunoOptions, "vocal_gender", VocalGender),
    (DebugOptions, "trace_level", TraceLevel),
    (ProviderRouting, "data_collection", _gen.ProviderRoutingOptionsDataCollection),
)


def _with_enums(value: Any, name: str) -> Any:
    """``value``, or a copy of it whose enum-typed fields given as strings are enum members."""
    changes: dict[str, Enum] = {}
    for model, field, enum in _ENUM_FIELDS:
        current = getattr(value, field) if isinstance(value, model) else None
        if isinstance(current, str) and not isinstance(current, enum):
            try:
                changes[field] = enum(current)
            except ValueError:
                allowed = ", ".join(member.value for member in enum)
                raise ValueError(
                    f"{name}.{field} must be one of {allowed}, not {current!r}"
                ) from None
    if not changes:
        return value
    # A copy: the caller's object is left as given (it may be reused).
    fixed = attrs.evolve(value, **changes)
    fixed.additional_properties.update(value.additional_properties)
    return fixed


def _coerce(value: Any, model: type[_Model], name: str) -> _Model:
    """A generated model from itself or from a mapping keyed as upstream names the fields."""
    if isinstance(value, model):
        return _with_enums(value, name)  # type: ignore[no-any-return]
    if isinstance(value, Mapping):
        try:
            return model.from_dict(value)  # type: ignore[attr-defined, no-any-return]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ValueError(f"invalid {name} options: {exc}") from None
    raise TypeError(f"{name} must be a {model.__name__} or a mapping, not {type(value).__name__}")


def _is_set(value: object) -> bool:
    """Given and not blank: the gateway reads a prompt of spaces as no prompt (as the fake does)."""
    if isinstance(value, str):
        return bool(value.strip())
    return not isinstance(value, _gen.Unset) and value is not None


def _squash(name: str) -> str:
    """A field name without its case style: ``custom_mode``, ``customMode`` -> ``custommode``."""
    return name.replace("_", "").replace("-", "").lower()


_WIRE_NAME = re.compile(r"""field_dict\[["'](\w+)["']\]\s*=\s*(\w+)|["'](\w+)["']\s*:\s*(\w+)""")


@functools.cache
def _wire_names(model: type) -> dict[str, str]:
    """The gateway's spelling of each field of a generated model, by its squashed name.

    Read from the generated ``to_dict`` (``field_dict["customMode"] = custom_mode``),
    the one place that knows it; only ever on the way to an error message.
    """
    names: dict[str, str] = {}
    try:
        source = inspect.getsource(model.to_dict)  # type: ignore[attr-defined]
    except (OSError, TypeError, AttributeError):  # no source (a frozen install)
        source = ""
    for match in _WIRE_NAME.finditer(source):
        wire, variable = (match[1], match[2]) if match[1] else (match[3], match[4])
        names.setdefault(_squash(variable), wire)
    for field in attrs.fields(model):
        if field.name != "additional_properties":
            names.setdefault(_squash(field.name.rstrip("_")), field.name.rstrip("_"))
    return names


def _check_spelling(value: Any, where: str) -> None:
    """Refuse an option spelled in another case style than the gateway's.

    The generated models keep a key they do not know as an additional
    property, sent as given: ``{"custom_mode": True}`` would reach the gateway
    as a field it ignores, and the local Suno checks, which read
    ``customMode``, would be skipped. A key that is a known field in another
    spelling is a mistake, never a newer field.
    """
    if not attrs.has(type(value)):
        return
    model: type = type(value)
    known = _wire_names(model)
    for key in getattr(value, "additional_properties", {}):
        wire = known.get(_squash(key)) if isinstance(key, str) else None
        if wire is not None and wire != key:
            raise ValueError(
                f"{where}{key!s:.80} is not an option: the gateway spells it {where}{wire}"
            )
    for field in attrs.fields(type(value)):
        if field.name != "additional_properties":
            _check_spelling(getattr(value, field.name), f"{where}{field.name.rstrip('_')}.")


#: The request's own fields: the named parameters of ``create``.
_NAMED: Final = {
    "model": "model",
    "prompt": "prompt",
    "duration": "duration",
    "format": "format",
    "provider": "provider",
    "suno": "suno",
    "elevenlabs": "elevenlabs",
    "echoupstreamrequest": "echo_upstream_request",
    "debug": "debug",
}


def _check_extra_body(extra_body: Mapping[str, Any]) -> None:
    """Refuse ``extra_body`` keys that are named parameters, in any spelling.

    Sent as extra fields they would replace what the named parameter says (or
    the checks made of it) without a word: ``extra_body={"prompt": ...}``
    skips the Suno rules, and which of two prompts the gateway reads is
    anyone's guess.
    """
    for key in extra_body:
        named = _NAMED.get(_squash(key)) if isinstance(key, str) else None
        if named is not None:
            raise ValueError(
                f"extra_body key {key!r} is the named parameter {named}=: pass it as "
                f"{named}=... (extra_body is for fields newer than this client)"
            )


def check_suno_rules(suno: SunoOptions, *, prompt: str | None) -> None:
    """Raise ``ValueError`` naming the missing field when the gateway would refuse ``suno``.

    The gateway's rules: with ``customMode`` false a prompt is required (the Suno
    one or the top-level one); with ``customMode`` true ``style`` and ``title`` are
    required, and a prompt too unless ``instrumental`` is true.
    """
    has_prompt = _is_set(suno.prompt) or _is_set(prompt)
    if suno.custom_mode is True:
        missing = [name for name in ("style", "title") if not _is_set(getattr(suno, name))]
        if suno.instrumental is not True and not has_prompt:
            missing.append("prompt")
        if missing:
            raise ValueError(
                "suno.customMode is true, so suno."
                + ", suno.".join(missing)
                + (" is" if len(missing) == 1 else " are")
                + " required"
                + (" (prompt: unless instrumental is true)" if "prompt" in missing else "")
            )
    elif not has_prompt:
        raise ValueError(
            "suno.customMode is false, so a prompt is required (prompt= or suno.prompt)"
        )


def build_request(
    *,
    model: str,
    prompt: str | None = None,
    duration: int | None = None,
    format: AudioFormat | str | None = None,
    provider: ProviderLike | None = None,
    suno: SunoLike | None = None,
    elevenlabs: ElevenLabsLike | None = None,
    echo_upstream_request: bool | None = None,
    debug: DebugLike | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> _gen.MusicGenerateRequest:
    """The generated request model for ``create``, checked before it is sent."""
    if not isinstance(model, str) or not model.strip():
        raise ValueError("model is required, for example 'eleven-labs/music'")
    if prompt is not None and not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string, not {type(prompt).__name__}")
    if duration is not None and (type(duration) is not int or duration <= 0):
        raise ValueError(f"duration must be a positive whole number of seconds, not {duration!r}")
    fmt: AudioFormat | _gen.Unset = _gen.UNSET
    if format is not None:
        try:
            fmt = AudioFormat(format)
        except ValueError:
            allowed = ", ".join(f.value for f in AudioFormat)
            raise ValueError(f"format must be one of {allowed}, not {format!r}") from None
    if extra_body is not None:
        if not isinstance(extra_body, Mapping):
            raise TypeError(f"extra_body must be a mapping, not {type(extra_body).__name__}")
        _check_extra_body(extra_body)
    suno_model = None if suno is None else _coerce(suno, SunoOptions, "suno")
    if suno_model is not None:
        _check_spelling(suno_model, "suno.")
        check_suno_rules(suno_model, prompt=prompt)
    request = _gen.MusicGenerateRequest(
        model=model,
        prompt=_gen.UNSET if prompt is None else prompt,
        duration=_gen.UNSET if duration is None else duration,
        format_=fmt,
        provider=_gen.UNSET if provider is None else _coerce(provider, ProviderRouting, "provider"),
        suno=_gen.UNSET if suno_model is None else suno_model,
        elevenlabs=_gen.UNSET
        if elevenlabs is None
        else _coerce(elevenlabs, ElevenLabsOptions, "elevenlabs"),
        echo_upstream_request=_gen.UNSET
        if echo_upstream_request is None
        else echo_upstream_request,
        debug=_gen.UNSET if debug is None else _coerce(debug, DebugOptions, "debug"),
    )
    _check_spelling(request, "")
    try:
        # Once here, so that a field of the wrong type in a model the caller
        # built (a dict where a model belongs, say) is a clear error now, not
        # an AttributeError from inside the generated code at send time.
        request.to_dict()
    except (AttributeError, TypeError, ValueError) as exc:
        raise TypeError(
            f"invalid request options: a field holds a value of the wrong type ({exc}); "
            "build the options from the models' own types, or pass mappings"
        ) from None
    if extra_body:
        # Fields newer than this client's spec: sent as given, never dropped.
        request.additional_properties.update(extra_body)
    return request
