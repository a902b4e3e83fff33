"""ai_stats_music: a typed, polling, download-safe client for the AI Stats Gateway music API.

The public names are re-exported here; the modules behind them are private.
The generated low-level client is ``ai_stats_gateway`` (see ``MusicClient.raw``).
"""

from typing import TYPE_CHECKING

from ._async_client import AsyncMusicClient
from ._attempts import TimeoutTypes
from ._audio import MusicAudio
from ._base_client import BaseMusicClient
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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ._job_errors import MusicJobFailed, MusicJobTimeout
from ._job_parts import MusicClip, MusicCost, MusicUsage
from ._models import JobContext, JobStatus, MusicJob, MusicJobError
from ._not_given import NOT_GIVEN, NotGiven
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
from ._poll_policy import PollPolicy
from ._retry import RetryPolicy
from ._sync_client import MusicClient
from ._version import __version__
from ._watch import OnUpdate, WaitResult

if TYPE_CHECKING:
    from ._download import AllProgress, Progress

__all__ = [
    "NOT_GIVEN",
    "AIStatsError",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AllProgress",
    "AsyncMusicClient",
    "AudioFormat",
    "AuthenticationError",
    "BadRequestError",
    "BaseMusicClient",
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
    "NotGiven",
    "OnUpdate",
    "PermissionDeniedError",
    "PollPolicy",
    "Progress",
    "ProviderRouting",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "SunoOptions",
    "TimeoutTypes",
    "TraceLevel",
    "VocalGender",
    "WaitResult",
    "__version__",
    "check_suno_rules",
]


def __getattr__(name: str) -> object:
    # The download progress types live with the downloads, which are imported
    # on first use (import time): so are these two names.
    if name in ("Progress", "AllProgress"):
        from . import _download

        return getattr(_download, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
