"""The only door from the overlay to the generated package.

Every name the overlay takes from ``ai_stats_gateway`` is imported here, so
that (1) a regeneration that drops something the overlay relies on fails at
import with the name in the traceback, and (2) ``nox -s vendor`` has exactly
one module whose imports it must rewrite.
"""

from __future__ import annotations

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
