"""Which provider serves a model, and how today's gateway answers for it.

Written from shared/upstream/README.md (the providers table): the gateway
waits for synchronous providers inside the create request, so their create
answer is already ``completed``, with the audio inline as base64 (ElevenLabs,
Google Lyria) or at a top-level ``audio_url`` (MiniMax). Every Suno model is
disabled in the catalogue; the 2025 queued flow is kept for prefixes a test
names (``FakeGateway(queued=...)``).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from typing import Any, Final, Literal

import attrs

from ._media import AUDIO_TYPES, audio_bytes

__all__ = ["SYNC_PROVIDERS", "Provider", "matches_prefix", "sync_provider"]


@attrs.frozen(kw_only=True)
class Provider:
    """A synchronous provider behind the gateway, chosen by model-id prefix."""

    prefix: str
    name: str  # the answer's ``provider``
    delivery: Literal["inline", "url"]
    formats: frozenset[str] | None  # the accepted ``format`` values; None: any
    default_format: str
    fixed_format: str | None = None  # the format it always answers in, whatever was asked

    def audio_format(self, requested: object) -> str | None:
        """The format of the audio, or None when the provider refuses ``requested``."""
        fmt = requested if isinstance(requested, str) else self.default_format
        if self.formats is not None and fmt not in self.formats:
            return None
        return self.fixed_format or fmt

    def native_id(self, seq: int) -> str:
        """``nativeResponseId``: the provider's own id (a MiniMax trace id is a UUID)."""
        if self.name == "minimax":
            return str(uuid.UUID(int=(0x5C30B275 << 96) | seq, version=4))
        if self.name == "elevenlabs":
            return f"song_{seq:06d}"
        return f"lyria_{seq:06d}"

    def refusal(self, requested: object) -> dict[str, Any]:
        """The executor's error object for a format it does not take."""
        accepted = ", ".join(sorted(self.formats or ()))
        return {
            "type": "invalid_request_error",
            "message": f"format {requested!r} is not supported by {self.name} ({accepted})",
            "param": "format",
        }


SYNC_PROVIDERS: Final = (
    Provider(
        prefix="eleven-labs/",
        name="elevenlabs",
        delivery="inline",
        formats=frozenset({"mp3", "wav", "ogg"}),
        default_format="mp3",
    ),
    # Lyria generates WAV (its reply's mimeType says so) whatever is asked.
    Provider(
        prefix="google/lyria",
        name="google",
        delivery="inline",
        formats=None,
        default_format="wav",
        fixed_format="wav",
    ),
    Provider(
        prefix="minimax/",
        name="minimax",
        delivery="url",
        formats=frozenset({"mp3", "wav"}),
        default_format="mp3",
    ),
)
"""The active providers of the catalogue, by prefix of the model id."""


def matches_prefix(model: str, prefixes: Iterable[str]) -> bool:
    """Whether ``model`` starts with one of ``prefixes`` (``"*"`` matches every model)."""
    return any(p == "*" or model.startswith(p) for p in prefixes)


def sync_provider(model: str) -> Provider | None:
    """The synchronous provider serving ``model``, or None (not routable)."""
    for provider in SYNC_PROVIDERS:
        if model.startswith(provider.prefix):
            return provider
    return None


def inline_audio(fmt: str, size: int, tone: int = 0) -> str:
    """The base64 text of a ``size``-byte ``fmt`` file."""
    return base64.b64encode(audio_bytes(fmt, size, tone)).decode("ascii")


def create_result(
    provider: Provider,
    *,
    native_id: str,
    model: str,
    fmt: str,
    size: int,
    seconds: float,
    audio_url: str | None,
    error: Any = None,
) -> dict[str, Any]:
    """``result``: what the provider itself replied, as the gateway passes it on."""
    millis = round(seconds * 1000)
    if provider.name == "minimax":
        ok = error is None
        return {
            "data": {"audio": audio_url, "status": 2 if ok else 3},
            "trace_id": native_id,
            "extra_info": {
                "music_duration": millis,
                "music_sample_rate": 44100,
                "music_channel": 2,
                "bitrate": 256000,
                "music_size": size,
            },
            "base_resp": {"status_code": 0, "status_msg": "success"}
            if ok
            else {"status_code": 1000, "status_msg": str(error)},
        }
    if provider.name == "google":
        reply: dict[str, Any] = {
            "candidates": [
                {
                    "content": {"parts": [{"inlineData": {"mimeType": AUDIO_TYPES[fmt]}}]},
                    "finishReason": "STOP" if error is None else "OTHER",
                }
            ],
            "modelVersion": model.partition("/")[2],
        }
        if error is not None:
            reply["error"] = error
        return reply
    result: dict[str, Any] = {
        "song_id": native_id,
        "output_format": f"{fmt}_44100_128" if fmt == "mp3" else fmt,
        "music_length_ms": millis,
    }
    if error is not None:
        result["detail"] = error
    return result


def create_usage(provider: Provider, *, seconds: float, prompt: str) -> dict[str, Any]:
    """The create answer's ``usage``: token counts for Lyria, seconds for the others."""
    if provider.name == "google":
        prompt_tokens = max(1, len(prompt.split()))
        output_tokens = max(1, round(seconds * 25))
        return {
            "input_tokens": prompt_tokens,
            "output_tokens": output_tokens,
            "total_tokens": prompt_tokens + output_tokens,
        }
    return {"requests": 1, "output_audio_seconds": seconds}
