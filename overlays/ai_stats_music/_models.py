"""Typed views of the gateway's music answers.

Upstream declares both answers as a bag of keys (``MusicGenerateResponse``), and
one endpoint serves several providers, so these models follow three rules:

* Strict where the client depends on it: an answer that is not an object, a
  missing or non-string ``id``, a non-string ``status``, an ``output`` that is not
  a list of objects or a ``usage`` that is not an object raise
  :class:`~ai_stats_music.MalformedResponseError` naming the field.
* Tolerant where the API is loose: missing fields and ``null`` read as ``None``;
  a scalar of an unexpected type (say ``"duration": "8"``) is not guessed at: the
  typed attribute reads ``None`` and the raw value is kept in
  ``additional_properties`` under its own key.
* Lossless: every key the server sent that a model does not name is kept in
  ``additional_properties``, and ``Model.from_dict(d).to_dict() == d`` for every
  answer ``d`` that ``from_dict`` accepts.

This module holds the job and what describes it (status, error, context); the
parts of its answer (clips, usage, price) are in ``_job_parts``, and the
parsing all of them share is in ``_model_fields``.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._errors import MalformedResponseError
from ._job_parts import MusicClip, MusicCost, MusicUsage, cost_of
from ._model_fields import JSON, MISSING, STR, emit, make, parse_fields

if TYPE_CHECKING:
    from ._audio import MusicAudio

__all__ = ["JobContext", "JobStatus", "MusicJob", "MusicJobError"]


class JobStatus(enum.StrEnum):
    """The statuses the gateway documents.

    ``MusicJob.status`` holds one of these members when the server sends a
    documented value, and the raw string otherwise: providers behind the gateway
    add statuses of their own, and such a status is kept, readable, and counts as
    not terminal (waiting goes on until a documented terminal status or the
    deadline). Members are strings, so ``job.status == "completed"`` works too.
    """

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


_STATUSES: Final[dict[str, JobStatus]] = {s.value: s for s in JobStatus}
_TERMINAL: Final = frozenset({JobStatus.COMPLETED, JobStatus.FAILED})


@attrs.frozen(kw_only=True, slots=False)
class MusicJobError:
    """Why a job failed, as far as the server said.

    The gateway does not document the shape, so both a plain string and an
    object with ``message``/``reason`` and ``code``/``type`` are understood;
    ``raw`` is exactly what was sent.
    """

    message: str | None = None
    code: str | None = None
    raw: JSON = None

    @classmethod
    def from_raw(cls, raw: JSON) -> MusicJobError:
        if isinstance(raw, str):
            return cls(message=raw, raw=raw)
        if isinstance(raw, Mapping):
            message = raw.get("message", raw.get("reason"))
            code = raw.get("code", raw.get("type"))
            return cls(
                message=message if isinstance(message, str) else None,
                code=str(code) if isinstance(code, str | int) and code is not True else None,
                raw=raw,
            )
        return cls(raw=raw)

    def __str__(self) -> str:
        if self.message and self.code:
            return f"{self.code}: {self.message}"
        return self.message or self.code or "no details given"


_JOB_FIELDS: Final = {
    "id": ("id", STR),
    "status": ("status", STR),
    "object": ("object", STR),
    "provider": ("provider", STR),
    "model": ("model", STR),
    "nativeResponseId": ("native_response_id", STR),
    "audio_url": ("audio_url", STR),
    "audio_base64": ("audio_base64", STR),
    "error": ("error", (str, dict)),
    # Containers are checked (strictly) by MusicJob.from_dict itself, and
    # ``result`` may be anything: as far as this table goes they are
    # additional properties, unless null.
    "output": ("output", ()),
    "usage": ("usage", ()),
    "result": ("result", ()),
}


@attrs.frozen(kw_only=True, slots=False)
class JobContext:
    """What the client knows about an answer beyond its body.

    A :class:`MusicJob` is the answer as sent, and its equality, ``to_dict``
    and round trip are about that only; facts the client adds from its side
    travel here instead, in :attr:`MusicJob.context`, excluded from all three.
    ``requested_format`` is the ``format`` sent on create (``"mp3"``,
    ``"wav"``...): the last resort for the content type of an audio whose
    bytes and answer do not tell (see ``MusicAudio.content_type``).
    ``request_id`` is the answer's ``X-Request-Id`` (what the gateway's
    support asks for), ``None`` when the gateway sent none.
    """

    requested_format: str | None = None
    request_id: str | None = None


_NO_CONTEXT: Final = JobContext()

_JOB_DEFAULTS: Final = {
    **dict.fromkeys(a for a, _ in _JOB_FIELDS.values() if a),
    "usage": None,
    "_output_sent": False,
    "context": _NO_CONTEXT,
}


def _parse_clips(raw_output: object, job_id: str) -> list[MusicClip]:
    if type(raw_output) is not list:
        raise MalformedResponseError(
            f"job {job_id!r:.200} field 'output' is not a list", field="output", job_id=job_id
        )
    from_dict = MusicClip.from_dict
    try:
        return [from_dict(clip) for clip in raw_output]
    except MalformedResponseError:
        # Only now work out which clip it was: the happy path stays cheap.
        for i, clip in enumerate(raw_output):
            if type(clip) is not dict and not isinstance(clip, Mapping):
                raise MalformedResponseError(
                    f"job {job_id!r:.200}: output[{i}] is not an object, but {type(clip).__name__}",
                    field=f"output[{i}]",
                    job_id=job_id,
                ) from None
        raise


@attrs.frozen(kw_only=True, slots=False)
class MusicJob:
    """A music generation job, as the gateway last reported it.

    ``status`` is a :class:`JobStatus` member for documented statuses and the raw
    string otherwise (see :class:`JobStatus`). ``output`` holds the clips once
    the job completed; ``usage`` appears once it is complete (and at creation,
    with ``requests``); ``error`` carries the failure details of a failed job
    when the server gives them.

    Synchronous providers answer with the audio at the top level:
    ``audio_url`` (MiniMax: an https URL or a ``data:`` URI) or
    ``audio_base64`` (ElevenLabs, Google Lyria), kept as sent and never
    decoded here (answers are parsed on every status read, and inline audio
    runs to megabytes). ``result`` is the provider's own metadata, any shape,
    as sent. :attr:`audio` is the one view of every audio, wherever it is.

    ``context`` holds what the client knows beyond the answer (see
    :class:`JobContext`); it takes no part in equality or ``to_dict``.
    """

    id: str
    status: JobStatus | str
    object: str | None = None
    provider: str | None = None
    model: str | None = None
    native_response_id: str | None = None
    audio_url: str | None = None
    audio_base64: str | None = None
    result: JSON | None = None
    output: list[MusicClip] = attrs.field(factory=list)
    usage: MusicUsage | None = None
    error: MusicJobError | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    context: JobContext = attrs.field(default=JobContext(), repr=False, eq=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, init=False)
    # Whether the server sent an ``output`` list (an empty one included), so that
    # ``to_dict`` can tell ``"output": []`` from no ``output`` at all.
    _output_sent: bool = attrs.field(default=False, repr=False, eq=False, init=False)

    @property
    def is_terminal(self) -> bool:
        """True once the job completed or failed; unknown statuses are not terminal."""
        return self.status in _TERMINAL

    @property
    def is_completed(self) -> bool:
        """Whether the job ended with its audio (``status == "completed"``)."""
        return self.status == JobStatus.COMPLETED

    @property
    def is_failed(self) -> bool:
        """Whether the job ended without audio (``status == "failed"``)."""
        return self.status == JobStatus.FAILED

    @property
    def known_status(self) -> JobStatus | None:
        """The status as a :class:`JobStatus`, or ``None`` when it is not a documented one."""
        status = self.status
        return status if isinstance(status, JobStatus) else None

    @functools.cached_property
    def audio(self) -> Sequence[MusicAudio]:
        """Every audio this answer carries, whatever the provider, each once.

        In order: the clips of ``output`` (the first source of each:
        ``audio_base64``, else ``audio_url``, else ``stream_audio_url``), then
        the top-level ``audio_base64`` and ``audio_url`` unless a clip already
        gave the same audio (the stored copy of a synchronous job repeats it in
        ``output[0]``: one :class:`~ai_stats_music.MusicAudio`, with the clip).
        ``data:`` URIs in a URL field are inline audio. Empty strings are no
        audio. Computed once per job, without decoding anything.
        """
        from ._audio import audio_of

        return audio_of(self)

    @property
    def cost(self) -> MusicCost | None:
        """The price, from ``usage`` or the top level (see :class:`MusicCost`), or None."""
        return cost_of(self.usage, self.additional_properties)

    def with_context(self, **changes: Any) -> MusicJob:
        """This job with :attr:`context` fields changed (``requested_format=...``).

        The answer part is shared, not copied, and its round trip is kept
        (``attrs.evolve`` would lose which keys were sent as ``null``).
        """
        state = {k: v for k, v in self.__dict__.items() if k != "audio"}  # audio: recomputed
        state["context"] = attrs.evolve(self.context, **changes)
        return make(type(self), state)

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, context: JobContext | None = None) -> MusicJob:
        """Parse a create or status answer; raises ``MalformedResponseError`` naming the field.

        ``context`` is what the client knows beyond the answer (see :class:`JobContext`).
        """
        if not isinstance(src, Mapping):
            raise MalformedResponseError(
                f"expected a JSON object for the job, got {type(src).__name__}", field=None
            )
        state = parse_fields(src, _JOB_FIELDS, _JOB_DEFAULTS)
        job_id = state["id"]
        if not job_id:
            job_id = src.get("id", MISSING)
            what = "missing" if job_id is MISSING else f"not a non-empty string: {job_id!r:.80}"
            raise MalformedResponseError(f"job field 'id' is {what}", field="id")
        status = state["status"]
        if status is None:
            status = src.get("status", MISSING)
            what = "missing" if status is MISSING else f"not a string: {status!r:.80}"
            raise MalformedResponseError(
                f"job {job_id!r:.200} field 'status' is {what}", field="status", job_id=job_id
            )
        state["status"] = _STATUSES.get(status, status)
        extra = state["additional_properties"]
        raw_output = extra.pop("output", MISSING)
        if raw_output is MISSING:
            state["output"] = []
        else:
            state["output"] = _parse_clips(raw_output, job_id)
            state["_output_sent"] = True
        raw_usage = extra.pop("usage", MISSING)
        if raw_usage is not MISSING:
            if type(raw_usage) is not dict and not isinstance(raw_usage, Mapping):
                raise MalformedResponseError(
                    f"job {job_id!r:.200} field 'usage' is not an object",
                    field="usage",
                    job_id=job_id,
                )
            state["usage"] = MusicUsage.from_dict(raw_usage)
        raw_error = state["error"]
        if raw_error is not None:
            state["error"] = MusicJobError.from_raw(raw_error)
        if "result" in extra:
            state["result"] = extra.pop("result")
        if context is not None:
            state["context"] = context
        return make(cls, state)

    def to_dict(self) -> dict[str, JSON]:
        """The answer as the server sent it (keys in a canonical order)."""
        out: dict[str, Any] = {"id": self.id, "status": str(self.status)}
        n = self._nulls
        emit(out, "object", self.object, n)
        emit(out, "provider", self.provider, n)
        emit(out, "model", self.model, n)
        emit(out, "nativeResponseId", self.native_response_id, n)
        emit(out, "audio_url", self.audio_url, n)
        emit(out, "audio_base64", self.audio_base64, n)
        emit(out, "result", self.result, n)
        if self.output or self._output_sent:
            out["output"] = [c.to_dict() for c in self.output]
        elif "output" in n:
            out["output"] = None
        emit(out, "usage", None if self.usage is None else self.usage.to_dict(), n)
        emit(out, "error", None if self.error is None else self.error.raw, n)
        out.update(self.additional_properties)
        return out
