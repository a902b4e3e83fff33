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
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

import attrs

from ._errors import MalformedResponseError

if TYPE_CHECKING:
    from ._audio import MusicAudio

__all__ = [
    "JobContext",
    "JobStatus",
    "MusicClip",
    "MusicCost",
    "MusicJob",
    "MusicJobError",
    "MusicUsage",
]

JSON: TypeAlias = Any
_MISSING: Final = object()
_NO_NULLS: Final[frozenset[str]] = frozenset()
_M = TypeVar("_M")


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


_STR: Final = (str,)
_INT: Final = (int,)
_NUM: Final = (int, float)  # exact types: a bool is not a number here
_LIST: Final = (list,)


def _fields(
    src: Mapping[str, Any],
    spec: Mapping[str, tuple[str, tuple[type, ...]]],
    defaults: dict[str, Any],
) -> dict[str, Any]:
    """The attribute values of a model parsed from one answer object.

    ``spec`` maps a wire key to (attribute name, accepted exact types). Values
    of those types become attributes, ``null`` becomes ``None`` (remembered in
    ``_nulls`` for ``to_dict``), and anything else is an additional property.
    One pass, no copies: this runs for every clip of every status answer.
    """
    state = defaults.copy()
    extra: dict[str, Any] = {}
    nulls: list[str] | None = None
    for key, value in src.items():
        known = spec.get(key)
        if known is not None:
            if type(value) in known[1]:
                state[known[0]] = value
                continue
            if value is None:
                if nulls is None:
                    nulls = [key]
                else:
                    nulls.append(key)
                continue
        extra[key] = value
    state["additional_properties"] = extra
    state["_nulls"] = _NO_NULLS if nulls is None else frozenset(nulls)
    return state


_new = object.__new__
_set = object.__setattr__


def _make(cls: type[_M], state: dict[str, Any]) -> _M:
    """An instance of a frozen attrs model from all its attribute values, without ``__init__``.

    ``from_dict`` is on the hot path of polling (see bench/): setting the
    instance's ``__dict__`` in one go costs a fraction of the keyword
    ``__init__`` of a frozen class. ``state`` must hold every attribute (the
    models have no validators to skip).
    """
    obj = _new(cls)
    _set(obj, "__dict__", state)
    return obj


def _emit(out: dict[str, Any], key: str, value: Any, nulls: frozenset[str]) -> None:
    if value is not None:
        out[key] = value
    elif key in nulls:
        out[key] = None


def _require_mapping(src: object, where: str) -> Mapping[str, Any]:
    if type(src) is not dict and not isinstance(src, Mapping):
        raise MalformedResponseError(
            f"expected a JSON object for {where}, got {type(src).__name__}", field=where
        )
    return src


@attrs.frozen(kw_only=True, slots=False)
class MusicUsage:
    """What the job used and cost, as far as the answer says.

    The gateway sends different figures at different moments (``requests`` at
    creation, audio counts once complete, token counts for Google Lyria, and a
    price when it priced the request), and which ones is not settled upstream:
    every figure is optional, typed when it has the expected type, and kept as
    sent otherwise. ``cost_nanos`` is in billionths of ``currency``;
    ``pricing_lines`` is the gateway's breakdown, kept as sent (any shape).
    The cost may come at the top level of the answer instead: see
    :attr:`MusicJob.cost`, which reads both.
    """

    requests: int | None = None
    output_audio_count: int | None = None
    output_audio_seconds: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost_nanos: int | None = None
    cost_cents: float | None = None
    currency: str | None = None
    pricing_lines: list[JSON] | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, init=False)

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, where: str = "usage") -> MusicUsage:
        return _make(cls, _fields(_require_mapping(src, where), _USAGE_FIELDS, _USAGE_DEFAULTS))

    def to_dict(self) -> dict[str, JSON]:
        """The object as the server sent it (``from_dict`` of it gives it back)."""
        out: dict[str, Any] = {}
        n = self._nulls
        for key in _USAGE_FIELDS:
            _emit(out, key, getattr(self, key), n)
        out.update(self.additional_properties)
        return out


_USAGE_FIELDS: Final = {
    name: (name, types)
    for name, types in (
        ("requests", _INT),
        ("output_audio_count", _INT),
        ("output_audio_seconds", _NUM),
        ("input_tokens", _INT),
        ("output_tokens", _INT),
        ("total_tokens", _INT),
        ("cost_nanos", _INT),
        ("cost_cents", _NUM),
        ("currency", _STR),
        ("pricing_lines", _LIST),
    )
}


_USAGE_DEFAULTS: Final = dict.fromkeys(a for a, _ in _USAGE_FIELDS.values())
_COST_KEYS: Final = ("cost_nanos", "cost_cents", "currency", "pricing_lines")


@attrs.frozen(kw_only=True, slots=False)
class MusicCost:
    """The price of a job, from ``usage`` or from the top level of the answer.

    The gateway's code may put ``cost_nanos``, ``cost_cents``, ``currency`` and
    ``pricing_lines`` in either place (upstream does not say which wins): each
    figure is read from ``usage`` first, else from the top level, typed like
    :class:`MusicUsage`'s. The raw keys stay where they came, so the answer's
    round trip is untouched.
    """

    cost_nanos: int | None = None
    cost_cents: float | None = None
    currency: str | None = None
    pricing_lines: list[JSON] | None = None


@attrs.frozen(kw_only=True, slots=False)
class MusicClip:
    """One generated audio clip of a completed job.

    ``audio_base64`` is inline audio (the stored copy of an ElevenLabs or
    Google Lyria job carries its audio so), kept as sent: it is decoded only
    when asked, through :attr:`MusicJob.audio` (``MusicAudio.data``).
    """

    index: int | None = None
    id: str | None = None
    audio_url: str | None = None
    audio_base64: str | None = None
    stream_audio_url: str | None = None
    image_url: str | None = None
    title: str | None = None
    tags: str | None = None
    duration: float | None = None
    additional_properties: dict[str, JSON] = attrs.field(factory=dict, repr=False)
    _nulls: frozenset[str] = attrs.field(default=frozenset(), repr=False, init=False)

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, where: str = "clip") -> MusicClip:
        return _make(cls, _fields(_require_mapping(src, where), _CLIP_FIELDS, _CLIP_DEFAULTS))

    def to_dict(self) -> dict[str, JSON]:
        """The object as the server sent it (``from_dict`` of it gives it back)."""
        out: dict[str, Any] = {}
        n = self._nulls
        _emit(out, "index", self.index, n)
        _emit(out, "id", self.id, n)
        _emit(out, "audio_url", self.audio_url, n)
        _emit(out, "audio_base64", self.audio_base64, n)
        _emit(out, "stream_audio_url", self.stream_audio_url, n)
        _emit(out, "image_url", self.image_url, n)
        _emit(out, "title", self.title, n)
        _emit(out, "tags", self.tags, n)
        _emit(out, "duration", self.duration, n)
        out.update(self.additional_properties)
        return out


_CLIP_FIELDS: Final = {
    name: (name, types)
    for name, types in (
        ("index", _INT),
        ("id", _STR),
        ("audio_url", _STR),
        ("audio_base64", _STR),
        ("stream_audio_url", _STR),
        ("image_url", _STR),
        ("title", _STR),
        ("tags", _STR),
        ("duration", _NUM),
    )
}


_CLIP_DEFAULTS: Final = dict.fromkeys(_CLIP_FIELDS)


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
    "id": ("id", _STR),
    "status": ("status", _STR),
    "object": ("object", _STR),
    "provider": ("provider", _STR),
    "model": ("model", _STR),
    "nativeResponseId": ("native_response_id", _STR),
    "audio_url": ("audio_url", _STR),
    "audio_base64": ("audio_base64", _STR),
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
        usage = self.usage
        extra = self.additional_properties
        found: dict[str, Any] = {}
        for key in _COST_KEYS:
            value = None if usage is None else getattr(usage, key)
            if value is None:
                raw = extra.get(key)
                if type(raw) in _USAGE_FIELDS[key][1]:
                    value = raw
            if value is not None:
                found[key] = value
        return MusicCost(**found) if found else None

    def with_context(self, **changes: Any) -> MusicJob:
        """This job with :attr:`context` fields changed (``requested_format=...``).

        The answer part is shared, not copied, and its round trip is kept
        (``attrs.evolve`` would lose which keys were sent as ``null``).
        """
        state = {k: v for k, v in self.__dict__.items() if k != "audio"}  # audio: recomputed
        state["context"] = attrs.evolve(self.context, **changes)
        return _make(type(self), state)

    @classmethod
    def from_dict(cls, src: Mapping[str, Any], *, context: JobContext | None = None) -> MusicJob:
        """Parse a create or status answer; raises ``MalformedResponseError`` naming the field.

        ``context`` is what the client knows beyond the answer (see :class:`JobContext`).
        """
        if not isinstance(src, Mapping):
            raise MalformedResponseError(
                f"expected a JSON object for the job, got {type(src).__name__}", field=None
            )
        state = _fields(src, _JOB_FIELDS, _JOB_DEFAULTS)
        job_id = state["id"]
        if not job_id:
            job_id = src.get("id", _MISSING)
            what = "missing" if job_id is _MISSING else f"not a non-empty string: {job_id!r:.80}"
            raise MalformedResponseError(f"job field 'id' is {what}", field="id")
        status = state["status"]
        if status is None:
            status = src.get("status", _MISSING)
            what = "missing" if status is _MISSING else f"not a string: {status!r:.80}"
            raise MalformedResponseError(
                f"job {job_id!r:.200} field 'status' is {what}", field="status", job_id=job_id
            )
        state["status"] = _STATUSES.get(status, status)
        extra = state["additional_properties"]
        raw_output = extra.pop("output", _MISSING)
        if raw_output is _MISSING:
            state["output"] = []
        else:
            state["output"] = _parse_clips(raw_output, job_id)
            state["_output_sent"] = True
        raw_usage = extra.pop("usage", _MISSING)
        if raw_usage is not _MISSING:
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
        return _make(cls, state)

    def to_dict(self) -> dict[str, JSON]:
        """The answer as the server sent it (keys in a canonical order)."""
        out: dict[str, Any] = {"id": self.id, "status": str(self.status)}
        n = self._nulls
        _emit(out, "object", self.object, n)
        _emit(out, "provider", self.provider, n)
        _emit(out, "model", self.model, n)
        _emit(out, "nativeResponseId", self.native_response_id, n)
        _emit(out, "audio_url", self.audio_url, n)
        _emit(out, "audio_base64", self.audio_base64, n)
        _emit(out, "result", self.result, n)
        if self.output or self._output_sent:
            out["output"] = [c.to_dict() for c in self.output]
        elif "output" in n:
            out["output"] = None
        _emit(out, "usage", None if self.usage is None else self.usage.to_dict(), n)
        _emit(out, "error", None if self.error is None else self.error.raw, n)
        out.update(self.additional_properties)
        return out
