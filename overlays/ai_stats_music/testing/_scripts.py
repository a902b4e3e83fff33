"""How a fake job behaves over time: its timeline, its end, its clips."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

__all__ = ["DEFAULT_ERROR", "DEFAULT_SCRIPT", "Clip", "JobScript", "Phase", "PhaseLike"]

TERMINAL: Final = frozenset({"completed", "failed"})
CREATE_STATUSES: Final = frozenset({"queued", "in_progress"})

DEFAULT_ERROR: Final[Mapping[str, Any]] = {
    "code": "generation_failed",
    "message": "The provider could not generate the music.",
}
"""The ``error`` object of a failed job whose script gives none."""


def _check_seconds(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _check_phase_status(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"a phase status must be a non-empty string, got {value!r}")
    if value in TERMINAL:
        raise ValueError(
            f"{value!r} cannot be a phase of the timeline: the end of a job is JobScript.final"
        )


@attrs.frozen(slots=True)
class Phase:
    """A stretch of a job's life: ``status`` for ``seconds`` (clock time).

    Any non-terminal status is allowed, including ones the API does not
    document (``Phase("rendering", 5)``): a client must keep waiting through them.
    """

    status: str = attrs.field(validator=_check_phase_status)
    seconds: float = attrs.field(validator=_check_seconds)


PhaseLike: TypeAlias = Phase | tuple[str, float]


def _to_phases(value: Iterable[PhaseLike]) -> tuple[Phase, ...]:
    if isinstance(value, str | bytes | Mapping):
        raise TypeError("timeline must be a sequence of Phase or (status, seconds) pairs")
    return tuple(p if isinstance(p, Phase) else Phase(*p) for p in value)


def _check_optional_number(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        raise ValueError(f"{attribute.name} must be a finite number >= 0 or None, got {value!r}")


def _check_audio_size(_: object, __: object, value: int | None) -> None:
    if value is not None and not (type(value) is int and value >= 44):
        raise ValueError(f"audio_size must be an int >= 44 (a WAV header), got {value!r}")


@attrs.frozen(kw_only=True, slots=True)
class Clip:
    """One clip a completed job delivers.

    ``None`` fields take a default when the job is created: ``duration`` the
    request's ``duration``, else 8 s; ``title`` the request's ``suno.title``, else
    ``"Fake track N"``; ``tags`` the request's ``suno.style``, else ``"fake, test"``.
    The clip's audio is a WAV tone (8 kHz, 16-bit, mono) as long as ``duration``,
    unless ``audio_size`` sets the size of the WAV file in bytes (rounded down
    to whole frames): ``Clip(audio_size=64 * 2**20)`` is a 64 MiB download,
    generated on the fly. ``extra_fields`` are added to the clip's object in
    ``output`` (fields the client does not know must survive).
    """

    title: str | None = None
    duration: float | None = attrs.field(default=None, validator=_check_optional_number)
    tags: str | None = None
    audio_size: int | None = attrs.field(default=None, validator=_check_audio_size)
    extra_fields: Mapping[str, Any] = attrs.field(factory=dict)


def _to_clips(value: int | Iterable[Clip]) -> tuple[Clip, ...]:
    if isinstance(value, bool):
        raise TypeError("clips must be a count or a sequence of Clip")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"clips must be >= 0, got {value}")
        return tuple(Clip() for _ in range(value))
    clips = tuple(value)
    for c in clips:
        if not isinstance(c, Clip):
            raise TypeError(f"clips must be Clip objects, got {type(c).__name__}")
    return clips


def _check_final(_: object, __: object, value: str) -> None:
    if value not in TERMINAL:
        raise ValueError(f"final must be 'completed' or 'failed', got {value!r}")


@attrs.frozen(kw_only=True, slots=True)
class JobScript:
    """The life of a fake job, in the gateway's clock time.

    The job goes through ``timeline`` in order (each :class:`Phase` for its
    ``seconds``; pairs like ``("queued", 1)`` are accepted), then stays in
    ``final``: ``"completed"`` with ``clips`` (a count, or :class:`Clip` specs)
    or ``"failed"`` with ``error`` (any JSON value; :data:`DEFAULT_ERROR` when
    None). ``extra_fields`` are added to every answer about the job, create and
    status alike.

    That is how a *queued* provider's job lives (Suno in 2025; see
    ``FakeGateway(queued=...)``): the create answer reports the status at
    creation when it is ``queued`` or ``in_progress``, and ``queued`` otherwise.

    A *synchronous* provider's job (ElevenLabs, Lyria, MiniMax) has no timeline:
    the create request is held open for ``generation_seconds`` of real time
    (None: the gateway's ``generation_seconds``), then answers ``final`` at
    once; its one audio takes its duration and ``audio_size`` from the first
    of ``clips`` (if any). ``timeline`` is ignored for it.
    """

    timeline: tuple[Phase, ...] = attrs.field(
        default=(Phase("queued", 0.1), Phase("in_progress", 0.4)), converter=_to_phases
    )
    final: Literal["completed", "failed"] = attrs.field(default="completed", validator=_check_final)
    clips: tuple[Clip, ...] = attrs.field(default=2, converter=_to_clips)
    error: Any = None
    extra_fields: Mapping[str, Any] = attrs.field(factory=dict)
    generation_seconds: float | None = attrs.field(default=None, validator=_check_optional_number)

    @property
    def total_seconds(self) -> float:
        """How long after creation the job reaches ``final``."""
        return float(sum(p.seconds for p in self.timeline))

    def status_after(self, elapsed: float) -> str:
        """The job's status ``elapsed`` seconds after its creation."""
        end = 0.0
        for phase in self.timeline:
            end += phase.seconds
            if elapsed < end:
                return phase.status
        return self.final

    @property
    def create_status(self) -> str:
        status = self.status_after(0.0)
        return status if status in CREATE_STATUSES else "queued"


DEFAULT_SCRIPT: Final = JobScript()
"""Queued for 0.1 s, in progress for 0.4 s, then completed with two 8 s clips."""
