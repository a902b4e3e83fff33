"""Contains all the data models used in inputs/outputs"""

from .debug_options import DebugOptions
from .eleven_labs_music_options import ElevenLabsMusicOptions
from .eleven_labs_music_options_composition_plan import (
    ElevenLabsMusicOptionsCompositionPlan,
)
from .music_generate_request import MusicGenerateRequest
from .music_generate_request_format import MusicGenerateRequestFormat
from .music_generate_response import MusicGenerateResponse
from .provider_max_price import ProviderMaxPrice
from .provider_routing_options import ProviderRoutingOptions
from .suno_music_options import SunoMusicOptions
from .suno_music_options_vocal_gender import SunoMusicOptionsVocalGender

__all__ = (
    "DebugOptions",
    "ElevenLabsMusicOptions",
    "ElevenLabsMusicOptionsCompositionPlan",
    "MusicGenerateRequest",
    "MusicGenerateRequestFormat",
    "MusicGenerateResponse",
    "ProviderMaxPrice",
    "ProviderRoutingOptions",
    "SunoMusicOptions",
    "SunoMusicOptionsVocalGender",
)
