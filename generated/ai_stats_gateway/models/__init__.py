"""Contains all the data models used in inputs/outputs"""

from .debug_options import DebugOptions
from .debug_options_trace_level import DebugOptionsTraceLevel
from .music_generate_request import MusicGenerateRequest
from .music_generate_request_elevenlabs import MusicGenerateRequestElevenlabs
from .music_generate_request_elevenlabs_composition_plan import (
    MusicGenerateRequestElevenlabsCompositionPlan,
)
from .music_generate_request_format import MusicGenerateRequestFormat
from .music_generate_request_suno import MusicGenerateRequestSuno
from .music_generate_request_suno_vocal_gender import (
    MusicGenerateRequestSunoVocalGender,
)
from .music_generate_response import MusicGenerateResponse
from .music_generate_response_object import MusicGenerateResponseObject
from .music_generate_response_output_item import MusicGenerateResponseOutputItem
from .music_generate_response_status import MusicGenerateResponseStatus
from .music_generate_response_usage import MusicGenerateResponseUsage
from .provider_routing_options import ProviderRoutingOptions
from .provider_routing_options_data_collection import (
    ProviderRoutingOptionsDataCollection,
)
from .provider_routing_options_max_price import ProviderRoutingOptionsMaxPrice
from .provider_routing_options_preferred_max_latency_type_1 import (
    ProviderRoutingOptionsPreferredMaxLatencyType1,
)
from .provider_routing_options_preferred_min_throughput_type_1 import (
    ProviderRoutingOptionsPreferredMinThroughputType1,
)
from .provider_routing_options_sort_type_1 import ProviderRoutingOptionsSortType1

__all__ = (
    "DebugOptions",
    "DebugOptionsTraceLevel",
    "MusicGenerateRequest",
    "MusicGenerateRequestElevenlabs",
    "MusicGenerateRequestElevenlabsCompositionPlan",
    "MusicGenerateRequestFormat",
    "MusicGenerateRequestSuno",
    "MusicGenerateRequestSunoVocalGender",
    "MusicGenerateResponse",
    "MusicGenerateResponseObject",
    "MusicGenerateResponseOutputItem",
    "MusicGenerateResponseStatus",
    "MusicGenerateResponseUsage",
    "ProviderRoutingOptions",
    "ProviderRoutingOptionsDataCollection",
    "ProviderRoutingOptionsMaxPrice",
    "ProviderRoutingOptionsPreferredMaxLatencyType1",
    "ProviderRoutingOptionsPreferredMinThroughputType1",
    "ProviderRoutingOptionsSortType1",
)
