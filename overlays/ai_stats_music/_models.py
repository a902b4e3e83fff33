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
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

import attrs

from ._errors import MalformedResponseError

__all__ = ["JobStatus", "MusicClip", "MusicJob", "MusicJobError", "MusicUsage"]

JSON: TypeAlias = Any
_MISSING: Final = object()
_NO_NULLS: Final[frozenset[str]] = frozenset()


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


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _is_int(value: object) -> bool:
    return type(value) is int


def _is_str(value: object) -> bool:
    return type(value) is str


def _take(data: dict[str, Any], key: str, check: Any, nulls: list[str]) -> Any:  # -> value or None
    """Pop ``key`` from ``data`` if its value passes ``check``.

    A ``null`` is recorded in ``nulls`` so that ``to_dict`` can send it back; a
    value of the wrong type is left in ``data`` (it becomes an additional
    property) and ``None`` is returned.
    """
    value = data.get(key, _MISSING)
    if value is _MISSING:
        return None
    if value is None:
        del data[key]
        nulls.append(key)
        return None
    if check(value):
        del data[key]
        return value
    return None


def _emit(out: dict[str, Any], key: str, value: Any, nulls: frozenset[str]) -> None:
    if value is not None:
        out[key] = value
    elif key in nulls:
        out[key] = None


def _require_mapping(src: object, where: str) -> dict[str, Any]:
    if not isinstance(src, Mapping):
        raise MalformedResponseError(
            f"expected a JSON object for {where}, got {type(src).__name__}", field=where
        )
    return dict(src)


@attrs.frozen(kw_only=True, slots=True)
class MusicUsage:
    """What the job cost: ``requests`` at creation, audio counts once complete."""

    requests: int | None = None
    output_audio_count: int | None = None
    output_audio_seconds: float | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, alias="_nulls")

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, _where: str = "usage") -> MusicUsage:
        d = _require_mapping(src, _where)
        nulls: list[str] = []
        return cls(
            requests=_take(d, "requests", _is_int, nulls),
            output_audio_count=_take(d, "output_audio_count", _is_int, nulls),
            output_audio_seconds=_take(d, "output_audio_seconds", _is_number, nulls),
            additional_properties=d,
            _nulls=frozenset(nulls),
        )

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, Any] = {}
        n = self._nulls
        _emit(out, "requests", self.requests, n)
        _emit(out, "output_audio_count", self.output_audio_count, n)
        _emit(out, "output_audio_seconds", self.output_audio_seconds, n)
        out.update(self.additional_properties)
        return out


@attrs.frozen(kw_only=True, slots=True)
class MusicClip:
    """One generated audio clip of a completed job."""

    index: int | None = None
    id: str | None = None
    audio_url: str | None = None
    stream_audio_url: str | None = None
    image_url: str | None = None
    title: str | None = None
    tags: str | None = None
    duration: float | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, alias="_nulls")

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, _where: str = "clip") -> MusicClip:
        d = _require_mapping(src, _where)
        nulls: list[str] = []
        return cls(
            index=_take(d, "index", _is_int, nulls),
            id=_take(d, "id", _is_str, nulls),
            audio_url=_take(d, "audio_url", _is_str, nulls),
            stream_audio_url=_take(d, "stream_audio_url", _is_str, nulls),
            image_url=_take(d, "image_url", _is_str, nulls),
            title=_take(d, "title", _is_str, nulls),
            tags=_take(d, "tags", _is_str, nulls),
            duration=_take(d, "duration", _is_number, nulls),
            additional_properties=d,
            _nulls=frozenset(nulls),
        )

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, Any] = {}
        n = self._nulls
        _emit(out, "index", self.index, n)
        _emit(out, "id", self.id, n)
        _emit(out, "audio_url", self.audio_url, n)
        _emit(out, "stream_audio_url", self.stream_audio_url, n)
        _emit(out, "image_url", self.image_url, n)
        _emit(out, "title", self.title, n)
        _emit(out, "tags", self.tags, n)
        _emit(out, "duration", self.duration, n)
        out.update(self.additional_properties)
        return out


@attrs.frozen(kw_only=True, slots=True)
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


def _is_error(value: object) -> bool:
    return isinstance(value, str | Mapping)


@attrs.frozen(kw_only=True, slots=True)
class MusicJob:
    """A music generation job, as the gateway last reported it.

    ``status`` is a :class:`JobStatus` member for documented statuses and the raw
    string otherwise (see :class:`JobStatus`). ``output`` holds the clips once
    the job completed; ``usage`` appears once it is complete (and at creation,
    with ``requests``); ``error`` carries the failure details of a failed job
    when the server gives them.
    """

    id: str
    status: JobStatus | str
    object: str | None = None
    provider: str | None = None
    model: str | None = None
    native_response_id: str | None = None
    output: list[MusicClip] = attrs.field(factory=list)
    usage: MusicUsage | None = None
    error: MusicJobError | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, alias="_nulls")
    # Whether the server sent an ``output`` list (an empty one included), so that
    # ``to_dict`` can tell ``"output": []`` from no ``output`` at all.
    _output_sent: bool = attrs.field(default=False, repr=False, eq=False, alias="_output_sent")

    @property
    def is_terminal(self) -> bool:
        """True once the job completed or failed; unknown statuses are not terminal."""
        return self.status in _TERMINAL

    @property
    def is_completed(self) -> bool:
        return self.status == JobStatus.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def known_status(self) -> JobStatus | None:
        """The status as a :class:`JobStatus`, or ``None`` when it is not a documented one."""
        status = self.status
        return status if isinstance(status, JobStatus) else None

    @classmethod
    def from_dict(cls, src: Mapping[str, Any]) -> MusicJob:
        """Parse a create or status answer; raises ``MalformedResponseError`` naming the field."""
        if not isinstance(src, Mapping):
            raise MalformedResponseError(
                f"expected a JSON object for the job, got {type(src).__name__}", field=None
            )
        d = dict(src)
        job_id = d.pop("id", _MISSING)
        if type(job_id) is not str or not job_id:
            what = "missing" if job_id is _MISSING else f"not a non-empty string: {job_id!r:.80}"
            raise MalformedResponseError(f"job field 'id' is {what}", field="id")
        status = d.pop("status", _MISSING)
        if type(status) is not str:
            what = "missing" if status is _MISSING else f"not a string: {status!r:.80}"
            raise MalformedResponseError(
                f"job {job_id!r:.200} field 'status' is {what}", field="status", job_id=job_id
            )
        nulls: list[str] = []
        output: list[MusicClip] = []
        raw_output = d.pop("output", None) if "output" in d else _MISSING
        if raw_output is None:
            nulls.append("output")
        elif raw_output is not _MISSING:
            if not isinstance(raw_output, list):
                raise MalformedResponseError(
                    f"job {job_id!r:.200} field 'output' is not a list",
                    field="output",
                    job_id=job_id,
                )
            try:
                output = [
                    MusicClip.from_dict(c, _where=f"output[{i}]") for i, c in enumerate(raw_output)
                ]
            except MalformedResponseError as exc:
                raise MalformedResponseError(
                    f"job {job_id!r:.200}: {exc.message}", field=exc.field, job_id=job_id
                ) from None
        usage = None
        raw_usage = d.pop("usage", _MISSING)
        if raw_usage is None:
            nulls.append("usage")
        elif raw_usage is not _MISSING:
            if not isinstance(raw_usage, Mapping):
                raise MalformedResponseError(
                    f"job {job_id!r:.200} field 'usage' is not an object",
                    field="usage",
                    job_id=job_id,
                )
            usage = MusicUsage.from_dict(raw_usage)
        raw_error = _take(d, "error", _is_error, nulls)
        return cls(
            id=job_id,
            status=_STATUSES.get(status, status),
            object=_take(d, "object", _is_str, nulls),
            provider=_take(d, "provider", _is_str, nulls),
            model=_take(d, "model", _is_str, nulls),
            native_response_id=_take(d, "nativeResponseId", _is_str, nulls),
            output=output,
            usage=usage,
            error=None if raw_error is None else MusicJobError.from_raw(raw_error),
            additional_properties=d,
            _nulls=frozenset(nulls) if nulls else _NO_NULLS,
            _output_sent=raw_output is not _MISSING and raw_output is not None,
        )

    def to_dict(self) -> dict[str, JSON]:
        """The answer as the server sent it (keys in a canonical order)."""
        out: dict[str, Any] = {"id": self.id, "status": str(self.status)}
        n = self._nulls
        _emit(out, "object", self.object, n)
        _emit(out, "provider", self.provider, n)
        _emit(out, "model", self.model, n)
        _emit(out, "nativeResponseId", self.native_response_id, n)
        if self.output or self._output_sent:
            out["output"] = [c.to_dict() for c in self.output]
        elif "output" in n:
            out["output"] = None
        _emit(out, "usage", None if self.usage is None else self.usage.to_dict(), n)
        _emit(out, "error", None if self.error is None else self.error.raw, n)
        out.update(self.additional_properties)
        return out
