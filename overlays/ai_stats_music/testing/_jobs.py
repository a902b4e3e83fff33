"""The jobs of the fake gateway and their clips, as fixed when a create makes them.

:class:`FakeJob` and :class:`FakeClip` are what tests read back; the builders
below turn a create's body and the job's :class:`JobScript` into one: the
queued flow's clips, or a synchronous provider's single audio and its result.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from ._media import audio_bytes, frames_for, wav_size
from ._providers import Provider, create_result, create_usage
from ._scripts import DEFAULT_ERROR, Clip, JobScript
from ._validation import effective_prompts, split_model

__all__ = ["FakeClip", "FakeJob", "SyncRoute", "number", "queued_job", "sync_job"]

_DEFAULT_DURATION: Final = 8


def number(value: float) -> float:
    """8.0 -> 8 (the API shows whole seconds as integers)."""
    return int(value) if float(value).is_integer() else value


@attrs.frozen(kw_only=True)
class FakeClip:
    """A clip of a fake job, as fixed when the job was created."""

    job_id: str
    index: int
    id: str
    title: str
    tags: str
    duration: float
    frames: int
    extra_fields: Mapping[str, Any]

    @property
    def audio_size(self) -> int:
        """The size in bytes of the clip's WAV file."""
        return wav_size(self.frames)

    @property
    def audio_path(self) -> str:
        return f"/audio/{self.job_id}/{self.index}.wav"

    @property
    def stream_path(self) -> str:
        return f"/stream/{self.job_id}/{self.index}.wav"

    @property
    def image_path(self) -> str:
        return f"/image/{self.job_id}/{self.index}.png"


@attrs.frozen(kw_only=True)
class FakeJob:
    """A job the fake gateway created: the request, the script it follows, its audio.

    ``route`` is ``"queued"`` (the 2025 flow: a timeline, then ``clips``) or
    ``"sync"`` (a synchronous provider: the create answers ``final``, with one
    audio of ``audio_format`` and ``audio_size`` bytes, inline or at
    ``audio_path`` on the audio origin).
    """

    id: str
    provider: str
    model: str
    native_model: str
    request: Mapping[str, Any]
    script: JobScript
    created_at: float
    clips: tuple[FakeClip, ...]
    route: Literal["queued", "sync"] = "queued"
    native_id: str | None = None
    delivery: Literal["inline", "url"] | None = None
    audio_format: str | None = None
    audio_size: int = 0
    audio_seconds: float = 0.0
    result: Mapping[str, Any] | None = None
    create_usage: Mapping[str, Any] | None = None
    answered: threading.Event = attrs.field(factory=threading.Event, eq=False, repr=False)
    """Set once a synchronous create has finished generating (its answer is on its way)."""

    def status_at(self, now: float) -> str:
        if self.route == "sync":
            return self.script.final if self.answered.is_set() else "in_progress"
        return self.script.status_after(now - self.created_at)

    @property
    def audio_path(self) -> str:
        """Where a synchronous job's audio is on the audio origin."""
        return f"/audio/{self.id}/0.{self.audio_format or 'wav'}"

    def audio(self) -> bytes:
        """A synchronous job's audio file (empty for a queued job: see ``clips``)."""
        if self.audio_format is None:
            return b""
        return audio_bytes(self.audio_format, self.audio_size)


def _resolve_clips(job_id: str, script: JobScript, body: Mapping[str, Any]) -> tuple[FakeClip, ...]:
    suno = body.get("suno")
    options: Mapping[str, Any] = suno if isinstance(suno, Mapping) else {}
    duration = body.get("duration")
    default_duration = duration if isinstance(duration, int) and duration > 0 else _DEFAULT_DURATION
    title, style = options.get("title"), options.get("style")
    clips = []
    for i, spec in enumerate(script.clips):
        seconds = spec.duration if spec.duration is not None else default_duration
        clips.append(
            FakeClip(
                job_id=job_id,
                index=i,
                id=f"{job_id}_clip_{i}",
                title=spec.title
                or (title if isinstance(title, str) and title else f"Fake track {i + 1}"),
                tags=spec.tags or (style if isinstance(style, str) and style else "fake, test"),
                duration=seconds,
                frames=frames_for(seconds, spec.audio_size),
                extra_fields=types.MappingProxyType(dict(spec.extra_fields)),
            )
        )
    return tuple(clips)


@attrs.frozen(kw_only=True)
class SyncRoute:
    """How a synchronous provider answers one create: its format, size and audio origin."""

    provider: Provider
    fmt: str
    default_size: int  # the audio's size unless the script's clip gives one
    audio_base: str  # where ``audio_url`` points (URL-delivering providers)


def queued_job(
    job_id: str, body: dict[str, Any], script: JobScript, *, now: float, native_id: str
) -> FakeJob:
    """A job of the 2025 queued flow: it follows ``script``'s timeline from ``now``."""
    prefix, name = split_model(body["model"])
    native = name.upper().replace(".", "_").replace("-", "_") if prefix == "suno" else name
    return FakeJob(
        id=job_id,
        provider=prefix,
        model=body["model"],
        native_model=native,
        request=types.MappingProxyType(body),
        script=script,
        created_at=now,
        clips=_resolve_clips(job_id, script, body),
        native_id=native_id,
    )


def sync_job(
    job_id: str, seq: int, body: dict[str, Any], script: JobScript, *, now: float, route: SyncRoute
) -> FakeJob:
    """A job of a synchronous provider: one audio, the create's ``result`` and ``usage``."""
    provider, fmt = route.provider, route.fmt
    clips = _resolve_clips(job_id, script, body)
    spec = script.clips[0] if script.clips else Clip()
    seconds = clips[0].duration if clips else float(_DEFAULT_DURATION)
    size = spec.audio_size if spec.audio_size is not None else route.default_size
    native_id = provider.native_id(seq)
    url = provider.delivery == "url"
    audio_url = route.audio_base + f"/audio/{job_id}/0.{fmt}" if url else None
    failed = script.final == "failed"
    error = (dict(DEFAULT_ERROR) if script.error is None else script.error) if failed else None
    prompts = effective_prompts(body)
    return FakeJob(
        id=job_id,
        provider=provider.name,
        model=body["model"],
        native_model=body["model"],
        request=types.MappingProxyType(body),
        script=script,
        created_at=now,
        clips=(),
        route="sync",
        native_id=native_id,
        delivery=provider.delivery,
        audio_format=fmt,
        audio_size=size,
        audio_seconds=seconds,
        result=create_result(
            provider,
            native_id=native_id,
            model=body["model"],
            fmt=fmt,
            size=size,
            seconds=number(seconds),
            audio_url=None if failed else audio_url,
            error=error,
        ),
        create_usage=None
        if failed
        else create_usage(provider, seconds=number(seconds), prompt=prompts[0] if prompts else ""),
    )
