"""ai_stats_music: a typed, polling, download-safe client for the AI Stats Gateway music API.

The public names are re-exported here; the modules behind them are private.
The generated low-level client is ``ai_stats_gateway`` (see ``MusicClient.raw``).
"""

from ._audio import MusicAudio
from ._client import AsyncMusicClient, MusicClient
from ._core import RetryPolicy
from ._errors import (
    AIStatsError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DownloadError,
    FeatureDisabledError,
    InsufficientFundsError,
    MalformedResponseError,
    MusicJobFailed,
    MusicJobTimeout,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ._models import (
    JobContext,
    JobStatus,
    MusicClip,
    MusicCost,
    MusicJob,
    MusicJobError,
    MusicUsage,
)
from ._options import (
    AudioFormat,
    CreateParams,
    DebugOptions,
    ElevenLabsOptions,
    MaxPrice,
    ProviderRouting,
    SunoOptions,
    TraceLevel,
    VocalGender,
    check_suno_rules,
)
from ._polling import PollPolicy, WaitResult
from ._version import __version__

__all__ = [
    "AIStatsError",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncMusicClient",
    "AudioFormat",
    "AuthenticationError",
    "BadRequestError",
    "CreateParams",
    "DebugOptions",
    "DownloadError",
    "ElevenLabsOptions",
    "FeatureDisabledError",
    "InsufficientFundsError",
    "JobContext",
    "JobStatus",
    "MalformedResponseError",
    "MaxPrice",
    "MusicAudio",
    "MusicClient",
    "MusicClip",
    "MusicCost",
    "MusicJob",
    "MusicJobError",
    "MusicJobFailed",
    "MusicJobTimeout",
    "MusicUsage",
    "NotFoundError",
    "PermissionDeniedError",
    "PollPolicy",
    "ProviderRouting",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "SunoOptions",
    "TraceLevel",
    "VocalGender",
    "WaitResult",
    "__version__",
    "check_suno_rules",
]
