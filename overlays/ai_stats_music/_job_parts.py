"""The parts of a job's answer: its clips (``output``), its usage and its price.

Flat models, each a row of scalars named as their wire keys: parsed and
written back by the same two functions (``_model_fields.parse_flat`` and
``flat_to_dict``), under the rules of ``_models`` (strict where the client
depends on it, tolerant where the API is loose, lossless). Which types each
key takes is read from the class's own annotations (``flat_table``), so a
field is declared once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ._model_fields import JSON, flat_table, flat_to_dict, parse_flat

__all__ = ["MusicClip", "MusicCost", "MusicUsage", "cost_of"]


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
        return parse_flat(cls, src, where, _USAGE_FIELDS, _USAGE_DEFAULTS)

    def to_dict(self) -> dict[str, JSON]:
        """The object as the server sent it (``from_dict`` of it gives it back)."""
        return flat_to_dict(self, _USAGE_FIELDS)


_USAGE_FIELDS: Final = flat_table(MusicUsage)
_USAGE_DEFAULTS: Final = dict.fromkeys(_USAGE_FIELDS)
_COST_KEYS: Final = ("cost_nanos", "cost_cents", "currency", "pricing_lines")


def cost_of(usage: MusicUsage | None, top_level: Mapping[str, Any]) -> MusicCost | None:
    """A job's price (``MusicJob.cost``): each figure from ``usage``, else from the
    answer's top level (its additional properties) when typed as in a usage."""
    found: dict[str, Any] = {}
    for key in _COST_KEYS:
        value = None if usage is None else getattr(usage, key)
        if value is None:
            raw = top_level.get(key)
            if type(raw) in _USAGE_FIELDS[key][1]:
                value = raw
        if value is not None:
            found[key] = value
    return MusicCost(**found) if found else None


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
        return parse_flat(cls, src, where, _CLIP_FIELDS, _CLIP_DEFAULTS)

    def to_dict(self) -> dict[str, JSON]:
        """The object as the server sent it (``from_dict`` of it gives it back)."""
        return flat_to_dict(self, _CLIP_FIELDS)


_CLIP_FIELDS: Final = flat_table(MusicClip)


_CLIP_DEFAULTS: Final = dict.fromkeys(_CLIP_FIELDS)
