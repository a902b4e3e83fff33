"""The only door from the overlay to the generated package.

Every name the overlay takes from ``ai_stats_gateway`` is imported here, so
that (1) a regeneration that drops something the overlay relies on fails at
import with the name in the traceback, and (2) ``nox -s vendor`` has exactly
one module whose imports it must rewrite.
"""

from __future__ import annotations

import attrs

import ai_stats_gateway as package
from ai_stats_gateway import AuthenticatedClient
from ai_stats_gateway.api.gateway import generate_music, get_music_generation
from ai_stats_gateway.models import (
    DebugOptions,
    ElevenLabsMusicOptions,
    ElevenLabsMusicOptionsCompositionPlan,
    MusicGenerateRequest,
    MusicGenerateRequestFormat,
    ProviderMaxPrice,
    ProviderRoutingOptions,
    SunoMusicOptions,
    SunoMusicOptionsVocalGender,
)
from ai_stats_gateway.types import UNSET, Unset


def _require(model: type, *fields: str) -> None:
    """Fail at import, naming the field, when a regeneration dropped one the overlay uses."""
    have = {field.name for field in attrs.fields(model)}
    missing = [name for name in fields if name not in have]
    if missing:
        raise ImportError(
            f"the generated {model.__name__} has no field {', '.join(missing)}: "
            "openapi.yaml no longer declares what ai_stats_music relies on. Restore the "
            "field in the spec, or change the overlay (_options.build_request) with it."
        )


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
_require(SunoMusicOptions, "prompt", "style", "title", "custom_mode", "instrumental")

__all__ = [
    "UNSET",
    "AuthenticatedClient",
    "DebugOptions",
    "ElevenLabsMusicOptions",
    "ElevenLabsMusicOptionsCompositionPlan",
    "MusicGenerateRequest",
    "MusicGenerateRequestFormat",
    "ProviderMaxPrice",
    "ProviderRoutingOptions",
    "SunoMusicOptions",
    "SunoMusicOptionsVocalGender",
    "Unset",
    "generate_music",
    "get_music_generation",
    "package",
]
