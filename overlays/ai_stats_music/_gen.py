"""The only door from the overlay to the generated package.

Every name the overlay takes from ``ai_stats_gateway`` is imported here, so
that (1) a regeneration that drops something the overlay relies on fails at
import with the name in the traceback, and (2) ``nox -s vendor`` has exactly
one module whose imports it must rewrite.
"""

from __future__ import annotations

from enum import Enum

import attrs

import ai_stats_gateway as package
from ai_stats_gateway import AuthenticatedClient
from ai_stats_gateway.api.gateway import generate_music, get_music_generation
from ai_stats_gateway.models import (
    DebugOptions,
    DebugOptionsTraceLevel,
    MusicGenerateRequest,
    MusicGenerateRequestElevenlabs,
    MusicGenerateRequestElevenlabsCompositionPlan,
    MusicGenerateRequestFormat,
    MusicGenerateRequestSuno,
    MusicGenerateRequestSunoVocalGender,
    MusicGenerateResponse,
    MusicGenerateResponseStatus,
    ProviderRoutingOptions,
    ProviderRoutingOptionsDataCollection,
    ProviderRoutingOptionsMaxPrice,
)
from ai_stats_gateway.types import UNSET, Unset


def _missing(of: str, kind: str, missing: list[str]) -> None:
    """Fail at import, naming what a regeneration dropped that the overlay uses."""
    if missing:
        raise ImportError(
            f"the generated {of} has no {kind} {', '.join(missing)}: openapi.yaml no longer "
            f"declares what ai_stats_music relies on. Restore the {kind} in the spec, or change "
            f"the overlay (_options.py, _models.py) with it."
        )


def _require(model: type, *fields: str) -> None:
    """Every field the overlay reads or sets is still in the generated model."""
    have = {field.name for field in attrs.fields(model)}
    _missing(model.__name__, "field", [name for name in fields if name not in have])


def _require_values(enum: type[Enum], *values: str) -> None:
    """Every enum value the overlay names is still in the generated enum."""
    have = {member.value for member in enum}
    gone = [repr(value) for value in values if value not in have]
    _missing(enum.__name__, "value", gone)


_require(
    MusicGenerateRequest,
    "model",
    "prompt",
    "duration",
    "format_",
    "provider",
    "suno",
    "elevenlabs",
    "echo_upstream_request",
    "debug",
)
# check_suno_rules reads these; _options takes strings for the enum-typed ones.
_require(
    MusicGenerateRequestSuno,
    "prompt",
    "style",
    "title",
    "custom_mode",
    "instrumental",
    "vocal_gender",
)
_require(DebugOptions, "trace_level")
_require(ProviderRoutingOptions, "data_collection")
_require_values(MusicGenerateRequestFormat, "mp3", "wav")
# The answer: the overlay parses it itself (lossless, and lenient where the
# gateway is), but it relies on these fields and statuses being the spec's.
_require(
    MusicGenerateResponse,
    "id",
    "object_",
    "status",
    "model",
    "provider",
    "native_response_id",
    "audio_url",
    "audio_base64",
    "result",
    "output",
    "usage",
)
_require_values(MusicGenerateResponseStatus, "queued", "in_progress", "completed", "failed")

__all__ = [
    "UNSET",
    "AuthenticatedClient",
    "DebugOptions",
    "DebugOptionsTraceLevel",
    "MusicGenerateRequest",
    "MusicGenerateRequestElevenlabs",
    "MusicGenerateRequestElevenlabsCompositionPlan",
    "MusicGenerateRequestFormat",
    "MusicGenerateRequestSuno",
    "MusicGenerateRequestSunoVocalGender",
    "MusicGenerateResponse",
    "MusicGenerateResponseStatus",
    "ProviderRoutingOptions",
    "ProviderRoutingOptionsDataCollection",
    "ProviderRoutingOptionsMaxPrice",
    "Unset",
    "generate_music",
    "get_music_generation",
    "package",
]
